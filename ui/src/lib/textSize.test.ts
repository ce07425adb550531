import { describe, expect, it } from 'vitest';
import { afterZoomKey, stepped, zoomKey } from './textSize.svelte';

const key = (k: string, mods: { ctrl?: boolean; meta?: boolean; alt?: boolean } = { ctrl: true }) => ({
  key: k,
  ctrlKey: !!mods.ctrl,
  metaKey: !!mods.meta,
  altKey: !!mods.alt,
});

describe('text size', () => {
  it('steps within the three sizes', () => {
    expect(stepped('standard', 1)).toBe('large');
    expect(stepped('large', 1)).toBe('extra_large');
    expect(stepped('extra_large', 1)).toBe('extra_large');
    expect(stepped('large', -1)).toBe('standard');
    expect(stepped('standard', -1)).toBe('standard');
  });

  it('reads the zoom keys as the browsers do', () => {
    expect(zoomKey(key('='))).toBe(1);
    expect(zoomKey(key('+'))).toBe(1);
    expect(zoomKey(key('-'))).toBe(-1);
    expect(zoomKey(key('0'))).toBe(0);
    expect(zoomKey(key('=', { meta: true }))).toBe(1);
    // Without Ctrl, or with Alt (AltGr on some keyboards types characters), they are text.
    expect(zoomKey(key('=', {}))).toBeNull();
    expect(zoomKey(key('0', { ctrl: true, alt: true }))).toBeNull();
    expect(zoomKey(key('a'))).toBeNull();
  });

  it('Ctrl+0 is back to standard from any size', () => {
    expect(afterZoomKey('extra_large', 0)).toBe('standard');
    expect(afterZoomKey('standard', 1)).toBe('large');
    expect(afterZoomKey('standard', -1)).toBe('standard');
  });
});

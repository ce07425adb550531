import { describe, expect, it } from 'vitest';
import { isBlockedShortcut } from './guard';

const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean }> = {}, tagName?: string) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
  target: tagName ? ({ tagName, isContentEditable: false } as unknown as EventTarget) : null,
});

describe('kiosk shortcut guard', () => {
  it('stops reload, back, zoom, print, devtools and window shortcuts', () => {
    for (const e of [
      key('F5'),
      key('r', { ctrlKey: true }),
      key('R', { ctrlKey: true, shiftKey: true }),
      key('ArrowLeft', { altKey: true }),
      key('+', { ctrlKey: true }),
      key('-', { ctrlKey: true }),
      key('0', { ctrlKey: true }),
      key('p', { ctrlKey: true }),
      key('I', { ctrlKey: true, shiftKey: true }),
      key('F12'),
      key('w', { ctrlKey: true }),
      key('q', { metaKey: true }),
      key('Backspace', {}, 'BUTTON'),
    ]) {
      expect(isBlockedShortcut(e), JSON.stringify(e)).toBe(true);
    }
  });

  it('lets typing, editing and moving between controls through', () => {
    for (const e of [
      key('a'),
      key('张'),
      key('Tab'),
      key('Tab', { shiftKey: true }),
      key('Enter'),
      key(' '),
      key('Escape'),
      key('ArrowLeft'),
      key('Backspace', {}, 'INPUT'),
      key('Backspace', {}, 'TEXTAREA'),
      key('a', { ctrlKey: true }),
      key('c', { ctrlKey: true }),
      key('v', { ctrlKey: true }),
      key('z', { ctrlKey: true }),
    ]) {
      expect(isBlockedShortcut(e), JSON.stringify(e)).toBe(false);
    }
  });
});

// 朗读's rules in a DOM: which languages show the button, and that reading stops when the focus
// leaves the block being read (and only then).
import { afterEach, describe, expect, it, vi } from 'vitest';

const calls = vi.hoisted(() => ({ list: [] as string[], release: null as (() => void) | null }));
vi.mock('@tauri-apps/api/core', () => ({
  Channel: class {},
  invoke: (cmd: string) => {
    calls.list.push(cmd);
    if (cmd === 'read_aloud_languages') return Promise.resolve(['zh-CN']);
    // Reading lasts until the test lets it end (the engine says it is done).
    if (cmd === 'read_aloud') return new Promise<null>((resolve) => (calls.release = () => resolve(null)));
    return Promise.resolve(null);
  },
}));

const { canReadAloud, loadReadAloud, read, readAloud } = await import('./readAloud.svelte');

afterEach(() => {
  calls.list.length = 0;
  document.body.innerHTML = '';
});

function page() {
  document.body.innerHTML = `
    <div data-read-aloud="q-name"><label data-read for="n">姓名</label><button id="b">朗读</button><input id="n"></div>
    <div data-read-aloud="q-phone"><label data-read for="p">联系电话</label><input id="p"></div>`;
}

describe('read-aloud', () => {
  it('offers only the languages that have a voice', async () => {
    await loadReadAloud();
    expect(canReadAloud('zh-CN')).toBe(true);
    expect(canReadAloud('en')).toBe(false);
  });

  it('keeps reading inside the block and stops when the focus leaves it', async () => {
    await loadReadAloud();
    page();
    const reading = read('q-name', '姓名', 'zh-CN');
    expect(readAloud.reading).toBe('q-name');
    document.getElementById('n')!.focus();
    expect(calls.list).not.toContain('stop_reading_aloud');
    expect(readAloud.reading).toBe('q-name');
    document.getElementById('p')!.focus();
    expect(calls.list).toContain('stop_reading_aloud');
    expect(readAloud.reading).toBeNull();
    calls.release?.();
    await reading;
  });

  it('is done when the engine says so', async () => {
    await loadReadAloud();
    page();
    const reading = read('q-name', '姓名', 'zh-CN');
    calls.release?.();
    await reading;
    expect(readAloud.reading).toBeNull();
    expect(calls.list).not.toContain('stop_reading_aloud');
  });
});

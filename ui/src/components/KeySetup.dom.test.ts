// The passphrase screen of a machine without a keyring, against a fake backend whose answers can
// arrive out of order (as the app's commands do on a busy machine).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';

type Pending = { passphrase: string; resolve: (strength: string) => void };
const backend = vi.hoisted(() => ({ pending: [] as Pending[], calls: [] as string[] }));

vi.mock('@tauri-apps/api/core', () => ({
  Channel: class {},
  invoke: (cmd: string, args?: Record<string, unknown>) => {
    backend.calls.push(cmd);
    if (cmd === 'passphrase_strength') {
      return new Promise((resolve) => backend.pending.push({ passphrase: String(args?.passphrase), resolve }));
    }
    if (cmd === 'retry_open') return Promise.resolve({ language: 'zh-CN', error: { code: 'keyring_unavailable', message: '' }, kiosk: null });
    return Promise.reject({ code: 'no_handler', message: cmd });
  },
}));

const { default: KeySetup } = await import('./KeySetup.svelte');

async function settle() {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  flushSync();
}

const $ = (testid: string) => document.querySelector<HTMLElement>(`[data-testid="${testid}"]`);

async function type(testid: string, value: string) {
  const el = $(testid) as HTMLInputElement | null;
  if (!el) throw new Error(`no ${testid}`);
  el.value = value;
  el.dispatchEvent(new InputEvent('input', { bubbles: true }));
  await settle();
}

let screen: ReturnType<typeof mount> | null = null;

afterEach(() => {
  if (screen) unmount(screen);
  screen = null;
  backend.pending.length = 0;
  backend.calls.length = 0;
});

describe('the passphrase screen', () => {
  it('shows the strength of what is in the field now, whatever order the answers come in', async () => {
    screen = mount(KeySetup, {
      target: document.body,
      props: { error: { code: 'keyring_unavailable', message: '' }, mayChoosePassphrase: true, onOpened: () => {} },
    });
    await settle();
    $('key-choose-passphrase')!.click();
    await settle();

    await type('new-passphrase', '1234567');
    await type('new-passphrase', '12345678');
    const [older, newer] = backend.pending;
    expect(older?.passphrase).toBe('1234567');
    expect(newer?.passphrase).toBe('12345678');
    // The answer to the last keystroke comes first, the stale one after it.
    newer!.resolve('weak');
    await settle();
    older!.resolve('too_short');
    await settle();

    expect($('key-strength')?.dataset.strength).toBe('weak');
    expect($('key-strength')?.textContent).toContain('弱，容易被猜到');
  });
});

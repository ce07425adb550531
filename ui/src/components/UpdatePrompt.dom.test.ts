// The citizen's update prompt, against a fake backend and a fake event: it shows what the
// daily look found, installs only on 现在更新, and keeps the running version on a refusal.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import type { UpdateOffer } from '../api';
import type { Handlers } from '../api/fake';

const backend = vi.hoisted(() => ({
  calls: [] as string[],
  handlers: {} as Handlers,
  listeners: new Map<string, (e: { payload: unknown }) => void>(),
}));

vi.mock('@tauri-apps/api/core', () => ({
  Channel: class {},
  invoke: async (cmd: string, args?: Record<string, unknown>) => {
    backend.calls.push(cmd);
    const handler = (backend.handlers as Record<string, ((a: Record<string, unknown>) => unknown) | undefined>)[cmd];
    if (!handler) throw { code: 'no_handler', message: cmd };
    return handler(args ?? {});
  },
}));
vi.mock('@tauri-apps/api/event', () => ({
  listen: async (event: string, handler: (e: { payload: unknown }) => void) => {
    backend.listeners.set(event, handler);
    return () => backend.listeners.delete(event);
  },
}));

const { default: UpdatePrompt } = await import('./UpdatePrompt.svelte');

async function settle() {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  flushSync();
}

const $ = (testid: string) => document.querySelector<HTMLElement>(`[data-testid="${testid}"]`);
const OFFER: UpdateOffer = { version: '0.2.0', current_version: '0.1.0', notes: '朗读更清楚' };

let screen: ReturnType<typeof mount> | null = null;

afterEach(() => {
  if (screen) unmount(screen);
  screen = null;
  backend.calls.length = 0;
  backend.handlers = {};
  backend.listeners.clear();
});

describe('the update prompt', () => {
  it('says nothing while there is no newer version, and shows one the daily look finds later', async () => {
    backend.handlers.pending_update = () => null;
    screen = mount(UpdatePrompt, { target: document.body });
    await settle();
    expect($('update-prompt')).toBeNull();

    backend.listeners.get('update-available')!({ payload: OFFER });
    await settle();
    expect($('update-offer')?.textContent).toBe(
      '信访助手有新版本 0.2.0（现在用的是 0.1.0）。更新以后程序会重新打开，您写的内容都会保留。',
    );
    expect(document.body.textContent).toContain('朗读更清楚');
    expect(backend.calls).not.toContain('install_update');
  });

  it('installs only when asked, and keeps the running version with the reason when refused', async () => {
    backend.handlers.pending_update = () => OFFER;
    backend.handlers.install_update = () => {
      throw { code: 'update_bad_signature', message: '' };
    };
    screen = mount(UpdatePrompt, { target: document.body });
    await settle();
    expect($('update-prompt')).not.toBeNull();
    expect(backend.calls).not.toContain('install_update');

    $('update-now')!.click();
    await settle();
    expect(backend.calls.filter((c) => c === 'install_update')).toHaveLength(1);
    expect($('update-error')?.textContent).toContain('没有通过安全检查');
    expect($('update-installing')).toBeNull();

    $('update-later')!.click();
    await settle();
    expect($('update-prompt')).toBeNull();
  });
});

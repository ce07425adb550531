import { describe, expect, it } from 'vitest';
import { Autosaver, type SaveStatus } from './autosave';
import type { FieldKey } from '../api';

function deferred() {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('Autosaver', () => {
  it('says saved only after every write has returned', async () => {
    const writes: [FieldKey, string][] = [];
    const gates: ReturnType<typeof deferred>[] = [];
    const statuses: SaveStatus['kind'][] = [];
    const saver = new Autosaver(
      (field, value) => {
        writes.push([field, value]);
        const gate = deferred();
        gates.push(gate);
        return gate.promise;
      },
      (s) => statuses.push(s.kind),
    );
    saver.queue('title', '道');
    saver.queue('title', '道路');
    saver.queue('facts', '破损');
    expect(statuses.at(-1)).toBe('saving');
    gates[0]!.resolve();
    await Promise.resolve();
    await Promise.resolve();
    expect(statuses.at(-1)).toBe('saving');
    // The first write took '道'; the edits made meanwhile follow in order.
    await new Promise((r) => setTimeout(r, 0));
    gates[1]!.resolve();
    await new Promise((r) => setTimeout(r, 0));
    gates[2]!.resolve();
    await saver.flush();
    expect(writes).toEqual([
      ['title', '道'],
      ['title', '道路'],
      ['facts', '破损'],
    ]);
    expect(statuses.at(-1)).toBe('saved');
  });

  it('keeps a failed value and writes it on retry', async () => {
    let fail = true;
    const saved: string[] = [];
    let last: SaveStatus = { kind: 'saved' };
    const saver = new Autosaver(
      async (_field, value) => {
        if (fail) throw { code: 'database_error', message: 'disk full' };
        saved.push(value);
      },
      (s) => (last = s),
    );
    saver.queue('request', '请修路');
    await saver.flush();
    expect(last).toEqual({ kind: 'failed', error: { code: 'database_error', message: 'disk full' } });
    expect(saver.hasUnsaved).toBe(true);
    fail = false;
    saver.retry();
    await saver.flush();
    expect(saved).toEqual(['请修路']);
    expect(last.kind).toBe('saved');
  });

  it('a newer edit replaces a failed one', async () => {
    const saved: string[] = [];
    let calls = 0;
    const saver = new Autosaver(
      async (_f, value) => {
        calls += 1;
        if (calls === 1) throw { code: 'too_long', message: '' };
        saved.push(value);
      },
      () => {},
    );
    saver.queue('title', 'x'.repeat(200));
    await saver.flush();
    saver.queue('title', 'short');
    await saver.flush();
    expect(saved).toEqual(['short']);
  });

  it('discards what was not written yet, and writes nothing more', async () => {
    const writes: string[] = [];
    const gate = deferred();
    let last: SaveStatus['kind'] = 'saved';
    const saver = new Autosaver(
      async (_f, value) => {
        writes.push(value);
        await gate.promise;
      },
      (s) => (last = s.kind),
    );
    saver.queue('name', '张');
    saver.queue('phone', '13800138000');
    saver.queue('address', '雁塔路 1 号');
    saver.discard();
    expect(saver.hasUnsaved).toBe(false);
    gate.resolve();
    await saver.flush();
    expect(writes).toEqual(['张']);
    expect(last).toBe('saved');
  });
});

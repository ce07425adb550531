import { describe, expect, it } from 'vitest';
import { en } from './en';
import { zhCN } from './zh-CN';
import { FIELD_KEYS, PURPOSES } from '../api';

type Tree = { [k: string]: string | Tree };

function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    if (typeof v === 'string') out.set(prefix + k, v);
    else for (const [kk, vv] of leaves(v, `${prefix}${k}.`)) out.set(kk, vv);
  }
  return out;
}

describe('translations', () => {
  const zh = leaves(zhCN as unknown as Tree);
  const english = leaves(en as unknown as Tree);

  it('have the same keys in both languages', () => {
    expect([...english.keys()].sort()).toEqual([...zh.keys()].sort());
  });

  it('leave no text empty except optional hints', () => {
    for (const [lang, map] of [['zh', zh], ['en', english]] as const) {
      for (const [k, v] of map) {
        if (!k.endsWith('.hint')) expect(v, `${lang} ${k}`).not.toBe('');
      }
    }
  });

  it('label every field and purpose of the core', () => {
    for (const f of FIELD_KEYS) {
      expect(zhCN.fields[f].label).toBeTruthy();
      expect(en.fields[f].label).toBeTruthy();
    }
    for (const p of PURPOSES) expect(en.purposes[p]).toBeTruthy();
  });

  it('keep placeholders in both languages', () => {
    for (const [k, v] of zh) {
      const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(names(english.get(k) ?? ''), k).toEqual(names(v));
    }
  });
});

describe('formatBytes', () => {
  it('says sizes as people read them', async () => {
    const { formatBytes } = await import('./index.svelte');
    expect(formatBytes(0)).toBe('0 KB');
    expect(formatBytes(300)).toBe('1 KB');
    expect(formatBytes(35_000)).toBe('35 KB');
    expect(formatBytes(2_500_000)).toBe('2.5 MB');
  });
});

describe('errorText', () => {
  it("shows the core's own message for PIN errors, in either language", async () => {
    const { errorText, i18n } = await import('./index.svelte');
    const wrong = { code: 'pin_wrong', message: 'PIN 不正确。再错 2 次，管理功能将锁定 5 分钟。' };
    expect(errorText(wrong)).toBe(wrong.message);
    i18n.lang = 'en';
    const locked = { code: 'pin_locked', message: 'The administrator panel is locked until 10:05 (UTC).' };
    expect(errorText(locked)).toBe(locked.message);
    expect(errorText({ code: 'no_such_code', message: 'boom' })).toBe('Something unexpected happened: boom. Try again.');
    i18n.lang = 'zh-CN';
  });
});

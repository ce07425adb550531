import { describe, expect, it } from 'vitest';
import { FIELD_KEYS, PURPOSES } from '../api';
// @ts-expect-error: a plain ES module of the build's scripts, without types.
import { idsModule, uiFiles } from '../../scripts/message-ids.mjs';
import committed from './ids.ts?raw';
import loader from './index.svelte.ts?raw';

describe('the message catalogue', () => {
  it('is what src/i18n/ids.ts was generated from (run `npm run ids` after editing a .ftl file)', () => {
    expect(committed).toBe(idsModule());
  });

  it('loads in both languages the files the ids are generated from, and no other', () => {
    const imported = [...loader.matchAll(/locales\/(zh-CN|en)\/([\w-]+\.ftl)\?raw/g)].map((m) => `${m[1]}/${m[2]}`);
    const expected = ['zh-CN', 'en'].flatMap((lang) => (uiFiles as string[]).map((f) => `${lang}/${f}`));
    expect(imported.sort()).toEqual(expected.sort());
  });

  it('labels every field and purpose of the core in both languages', async () => {
    const { i18n, tr } = await import('./index.svelte');
    for (const lang of ['zh-CN', 'en'] as const) {
      i18n.lang = lang;
      for (const f of FIELD_KEYS) expect(tr(`field-${f}`), `${lang} ${f}`).not.toBe(`field-${f}`);
      for (const p of PURPOSES) expect(tr(`purpose-${p}`), `${lang} ${p}`).not.toBe(`purpose-${p}`);
    }
    i18n.lang = 'zh-CN';
  });

  it('fills variables, in either language', async () => {
    const { i18n, tr } = await import('./index.svelte');
    expect(tr('list-results', { n: 3 })).toContain('3');
    i18n.lang = 'en';
    expect(tr('list-results', { n: 3 })).toContain('3');
    i18n.lang = 'zh-CN';
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
  it('words a code from the catalogue with its arguments, else falls back to the core', async () => {
    const { errorText, i18n } = await import('./index.svelte');
    const wrong = { code: 'pin_wrong', message: 'PIN 不正确。再错 2 次，管理功能将锁定 5 分钟。' };
    expect(errorText(wrong)).toBe(wrong.message);
    i18n.lang = 'en';
    expect(errorText({ code: 'not_found', message: 'x' })).not.toBe('x');
    expect(errorText({ code: 'no_such_code', message: 'boom' })).toBe('boom');
    expect(errorText({ code: 'no_such_code', message: '' })).toContain('Something unexpected happened');
    i18n.lang = 'zh-CN';
  });
});

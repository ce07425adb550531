// The current language and its words. Every text comes from the one message catalogue the core,
// the CLI and the bureau read too (crates/messages/locales/*/*.ftl, Project Fluent), through
// @fluent/bundle. zh-CN is the default; the choice is remembered by the core (set_language), not
// by the webview. An error crosses from the core as its code and arguments and is worded here.
import { FluentBundle, FluentResource, type FluentVariable } from '@fluent/bundle';
import type { CommandError, Language } from '../api';
import type { MessageId, MessageVars } from './ids';

import zhErrors from '../../../crates/messages/locales/zh-CN/errors.ftl?raw';
import zhFields from '../../../crates/messages/locales/zh-CN/fields.ftl?raw';
import zhUi from '../../../crates/messages/locales/zh-CN/ui.ftl?raw';
import enErrors from '../../../crates/messages/locales/en/errors.ftl?raw';
import enFields from '../../../crates/messages/locales/en/fields.ftl?raw';
import enUi from '../../../crates/messages/locales/en/ui.ftl?raw';

export type { MessageId } from './ids';

/** A message's arguments. */
export type Args = Record<string, string | number>;

/** What tr() takes after the id: the message's variables, each with a value, when it has any. */
export type ArgsOf<I extends MessageId> = I extends keyof MessageVars
  ? [args: Record<MessageVars[I], string | number> & Args]
  : [args?: Args];

function bundle(locale: Language, sources: string[]): FluentBundle {
  // Plain text: no Unicode isolation marks around placeables (the page sets `dir` itself).
  const b = new FluentBundle(locale, { useIsolating: false });
  for (const source of sources) {
    const errors = b.addResource(new FluentResource(source));
    if (errors.length > 0) console.error('message catalogue', locale, errors);
  }
  return b;
}

const bundles: Record<Language, FluentBundle> = {
  'zh-CN': bundle('zh-CN', [zhErrors, zhFields, zhUi]),
  en: bundle('en', [enErrors, enFields, enUi]),
};

export const i18n = $state<{ lang: Language }>({ lang: 'zh-CN' });

/** The message `id` in `lang`, or `undefined` when the catalogue has none. */
function format(lang: Language, id: string, args?: Args): string | undefined {
  const b = bundles[lang];
  const message = b.getMessage(id);
  if (!message?.value) return undefined;
  // A missing argument is a programming error, never a reason to blank the screen: Fluent then
  // writes the argument's name in braces, and the error goes to the console.
  const errors: Error[] = [];
  const text = b.formatPattern(message.value, args as Record<string, FluentVariable> | undefined, errors);
  if (errors.length > 0) console.error('message', id, errors.map(String));
  return text;
}

/** The message `id` in the current language (reactive in components). */
export function tr<I extends MessageId>(id: I, ...[args]: ArgsOf<I>): string {
  return format(i18n.lang, id, args) ?? id;
}

/** The message `id` in a given language (the welcome screen names each language in itself). */
export function trIn<I extends MessageId>(lang: Language, id: I, ...[args]: ArgsOf<I>): string {
  return format(lang, id, args) ?? id;
}

/** A field's hint, or '' for a field that has none. */
export function fieldHint(key: string): string {
  return format(i18n.lang, `field-${key}-hint`) ?? '';
}

/** Whether the catalogue has a message `id`. */
export function hasMessage(id: string): boolean {
  return bundles[i18n.lang].hasMessage(id);
}

/** An error's text in the current language: the catalogue's message for its code with its
 *  arguments, else the message the core sent (already in this language), else a general one. */
export function errorText(error: CommandError, values: Args = {}): string {
  const args = { message: error.message, ...values };
  return format(i18n.lang, error.code, args) ?? (error.message || tr('unknown', args));
}

/** A size in bytes as people read it (KB, MB). */
export function formatBytes(bytes: number): string {
  if (bytes === 0) return '0 KB';
  if (bytes < 1_000_000) return `${Math.max(1, Math.round(bytes / 1000))} KB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** A timestamp as the user reads it in their language. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(i18n.lang, { dateStyle: 'medium', timeStyle: 'short' });
}

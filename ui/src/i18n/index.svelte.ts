// The current language and its messages. zh-CN is the default; the choice is remembered by the
// core (set_language), not by the webview.
import type { CommandError, Language } from '../api';
import { en } from './en';
import { zhCN, type Messages } from './zh-CN';

export const catalogs: Record<Language, Messages> = { 'zh-CN': zhCN, en };

export const i18n = $state<{ lang: Language }>({ lang: 'zh-CN' });

/** The messages of the current language (reactive in components). */
export function t(): Messages {
  return catalogs[i18n.lang];
}

/** Fills `{name}` placeholders. */
export function fmt(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in values ? String(values[key]) : whole,
  );
}

/** An error's text in the current language: our translation of its code, else its message.
 *  A translation may quote the core's own message as `{message}` (it says what only the core
 *  knows, like how many PIN tries are left). */
export function errorText(error: CommandError, values: Record<string, string | number> = {}): string {
  const errors = t().errors as Record<string, string>;
  const text = errors[error.code];
  return fmt(text ?? t().errors.unknown, { message: error.message, ...values });
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

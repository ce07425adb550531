// The shape of a fake backend for the UI's tests, typed by the generated bindings: a handler
// keyed by a command's name must answer what the Rust command returns, so a fake of the wrong
// shape (or for a command that does not exist) fails the type check.
import type { commands } from './bindings';
import type { Attachment } from './bindings';

type Commands = typeof commands;

/** `kioskAdminUnlock` → `kiosk_admin_unlock`: the name Tauri's `invoke` takes. */
type Snake<S extends string> = S extends `${infer H}${infer T}`
  ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${Snake<T>}`
  : S;

type Answer<T> = T | Promise<T>;

/** A fake command: the arguments as `invoke` sends them, the Rust command's result. */
type Handler<T> = (args: Record<string, unknown>) => Answer<T>;

export type Handlers = {
  [K in keyof Commands as Snake<K & string>]?: Handler<Awaited<ReturnType<Commands[K]>>>;
} & {
  // The two raw-bytes commands, typed by hand in ./index.ts.
  attach_file?: Handler<Attachment>;
  attachment_thumbnail?: Handler<ArrayBuffer>;
};

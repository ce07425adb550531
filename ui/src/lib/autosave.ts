// Saves a draft's fields one at a time, in order, coalescing repeated edits of one field. The
// status says `saved` only when every edit made so far has come back from a durable write: that
// is the promise behind 已保存 / Saved. A failed save keeps its value for the retry; the text in
// the form is never touched, so nothing the user typed is lost.
import type { CommandError, FieldKey } from '../api';
import { isCommandError } from '../api';

export type SaveStatus =
  | { kind: 'saved' }
  | { kind: 'saving' }
  | { kind: 'failed'; error: CommandError };

export type SaveFn = (field: FieldKey, value: string) => Promise<unknown>;

export class Autosaver {
  private pending = new Map<FieldKey, string>();
  private running: Promise<void> | null = null;
  private failed = false;

  constructor(
    private readonly save: SaveFn,
    private readonly onStatus: (status: SaveStatus) => void,
    private readonly onSaved: (field: FieldKey, value: string) => void = () => {},
  ) {}

  /** Takes the latest value of a field; it is written as soon as the writes before it are done. */
  queue(field: FieldKey, value: string): void {
    this.pending.set(field, value);
    this.failed = false;
    this.onStatus({ kind: 'saving' });
    this.start();
  }

  /** Tries the failed writes again. */
  retry(): void {
    if (this.pending.size === 0) return;
    this.failed = false;
    this.onStatus({ kind: 'saving' });
    this.start();
  }

  /** Drops every edit not yet written, for good (a kiosk session ending); a write already on
   *  its way still finishes: await `flush()` for it. */
  discard(): void {
    this.pending.clear();
  }

  /** Resolves when nothing is waiting to be written (or the last write failed). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  get hasUnsaved(): boolean {
    return this.pending.size > 0;
  }

  private start(): void {
    if (!this.running) {
      this.running = this.drain().finally(() => {
        this.running = null;
      });
    }
  }

  private async drain(): Promise<void> {
    while (this.pending.size > 0 && !this.failed) {
      const [field, value] = this.pending.entries().next().value as [FieldKey, string];
      this.pending.delete(field);
      try {
        await this.save(field, value);
        this.onSaved(field, value);
      } catch (e) {
        // Keep the value unless a newer one arrived meanwhile; stop until the next edit or retry.
        if (!this.pending.has(field)) this.pending.set(field, value);
        this.failed = true;
        const error = isCommandError(e) ? e : { code: 'unknown', message: String(e) };
        this.onStatus({ kind: 'failed', error });
        return;
      }
    }
    if (this.pending.size === 0) this.onStatus({ kind: 'saved' });
  }
}

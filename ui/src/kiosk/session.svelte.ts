// Everything a kiosk holds about the citizen at the machine, in one place, so that ending the
// session forgets all of it: the draft's values and problems, the files a folder offers (their
// names can be personal), the files added and their thumbnails (object URLs, revoked), and the
// receipt. Nothing here is ever written to the webview's storage.
//
// A result that arrives after the session ended (a slow thumbnail, a save on its way) belongs to
// nobody: every async step checks the session's generation before it keeps anything.
import {
  api,
  isCommandError,
  type Attachment,
  type CommandError,
  type FieldKey,
  type KioskFile,
  type KioskReceipt,
  type Petition,
  type Problem,
} from '../api';
import { Autosaver, type SaveStatus } from '../lib/autosave';

export type KioskStep = 'who' | 'what' | 'evidence' | 'review';
export const STEPS: readonly KioskStep[] = ['who', 'what', 'evidence', 'review'];

export const WHO_FIELDS: readonly FieldKey[] = ['name', 'id_number', 'phone', 'address', 'email'];
export const WHAT_FIELDS: readonly FieldKey[] = ['region', 'category', 'purpose', 'title', 'request', 'facts', 'reasons'];

/** The step where a field is asked. */
export function stepOf(field: FieldKey): 'who' | 'what' {
  return WHO_FIELDS.includes(field) ? 'who' : 'what';
}

/** Puts the focus where a step that just opened should have it: on `field` (the purpose's
 *  chosen radio, or its first), or else on the step's heading `headingId`. */
export function focusStep(headingId: string, field?: FieldKey): void {
  const target =
    field === 'purpose'
      ? (document.querySelector<HTMLElement>('input[name="purpose"]:checked') ??
        document.querySelector<HTMLElement>('input[name="purpose"]'))
      : field
        ? document.getElementById(`f-${field}`)
        : null;
  (target ?? document.getElementById(headingId))?.focus();
}

export type Refusal = { key: number; name: string; error: CommandError };

function asError(e: unknown): CommandError {
  return isCommandError(e) ? e : { code: 'unknown', message: String(e) };
}

export class KioskSession {
  /** The draft. Its values change in place as the citizen types, without reactivity: the form
   *  never rewrites a field under the caret, and each step reads the values when it opens. */
  draft = $state.raw<Petition | null>(null);
  status = $state<SaveStatus>({ kind: 'saved' });
  problems = $state<Problem[] | null>(null);
  folder = $state<{ index: number; files: KioskFile[] } | null>(null);
  attachments = $state<Attachment[]>([]);
  thumbs = $state<Record<string, string>>({});
  refusals = $state<Refusal[]>([]);
  /** The name of the file being added, while it is. */
  adding = $state<string | null>(null);
  receipt = $state<KioskReceipt | null>(null);

  private saver: Autosaver | null = null;
  private generation = 0;
  private nextKey = 0;

  begin(petition: Petition): void {
    const gen = this.generation;
    const mine = () => gen === this.generation;
    this.draft = petition;
    this.status = { kind: 'saved' };
    this.saver = new Autosaver(
      (field, value) => api.updateField(petition.id, field, value),
      (s) => {
        if (mine()) this.status = s;
      },
      () => {
        // Once the review showed problems, keep them current as the citizen fixes them.
        if (mine() && this.problems && !this.saver?.hasUnsaved) void this.check().catch(() => {});
      },
    );
  }

  edit(field: FieldKey, value: string): void {
    if (!this.draft) return;
    this.draft[field] = value;
    this.saver?.queue(field, value);
  }

  retrySave(): void {
    this.saver?.retry();
  }

  /** Waits until every edit is written; rejects with the save's error if one failed. */
  async flush(): Promise<void> {
    await this.saver?.flush();
    if (this.status.kind === 'failed') throw this.status.error;
  }

  async check(): Promise<Problem[]> {
    const { id, mine } = this.current();
    await this.flush();
    const problems = await api.checkDraft(id);
    if (mine()) this.problems = problems;
    return problems;
  }

  async openFolder(index: number): Promise<void> {
    const { mine } = this.current();
    const files = await api.kioskListFolder(index);
    if (mine()) this.folder = { index, files };
  }

  closeFolder(): void {
    this.folder = null;
  }

  /** Adds a file from a folder; a refused file says why in `refusals`. */
  async attach(index: number, name: string): Promise<void> {
    const { id, mine } = this.current();
    this.adding = name;
    try {
      await api.kioskAttachFromFolder(id, index, name);
    } catch (e) {
      if (mine()) this.refuse(name, e);
    } finally {
      if (mine()) this.adding = null;
    }
    await this.reloadAttachments();
  }

  async remove(sha256: string): Promise<void> {
    const { id, mine } = this.current();
    try {
      await api.removeAttachment(id, sha256);
      if (!mine()) return;
      const url = this.thumbs[sha256];
      if (url) URL.revokeObjectURL(url);
      delete this.thumbs[sha256];
    } catch (e) {
      if (mine()) this.refuse('', e);
    }
    await this.reloadAttachments();
  }

  dismiss(key: number): void {
    this.refusals = this.refusals.filter((r) => r.key !== key);
  }

  async reloadAttachments(): Promise<void> {
    if (!this.draft) return;
    const { id, mine } = this.current();
    try {
      const list = await api.listAttachments(id);
      if (!mine()) return;
      this.attachments = list;
      for (const a of list) {
        if (a.sha256 in this.thumbs || a.media_type === 'application/pdf' || a.purged_at) continue;
        const bytes = await api.attachmentThumbnail(id, a.sha256);
        const type = bytes.byteLength > 1 && new Uint8Array(bytes)[0] === 0x89 ? 'image/png' : 'image/jpeg';
        const url = URL.createObjectURL(new Blob([bytes], { type }));
        if (mine()) this.thumbs[a.sha256] = url;
        else URL.revokeObjectURL(url);
      }
    } catch (e) {
      if (mine()) this.refuse('', e);
    }
  }

  /** Submits once the check passes. Leaves `receipt` set and forgets the draft, or returns the
   *  problems that stop it. */
  async submit(): Promise<Problem[]> {
    const problems = await this.check();
    if (problems.length) return problems;
    const { id, mine } = this.current();
    const receipt = await api.kioskSubmit(id);
    if (mine()) {
      this.forgetDraft();
      this.receipt = receipt;
    }
    return [];
  }

  /** Forgets everything about the citizen. Edits not yet written are dropped; resolves once a
   *  write already on its way has come back, so nothing lands after the session's end. */
  async reset(): Promise<void> {
    const saver = this.saver;
    this.generation += 1;
    this.forgetDraft();
    this.receipt = null;
    await saver?.flush();
  }

  private forgetDraft(): void {
    this.saver?.discard();
    this.saver = null;
    for (const url of Object.values(this.thumbs)) URL.revokeObjectURL(url);
    this.thumbs = {};
    this.draft = null;
    this.status = { kind: 'saved' };
    this.problems = null;
    this.folder = null;
    this.attachments = [];
    this.refusals = [];
    this.adding = null;
  }

  private refuse(name: string, e: unknown): void {
    this.refusals.push({ key: this.nextKey++, name, error: asError(e) });
  }

  private current(): { id: string; mine: () => boolean } {
    if (!this.draft) throw { code: 'not_found', message: 'no kiosk session' } satisfies CommandError;
    const gen = this.generation;
    return { id: this.draft.id, mine: () => gen === this.generation };
  }
}

// The app's commands, typed. Field keys and shapes mirror crates/core (model.rs, validate.rs);
// every command is granted in src-tauri/capabilities/main.json and listed in src-tauri/build.rs.
import { Channel, invoke } from '@tauri-apps/api/core';

export const FIELD_KEYS = [
  'name',
  'id_number',
  'phone',
  'address',
  'email',
  'region',
  'agency',
  'category',
  'purpose',
  'title',
  'request',
  'facts',
  'reasons',
] as const;

export type FieldKey = (typeof FIELD_KEYS)[number];
export type Purpose = 'complaint' | 'suggestion' | 'report';
export const PURPOSES: readonly Purpose[] = ['complaint', 'suggestion', 'report'];

/** Where a petition is: `draft` locally, then through the bureau's lifecycle. */
export type PetitionState = 'draft' | 'queued' | 'submitted' | string;

export type Petition = {
  id: string;
  created_at: string;
  updated_at: string;
  state: PetitionState;
  trashed_at: string | null;
} & Record<FieldKey, string>;

export type PetitionSummary = {
  id: string;
  title: string;
  state: PetitionState;
  created_at: string;
  updated_at: string;
  trashed_at: string | null;
};

export type ProblemCode =
  | 'required'
  | 'id_number_format'
  | 'id_number_checksum'
  | 'id_number_birth_date'
  | 'id_number_region'
  | 'phone_invalid'
  | 'email_invalid'
  | 'region_invalid'
  | 'purpose_invalid'
  | 'too_long';

export type Problem = { field: FieldKey; code: ProblemCode };

/** What every failed command rejects with. */
/** An error as the core sends it: a stable code, its arguments (worded here from the message
 *  catalogue), and the core's own wording in the current language as a fallback. */
export type CommandError = { code: string; message: string; args?: Record<string, string | number> };

export type Language = 'zh-CN' | 'en';

/** An attachment folder a kiosk offers (scanner output, USB drives); the citizen sees only its label. */
export type KioskFolder = { index: number; label: string };

/** Set when the app runs as a community-centre kiosk: then the whole UI is the kiosk's. */
export type KioskInfo = {
  /** Seconds without activity before the "still there?" countdown (180 by default). */
  idle_seconds: number;
  /** Seconds the countdown lasts before the session is wiped (30 by default). */
  countdown_seconds: number;
  folders: KioskFolder[];
  /** Whether receipts print without a dialog here (not on macOS yet): the print button shows only then. */
  can_print: boolean;
};

export type AppInfo = {
  language: Language;
  error: CommandError | null;
  kiosk: KioskInfo | null;
  /** The keyring cannot be used and the data folder is new: a passphrase may protect it instead. */
  may_choose_passphrase: boolean;
};

/** How hard a new passphrase is to guess (petition_core::keys::Strength). */
export type Strength = 'too_short' | 'weak' | 'fair' | 'strong';

export function isCommandError(e: unknown): e is CommandError {
  return typeof e === 'object' && e !== null && 'code' in e && 'message' in e;
}

export type Attachment = {
  sha256: string;
  position: number;
  media_type: 'image/jpeg' | 'image/png' | 'application/pdf' | string;
  width: number | null;
  height: number | null;
  bytes: number;
  file_name: string;
  page_count: number | null;
  /** Set once the file was purged after the retention period (RFC 3339). */
  purged_at: string | null;
  created_at: string;
};

export type AttachmentLimits = {
  max_file_bytes: number;
  max_files_per_petition: number;
  max_petition_bytes: number;
  max_pixels: number;
};

/** What signing in did: `checked` is false when the bureau could not be reached now (the
 * sign-in is kept for later). */
export interface SignIn {
  bureau_url: string;
  checked: boolean;
}

export type ItemState = 'waiting_for_network' | 'cannot_connect' | 'uploading' | 'submitting' | 'delivered' | 'needs_attention';

export type OutboxItem = {
  id: string;
  title: string;
  state: ItemState;
  bytes_sent: number;
  bytes_total: number;
  files_sent: number;
  files_total: number;
  tracking_code: string | null;
  error: CommandError | null;
  next_attempt_at: string | null;
  queued_at: string;
};

export type BureauEvent = { kind: string; at: string; text: string | null };

export type PetitionStatus = {
  id: string;
  state: PetitionState;
  tracking_code: string | null;
  received_at: string | null;
  events: BureauEvent[];
  outbox: OutboxItem | null;
};

export type SyncEvent =
  | { type: 'reachability'; reachable: boolean; error: CommandError | null }
  | { type: 'item'; item: OutboxItem }
  | { type: 'delivered'; id: string; tracking_code: string }
  | { type: 'status_changed'; id: string; tracking_code: string; state: PetitionState; events: BureauEvent[] }
  | { type: 'idle'; next_attempt_at: string | null };

export type BureauInfo = { bureau_url: string | null; signed_in: boolean };

/** A file a kiosk folder offers; the citizen never sees its path. */
export type KioskFile = { name: string; bytes: number; kind: 'image' | 'pdf' };

/** One file's outcome, as serde encodes Rust's `Result<Attachment, CommandError>`. */
export type AttachResult = { Ok: Attachment } | { Err: CommandError };

export type KioskReceipt = {
  /** The submission reference (提交编号), valid at once, even offline. */
  reference: string;
  /** An `<svg>` document of the reference, made by the core: safe to insert. */
  qr_svg: string;
  /** RFC 3339. */
  submitted_at: string;
  delivered: boolean;
};

/** How many petitions are where in the kiosk's outbox: counts only, nothing personal. The core's
 *  counts also carry `bytes_pending`; the contract promises it only beside them, at unlock, so
 *  the panel shows the live figure when the status has it. */
export type KioskCounts = {
  waiting: number;
  uploading: number;
  delivered: number;
  needs_attention: number;
  bytes_pending?: number;
};

export type KioskAdminStatus = { counts: KioskCounts; bytes_pending: number };

export type KioskExport = { file: string; petitions: number };

export const api = {
  appState: () => invoke<AppInfo>('app_state'),
  setLanguage: (language: Language) => invoke<void>('set_language', { language }),
  listDrafts: () => invoke<PetitionSummary[]>('list_drafts'),
  listTrash: () => invoke<PetitionSummary[]>('list_trash'),
  searchDrafts: (query: string) => invoke<PetitionSummary[]>('search_drafts', { query }),
  createDraft: () => invoke<Petition>('create_draft'),
  getDraft: (id: string) => invoke<Petition>('get_draft', { id }),
  updateField: (id: string, field: FieldKey, value: string) =>
    invoke<string>('update_field', { id, field, value }),
  checkDraft: (id: string) => invoke<Problem[]>('check_draft', { id }),
  trashDraft: (id: string) => invoke<void>('trash_draft', { id }),
  restoreDraft: (id: string) => invoke<void>('restore_draft', { id }),
  deleteDraft: (id: string) => invoke<void>('delete_draft', { id }),
  duplicateDraft: (id: string) => invoke<Petition>('duplicate_draft', { id }),
  attachmentLimits: () => invoke<AttachmentLimits>('attachment_limits'),
  /** Sends a file's bytes as the raw body; the core decides what it is from the bytes. */
  attachFile: (id: string, name: string, bytes: Uint8Array) =>
    invoke<Attachment>('attach_file', bytes, {
      headers: { 'petition-id': id, 'file-name': encodeURIComponent(name) },
    }),
  listAttachments: (id: string) => invoke<Attachment[]>('list_attachments', { id }),
  removeAttachment: (id: string, sha256: string) => invoke<void>('remove_attachment', { id, sha256 }),
  reorderAttachments: (id: string, order: string[]) => invoke<void>('reorder_attachments', { id, order }),
  attachmentThumbnail: (id: string, sha256: string) =>
    invoke<ArrayBuffer>('attachment_thumbnail', { id, sha256 }),
  bureauInfo: () => invoke<BureauInfo>('bureau_info'),
  signIn: (bureauUrl: string, token: string) => invoke<SignIn>('sign_in', { bureauUrl, token }),
  submitPetition: (id: string) => invoke<OutboxItem>('submit_petition', { id }),
  withdrawPetition: (id: string) => invoke<void>('withdraw_petition', { id }),
  listOutbox: () => invoke<OutboxItem[]>('list_outbox'),
  petitionStatus: (id: string) => invoke<PetitionStatus>('petition_status', { id }),
  retryOutbox: (id: string) => invoke<void>('retry_outbox', { id }),
  syncNow: () => invoke<void>('sync_now'),
  /** Opens data kept with an administrator passphrase (machines without an OS keyring). */
  unlockData: (passphrase: string) => invoke<void>('unlock_data', { passphrase }),
  retryOpen: () => invoke<AppInfo>('retry_open'),
  passphraseStrength: (passphrase: string) => invoke<Strength>('passphrase_strength', { passphrase }),
  setUpPassphrase: (passphrase: string) => invoke<void>('set_up_passphrase', { passphrase }),
  /** Kiosk: a fresh empty draft for the citizen at the machine. */
  kioskBeginSession: () => invoke<Petition>('kiosk_begin_session'),
  kioskListFolder: (index: number) => invoke<KioskFile[]>('kiosk_list_folder', { index }),
  /** The contract answers one result per file; the first Rust version answers the attachment
   *  itself and rejects a refused file. Both read the same from here on. */
  kioskAttachFromFolder: async (id: string, index: number, name: string): Promise<AttachResult[]> => {
    const answer = await invoke<AttachResult[] | Attachment>('kiosk_attach_from_folder', { id, index, name });
    return Array.isArray(answer) ? answer : [{ Ok: answer }];
  },
  kioskSubmit: (id: string) => invoke<KioskReceipt>('kiosk_submit', { id }),
  /** Deletes every unsent draft and clears the webview's storage. */
  kioskEndSession: () => invoke<void>('kiosk_end_session'),
  /** Rejects with `pin_wrong` (tries left in the message) or `pin_locked` (until when). The
   *  contract answers `{counts, bytes_pending}`; the first Rust version answers the core's flat
   *  counts (with `bytes_pending` among them). Both read the same from here on. */
  kioskAdminUnlock: async (pin: string): Promise<KioskAdminStatus> => {
    const answer = await invoke<KioskAdminStatus | KioskCounts>('kiosk_admin_unlock', { pin });
    return 'counts' in answer ? answer : { counts: answer, bytes_pending: answer.bytes_pending ?? 0 };
  },
  kioskAdminStatus: () => invoke<KioskCounts>('kiosk_admin_status'),
  kioskSyncNow: () => invoke<void>('kiosk_sync_now'),
  /** Seals the outbox into a file in one of the kiosk's folders (a USB drive). */
  kioskExportOutbox: (index: number) => invoke<KioskExport>('kiosk_export_outbox', { index }),
  kioskAdminLock: () => invoke<void>('kiosk_admin_lock'),
  kioskExit: () => invoke<void>('kiosk_exit'),
  /** Prints the receipt on screen to the kiosk's printer, without a dialog; rejects with
   *  `print_failed` when the print system does not take it. */
  kioskPrintReceipt: () => invoke<void>('kiosk_print_receipt'),
  /** Streams the sync engine's events to `onEvent` for as long as the window lives. */
  watchSync: (onEvent: (e: SyncEvent) => void) => {
    const channel = new Channel<SyncEvent>();
    channel.onmessage = onEvent;
    return invoke<void>('watch_sync', { onEvent: channel });
  },
};

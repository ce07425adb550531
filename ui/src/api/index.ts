// The app's commands, typed by ui/src/api/bindings.ts, which is generated from the Rust types of
// the commands (src-tauri/src/lib.rs, `bindings()`; a Rust test fails when it is stale). Here are
// only the names the UI uses for those types, the two commands that move raw bytes (which the
// generator cannot describe), and the event channel.
import { Channel, invoke } from '@tauri-apps/api/core';
import { commands } from './bindings';
import type {
  Attachment,
  CommandError,
  ExportResult,
  Field,
  FolderFile,
  KioskView,
  Lang,
  OutboxCounts,
  State,
  SyncEvent,
} from './bindings';

export type {
  AccountSignedIn,
  AccountStatus,
  AppInfo,
  Attachment,
  AttachmentLimits,
  BureauEvent,
  BureauInfo,
  CatalogChoice,
  CatalogChoices,
  ChosenPlace,
  CommandError,
  Due,
  ErrorView,
  FormMode,
  ItemState,
  Lookup,
  KioskReceipt,
  OutboxItem,
  Petition,
  PetitionStatus,
  PetitionSummary,
  PlaceMatch,
  Problem,
  ProblemCode,
  SignIn,
  SimilarPetition,
  Step,
  StepInput,
  StepKind,
  Strength,
  SyncEvent,
  UpdateOffer,
} from './bindings';

/** Every field of a petition, in the form's order (a test checks it names each `Field`). */
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
] as const satisfies readonly Field[];
/** Fails the type check when the core has a field FIELD_KEYS leaves out. */
export const EVERY_FIELD_LISTED: Exclude<Field, (typeof FIELD_KEYS)[number]> extends never ? true : never = true;

export type FieldKey = Field;
/** The kinds of matter of 信访工作条例 (2022) 第三十一条, as `petition_rules::model::Purpose` keys them. */
export type Purpose = 'suggestion' | 'accusation' | 'claim';
export const PURPOSES: readonly Purpose[] = ['suggestion', 'accusation', 'claim'];

/** Where a petition is: `draft` locally, then through the bureau's lifecycle. */
export type PetitionState = State;

export type Language = Lang;

/** Set when the app runs as a community-centre kiosk: then the whole UI is the kiosk's. */
export type KioskInfo = KioskView;

/** An attachment folder a kiosk offers (scanner output, USB drives); the citizen sees only its label. */
export type KioskFolder = KioskInfo['folders'][number];

/** A file a kiosk folder offers; the citizen never sees its path. */
export type KioskFile = FolderFile;

/** How many petitions are where in the kiosk's outbox, and the bytes still to send: counts only,
 *  nothing personal. */
export type KioskCounts = OutboxCounts;

export type KioskExport = ExportResult;

export function isCommandError(e: unknown): e is CommandError {
  return typeof e === 'object' && e !== null && 'code' in e && 'message' in e;
}

export const api = {
  ...commands,
  setLanguage: (language: Language) => commands.setLanguage(language),
  /** Sends a file's bytes as the raw body; the core decides what it is from the bytes. */
  attachFile: (id: string, name: string, bytes: Uint8Array) =>
    invoke<Attachment>('attach_file', bytes, {
      headers: { 'petition-id': id, 'file-name': encodeURIComponent(name) },
    }),
  /** A JPEG thumbnail's bytes. */
  attachmentThumbnail: (id: string, sha256: string) =>
    invoke<ArrayBuffer>('attachment_thumbnail', { id, sha256 }),
  /** Streams the sync engine's events to `onEvent` for as long as the window lives. */
  watchSync: (onEvent: (e: SyncEvent) => void) => {
    const channel = new Channel<SyncEvent>();
    channel.onmessage = onEvent;
    return commands.watchSync(channel);
  },
};

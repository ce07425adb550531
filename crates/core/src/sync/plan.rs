//! The pure half of sync: given what this machine knows of one outbox item (and what the bureau
//! said about its uploads during this run), what to do next ([`next_action`]); how long each
//! upload request is ([`request_len`], [`resize`]) and when its progress is written
//! ([`write_progress_now`]); how to read a failure ([`judge`]) and what follows it ([`recover`],
//! [`restart`]); how driving an item ended ([`Outcome`]) and whether that pauses the pass; how
//! long to wait before the next try ([`Backoff`]). No I/O here, so every rule is unit-tested
//! below; the engine only does the requests, writes what they return and carries out these
//! decisions.

use std::time::Duration;

use crate::model::Field;
use crate::validate::{Problem, ProblemCode};

/// Where an outbox item is, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Queued; nothing sent yet.
    Waiting,
    /// Attachments are being sent.
    Uploading,
    /// The submission may have been sent: only ever repeated with the same key, never withdrawn.
    Submitting,
    /// The receipt is stored.
    Delivered,
    /// The bureau refused it in a way that will not change by retrying.
    NeedsAttention,
}

impl Phase {
    pub fn key(self) -> &'static str {
        match self {
            Phase::Waiting => "waiting",
            Phase::Uploading => "uploading",
            Phase::Submitting => "submitting",
            Phase::Delivered => "delivered",
            Phase::NeedsAttention => "needs_attention",
        }
    }

    pub fn parse(s: &str) -> Option<Phase> {
        [
            Phase::Waiting,
            Phase::Uploading,
            Phase::Submitting,
            Phase::Delivered,
            Phase::NeedsAttention,
        ]
        .into_iter()
        .find(|p| p.key() == s)
    }
}

/// What the bureau holds of one upload, as learnt during this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remote {
    /// Not asked yet in this run (after a restart the stored offset is only a hint).
    Unknown,
    /// The bureau holds this many bytes.
    At(u64),
}

/// One attachment of an outbox item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePlan {
    pub length: u64,
    /// The bureau's upload, once created.
    pub upload_id: Option<String>,
    /// The bureau verified the checksum.
    pub complete: bool,
    pub remote: Remote,
}

/// One outbox item as the planner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemPlan {
    pub phase: Phase,
    /// Unix milliseconds before which nothing is tried.
    pub next_attempt_at: Option<i64>,
    pub files: Vec<FilePlan>,
}

/// The next step for an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Delivered, or waiting for the citizen: nothing to do.
    Nothing,
    /// Backing off until this time (unix ms).
    WaitUntil(i64),
    /// Announce attachment `file` to the bureau.
    CreateUpload { file: usize },
    /// Ask the bureau how much of `file` it holds.
    AskOffset { file: usize },
    /// Send `len` bytes of `file` from `offset` (a zero-length send completes an upload whose
    /// bytes are all there but whose completion was cut off).
    Send { file: usize, offset: u64, len: u64 },
    /// Send the submission (again: the key makes a repeat harmless).
    Submit,
}

impl Action {
    /// The attachment this step concerns, if any.
    pub fn file(self) -> Option<usize> {
        match self {
            Action::CreateUpload { file }
            | Action::AskOffset { file }
            | Action::Send { file, .. } => Some(file),
            Action::Nothing | Action::WaitUntil(_) | Action::Submit => None,
        }
    }

    /// Whether this step, once it succeeded, moved the item on, which ends a run of resyncs
    /// ([`MAX_RESYNCS`]): asking an offset only learns where an upload stands.
    pub fn progresses(self) -> bool {
        !matches!(self, Action::AskOffset { .. })
    }
}

/// How driving one item ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The receipt is stored.
    Delivered,
    /// It stopped for the citizen to act.
    Stopped,
    /// It went back to the drafts for the citizen to correct.
    Returned,
    /// Waiting for a retry; `global` failures pause the whole pass.
    Deferred { global: bool },
    /// Withdrawn, delivered or stopped before: nothing was done.
    Rest,
}

impl Outcome {
    /// Whether the rest of the pass waits: after a failure that pauses everything (the network, a
    /// captive portal, a 429), items not started yet are left for later, while the ones under way
    /// finish their step.
    pub fn pauses(self) -> bool {
        matches!(self, Outcome::Deferred { global: true })
    }
}

/// How driving an item ends on a step that asks nothing of the bureau ([`Action::Nothing`],
/// [`Action::WaitUntil`]): backing off is a deferral that pauses no other item; anything else
/// rests.
pub fn idle_outcome(action: Action) -> Outcome {
    match action {
        Action::WaitUntil(_) => Outcome::Deferred { global: false },
        _ => Outcome::Rest,
    }
}

/// Whether a pass over the outbox is due at `now` (unix ms), given when the next item is due:
/// something waits, and its time has come.
pub fn pass_due(next_due: Option<i64>, now: i64) -> bool {
    next_due.is_some_and(|t| t <= now)
}

/// Decides the next step for `item` at time `now` (unix ms), sending at most `chunk` bytes a step.
pub fn next_action(item: &ItemPlan, now: i64, chunk: u64) -> Action {
    match item.phase {
        Phase::Delivered | Phase::NeedsAttention => return Action::Nothing,
        Phase::Waiting | Phase::Uploading | Phase::Submitting => {}
    }
    if let Some(at) = item.next_attempt_at.filter(|&at| at > now) {
        return Action::WaitUntil(at);
    }
    if item.phase == Phase::Submitting {
        return Action::Submit;
    }
    for (i, f) in item.files.iter().enumerate() {
        if f.complete {
            continue;
        }
        if f.upload_id.is_none() {
            return Action::CreateUpload { file: i };
        }
        return match f.remote {
            Remote::Unknown => Action::AskOffset { file: i },
            Remote::At(offset) if offset >= f.length => Action::Send {
                file: i,
                offset: f.length,
                len: 0,
            },
            Remote::At(offset) => Action::Send {
                file: i,
                offset,
                len: (f.length - offset).min(chunk.max(1)),
            },
        };
    }
    Action::Submit
}

/// Upload requests are sized from the throughput the last one measured, to take about
/// [`CHUNK_TARGET`] each: one request for a whole photo on a fast line, progress every couple of
/// seconds on a slow one.
pub const CHUNK_TARGET: Duration = Duration::from_secs(2);
/// The first request of a run, before anything was measured.
pub const FIRST_CHUNK: u64 = 1024 * 1024;
/// The smallest adaptive request: below it, each request's round trip and the bureau's flush to
/// disk would cost more than its bytes.
pub const MIN_CHUNK: u64 = 256 * 1024;
/// The largest adaptive request (the whole of most attachments).
pub const MAX_CHUNK: u64 = 16 * 1024 * 1024;
/// A request grows at most this many times over the last one, so one quick sample on a line that
/// then slows down cannot send a huge request into it.
const CHUNK_GROWTH: u64 = 4;

/// The size of the next upload request after `sent` bytes took `took`, when the current size is
/// `current`. A sample smaller than a quarter of [`MIN_CHUNK`] (a file's short tail) tells little
/// about the line, so it keeps `current`. Growth is limited to [`CHUNK_GROWTH`] times the sample;
/// a small sample (a small file sent whole) never shrinks the size by itself, only a slow one.
pub fn next_chunk(current: u64, sent: u64, took: Duration) -> u64 {
    if sent < MIN_CHUNK / 4 {
        return current;
    }
    let rate = sent as f64 / took.as_secs_f64().max(1e-6);
    let fit = (rate * CHUNK_TARGET.as_secs_f64()).min(MAX_CHUNK as f64) as u64;
    fit.min(sent.saturating_mul(CHUNK_GROWTH).max(current))
        .clamp(MIN_CHUNK, MAX_CHUNK)
}

/// The size of the next upload request after one failed on the network (a cut, a timeout): a
/// quarter of it, so a line that got much slower is probed with less.
pub fn chunk_after_failure(current: u64) -> u64 {
    (current / CHUNK_GROWTH).clamp(MIN_CHUNK, MAX_CHUNK)
}

/// The length of a send of `planned` bytes as it goes out, when the request size is `chunk` by
/// then: sized at that moment, not when the step was planned, since the other item's request, just
/// ended, may have measured a slower line. Fixed sizes (`adaptive` off) send what was planned.
pub fn request_len(planned: u64, chunk: u64, adaptive: bool) -> u64 {
    if adaptive {
        planned.min(chunk)
    } else {
        planned
    }
}

/// The size of the request after a send made at size `current` that took `took`: measured from
/// the bytes the bureau took (`Ok`), a quarter after the network failed it, unchanged after any
/// other answer, and always unchanged when sizes are fixed (`adaptive` off).
pub fn resize(current: u64, adaptive: bool, sent: Result<u64, &Failure>, took: Duration) -> u64 {
    if !adaptive {
        return current;
    }
    match sent {
        Ok(bytes) => next_chunk(current, bytes, took),
        Err(Failure::Network(_)) => chunk_after_failure(current),
        Err(_) => current,
    }
}

/// How often upload progress is written to the store while a file is being sent.
pub const PROGRESS_WRITE_INTERVAL: Duration = Duration::from_secs(1);

/// Whether a send's progress is written to the store now, `since_last_write` after the last time:
/// when it completed its file, or once a [`PROGRESS_WRITE_INTERVAL`]. Writing every request would
/// cost the disk for nothing: after a restart the bureau's offset is the truth anyway.
pub fn write_progress_now(completes_file: bool, since_last_write: Duration) -> bool {
    completes_file || since_last_write >= PROGRESS_WRITE_INTERVAL
}

/// Why a request got no answer, as far as the transport can tell. Kept in the log and shown in
/// the outbox: "the bureau's certificate cannot be verified" needs an administrator, "waiting for
/// the network" needs nothing but patience.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NetworkKind {
    /// The bureau's name could not be resolved (no network, or a wrong address).
    Dns,
    /// No connection could be made, or it was refused or reset.
    Connect,
    /// The bureau's certificate could not be verified (expired, wrong name, an unknown CA).
    Certificate,
    /// The secure connection failed for another reason (an old TLS version, an interception box).
    Tls,
    /// No answer in time.
    Timeout,
    /// The proxy in between refused or could not be reached.
    Proxy,
    /// Cut off while the answer was coming, or anything else.
    Other,
}

impl NetworkKind {
    /// For the log.
    pub fn key(self) -> &'static str {
        match self {
            NetworkKind::Dns => "dns",
            NetworkKind::Connect => "connect",
            NetworkKind::Certificate => "certificate",
            NetworkKind::Tls => "tls",
            NetworkKind::Timeout => "timeout",
            NetworkKind::Proxy => "proxy",
            NetworkKind::Other => "other",
        }
    }

    /// Whether the network itself may be what is missing (patience helps), rather than a setting
    /// someone must change (a certificate, a proxy).
    pub fn may_pass(self) -> bool {
        !matches!(
            self,
            NetworkKind::Certificate | NetworkKind::Tls | NetworkKind::Proxy
        )
    }
}

/// How a request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No answer: refused, reset, timed out, cut off, or a secure connection that failed.
    Network(NetworkKind),
    /// An answer that is not the bureau's: a captive portal's page, a proxy's error, a body that is
    /// not the JSON promised.
    NotBureau,
    /// The bureau's error answer (`{code, message}`), or an error status without one.
    Http {
        status: u16,
        code: String,
        message: String,
        retry_after: Option<Duration>,
        /// `Upload-Offset` of a 409 offset mismatch.
        upload_offset: Option<u64>,
    },
}

/// What a failure means for the item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Try again later; `global` failures (network, captive portal, 429, 503) pause every item.
    Retry {
        after: Option<Duration>,
        global: bool,
    },
    /// The upload stands elsewhere than we thought: continue from there (or ask).
    Resync { offset: Option<u64> },
    /// The upload is gone (expired, discarded after a checksum mismatch): create it again.
    Restart,
    /// The bureau does not hold all the attachments the submission names: check each again.
    Reupload,
    /// The bureau's catalogue no longer has the petition's place or category: it goes back to
    /// the citizen as a draft, this field marked, to choose again and submit.
    Correct(Problem),
    /// The bureau refused for good (validation, limits, authorisation): the citizen must act.
    Stop,
}

/// Reads a failure. 4xx answers that will not change by retrying stop the item; everything that
/// may pass (network, 5xx, 429, a request still in flight, a busy upload) is retried.
pub fn judge(failure: &Failure) -> Verdict {
    let global = Verdict::Retry {
        after: None,
        global: true,
    };
    match failure {
        Failure::Network(_) | Failure::NotBureau => global,
        Failure::Http {
            status,
            code,
            retry_after,
            upload_offset,
            ..
        } => match (status, code.as_str()) {
            (409, "upload_offset_mismatch") => Verdict::Resync {
                offset: *upload_offset,
            },
            (404, "upload_not_found") | (410, _) | (422, "upload_checksum_mismatch") => {
                Verdict::Restart
            }
            (422, "upload_incomplete") => Verdict::Reupload,
            (422, "unknown_region") => Verdict::Correct(Problem {
                field: Field::Region,
                code: ProblemCode::UnknownRegion,
            }),
            (422, "unknown_category") => Verdict::Correct(Problem {
                field: Field::Category,
                code: ProblemCode::UnknownCategory,
            }),
            (409, "request_in_flight" | "upload_busy") => Verdict::Retry {
                after: *retry_after,
                global: false,
            },
            (429 | 502 | 503 | 504, _) => Verdict::Retry {
                after: *retry_after,
                global: true,
            },
            (408, _) | (500..=599, _) => Verdict::Retry {
                after: *retry_after,
                global: false,
            },
            _ => Verdict::Stop,
        },
    }
}

/// Try the item again after the backoff, and not before `after`; a `global` failure pauses every
/// item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    pub after: Option<Duration>,
    pub global: bool,
}

/// What the engine does about a step that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// Go on at once, the upload of `file` standing at `remote` (`Remote::Unknown`: ask the
    /// bureau).
    Resync { file: usize, remote: Remote },
    /// Forget what is known of every upload and go on at once: each is checked again.
    Reupload,
    /// The upload of `file` is gone (a submission's failure names none): read the copy on this
    /// machine, then [`restart`].
    Restart { file: Option<usize> },
    /// Record the failure and wait.
    Retry(Retry),
    /// Send the petition back to the citizen as a draft with this field marked.
    Correct(Problem),
    /// Record the failure for the citizen: the item stops.
    Stop,
}

/// Resyncs in a row, with no step in between that moved the item on ([`Action::progresses`]),
/// after which the item waits for the backoff instead: a bureau, or something posing as it, that
/// keeps saying an upload stands elsewhere must not be asked again and again in a tight loop.
pub const MAX_RESYNCS: u32 = 3;

/// What to do after `action` failed with `failure`, `resyncs` resyncs in a row having made no
/// progress before it. A resync needs a file to correct: one for a step without a file (a
/// submission answered as if it were an upload) waits for the backoff at once, as does one past
/// [`MAX_RESYNCS`]; neither pauses the other items.
pub fn recover(action: Action, failure: &Failure, resyncs: u32) -> Recovery {
    match judge(failure) {
        Verdict::Resync { offset } => match action.file() {
            Some(file) if resyncs < MAX_RESYNCS => Recovery::Resync {
                file,
                remote: offset.map_or(Remote::Unknown, Remote::At),
            },
            _ => Recovery::Retry(Retry {
                after: None,
                global: false,
            }),
        },
        Verdict::Reupload => Recovery::Reupload,
        Verdict::Restart => Recovery::Restart {
            file: action.file(),
        },
        Verdict::Retry { after, global } => Recovery::Retry(Retry { after, global }),
        Verdict::Correct(problem) => Recovery::Correct(problem),
        Verdict::Stop => Recovery::Stop,
    }
}

/// What starting a gone upload again comes to, once the copy on this machine was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restart<E> {
    /// The copy is damaged (`E` says how): retrying cannot help, the item stops.
    Stop(E),
    /// Forget the upload of `file`, then wait: the next try creates it again.
    Upload { file: usize, then: Retry },
    /// The failure named no file: forget every upload, then wait.
    AllUploads { then: Retry },
}

/// Decides a [`Recovery::Restart`] of `file` given the read of its copy (`Ok` when it is
/// intact, or when there is no file to read). The wait after it pauses no other item: the
/// bureau answered.
pub fn restart<E>(file: Option<usize>, copy: Result<(), E>) -> Restart<E> {
    let then = Retry {
        after: None,
        global: false,
    };
    match (copy, file) {
        (Err(damaged), _) => Restart::Stop(damaged),
        (Ok(()), Some(file)) => Restart::Upload { file, then },
        (Ok(()), None) => Restart::AllUploads { then },
    }
}

/// Backoff settings: the first wait is up to `base`, doubling per failure up to `cap`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
    /// The longest `Retry-After` honoured (a broken proxy's "come back in a year" is not).
    pub max_retry_after: Duration,
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(300),
            max_retry_after: Duration::from_secs(3600),
        }
    }
}

impl Backoff {
    /// The wait before try `attempt + 1` after `attempt` failures (from 1): full jitter, a uniform
    /// draw (`unit` in [0, 1)) below the capped exponential, and never less than `Retry-After`.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>, unit: f64) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let ceiling = exp.min(self.cap);
        let jittered = ceiling.mul_f64(unit.clamp(0.0, 1.0));
        match retry_after {
            Some(wait) => jittered.max(wait.min(self.max_retry_after)),
            None => jittered,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_requests_are_sized_to_the_line() {
        let mib = 1024 * 1024;
        // Loopback or a LAN: a MiB in 3 ms. Growth is stepped (×4 a request) up to the cap.
        let fast = Duration::from_millis(3);
        assert_eq!(next_chunk(FIRST_CHUNK, mib, fast), 4 * mib);
        assert_eq!(next_chunk(4 * mib, 4 * mib, fast), MAX_CHUNK);
        assert_eq!(next_chunk(MAX_CHUNK, MAX_CHUNK, fast), MAX_CHUNK);
        // 1 Mbit/s (125 kB/s): a MiB took 8.4 s, so the next request is the floor (about 2 s).
        assert_eq!(
            next_chunk(FIRST_CHUNK, mib, Duration::from_millis(8_390)),
            MIN_CHUNK
        );
        // 4 MB/s: two seconds' worth.
        assert_eq!(
            next_chunk(4 * mib, 4_000_000, Duration::from_secs(1)),
            8_000_000
        );
        // A line that slows down shrinks the next request at once.
        assert_eq!(
            next_chunk(MAX_CHUNK, MAX_CHUNK, Duration::from_secs(16)),
            2 * mib
        );
        // A file's short tail says nothing: the size stays.
        assert_eq!(next_chunk(8 * mib, 1000, Duration::from_secs(5)), 8 * mib);
        // No time measured at all (a clock that did not move): the cap, never a division by zero.
        assert_eq!(next_chunk(MAX_CHUNK, MAX_CHUNK, Duration::ZERO), MAX_CHUNK);
        // A small photo sent whole in 30 ms on a fast line keeps the size where it is.
        assert_eq!(
            next_chunk(MAX_CHUNK, 300_000, Duration::from_millis(30)),
            MAX_CHUNK
        );
        // …but a small one that was slow shrinks it.
        assert_eq!(
            next_chunk(MAX_CHUNK, 300_000, Duration::from_secs(3)),
            MIN_CHUNK
        );
        // A request cut by the network: the next one is a quarter, never below the floor.
        assert_eq!(chunk_after_failure(MAX_CHUNK), 4 * mib);
        assert_eq!(chunk_after_failure(MIN_CHUNK), MIN_CHUNK);
    }

    #[test]
    fn a_send_is_cut_to_the_size_measured_last() {
        assert_eq!(request_len(4 * MIN_CHUNK, MIN_CHUNK, true), MIN_CHUNK);
        assert_eq!(request_len(1000, MIN_CHUNK, true), 1000);
        // The empty send that completes an upload stays empty.
        assert_eq!(request_len(0, MIN_CHUNK, true), 0);
        // Fixed sizes: what was planned.
        assert_eq!(request_len(4 * MIN_CHUNK, MIN_CHUNK, false), 4 * MIN_CHUNK);
    }

    #[test]
    fn the_request_size_follows_the_send_before_it() {
        let mib = 1024 * 1024;
        let fast = Duration::from_millis(3);
        // Taken by the bureau: measured.
        assert_eq!(resize(FIRST_CHUNK, true, Ok(mib), fast), 4 * mib);
        // Cut by the network: a quarter.
        let cut = Failure::Network(NetworkKind::Timeout);
        assert_eq!(resize(MAX_CHUNK, true, Err(&cut), fast), 4 * mib);
        // Any other answer says nothing of the line.
        let busy = http(409, "upload_busy");
        assert_eq!(resize(MAX_CHUNK, true, Err(&busy), fast), MAX_CHUNK);
        assert_eq!(
            resize(MAX_CHUNK, true, Err(&Failure::NotBureau), fast),
            MAX_CHUNK
        );
        // Fixed sizes never change.
        assert_eq!(resize(2048, false, Ok(mib), fast), 2048);
        assert_eq!(resize(2048, false, Err(&cut), fast), 2048);
    }

    #[test]
    fn progress_is_written_when_a_file_completes_or_a_second_after_the_last_write() {
        assert!(write_progress_now(true, Duration::ZERO));
        assert!(!write_progress_now(false, Duration::from_millis(999)));
        assert!(write_progress_now(false, PROGRESS_WRITE_INTERVAL));
        assert!(write_progress_now(false, Duration::from_secs(5)));
    }

    fn file(length: u64, upload_id: Option<&str>, complete: bool, remote: Remote) -> FilePlan {
        FilePlan {
            length,
            upload_id: upload_id.map(str::to_owned),
            complete,
            remote,
        }
    }

    fn item(phase: Phase, files: Vec<FilePlan>) -> ItemPlan {
        ItemPlan {
            phase,
            next_attempt_at: None,
            files,
        }
    }

    #[test]
    fn uploads_go_in_order_then_the_submission() {
        let mut it = item(
            Phase::Waiting,
            vec![
                file(10, None, false, Remote::Unknown),
                file(5, None, false, Remote::Unknown),
            ],
        );
        assert_eq!(next_action(&it, 0, 4), Action::CreateUpload { file: 0 });
        it.files[0] = file(10, Some("u0"), false, Remote::At(0));
        assert_eq!(
            next_action(&it, 0, 4),
            Action::Send {
                file: 0,
                offset: 0,
                len: 4
            }
        );
        it.files[0].remote = Remote::At(8);
        assert_eq!(
            next_action(&it, 0, 4),
            Action::Send {
                file: 0,
                offset: 8,
                len: 2
            }
        );
        it.files[0].complete = true;
        assert_eq!(next_action(&it, 0, 4), Action::CreateUpload { file: 1 });
        it.files[1] = file(5, Some("u1"), true, Remote::At(5));
        assert_eq!(next_action(&it, 0, 4), Action::Submit);
    }

    #[test]
    fn after_a_restart_the_offset_is_asked_before_sending() {
        let it = item(
            Phase::Uploading,
            vec![file(10, Some("u0"), false, Remote::Unknown)],
        );
        assert_eq!(next_action(&it, 0, 4), Action::AskOffset { file: 0 });
    }

    #[test]
    fn all_bytes_there_but_not_complete_is_finished_with_an_empty_send() {
        let it = item(
            Phase::Uploading,
            vec![file(10, Some("u0"), false, Remote::At(10))],
        );
        assert_eq!(
            next_action(&it, 0, 4),
            Action::Send {
                file: 0,
                offset: 10,
                len: 0
            }
        );
    }

    #[test]
    fn a_petition_without_attachments_is_submitted_at_once() {
        assert_eq!(
            next_action(&item(Phase::Waiting, vec![]), 0, 4),
            Action::Submit
        );
    }

    #[test]
    fn a_sent_submission_is_only_ever_repeated() {
        let it = item(
            Phase::Submitting,
            vec![file(10, Some("u0"), false, Remote::Unknown)],
        );
        assert_eq!(next_action(&it, 0, 4), Action::Submit);
    }

    #[test]
    fn delivered_and_stopped_items_rest_and_backoff_is_respected() {
        assert_eq!(
            next_action(&item(Phase::Delivered, vec![]), 0, 4),
            Action::Nothing
        );
        assert_eq!(
            next_action(&item(Phase::NeedsAttention, vec![]), 0, 4),
            Action::Nothing
        );
        let mut it = item(Phase::Waiting, vec![]);
        it.next_attempt_at = Some(1000);
        assert_eq!(next_action(&it, 999, 4), Action::WaitUntil(1000));
        assert_eq!(next_action(&it, 1000, 4), Action::Submit);
    }

    #[test]
    fn an_action_names_the_file_it_concerns() {
        assert_eq!(Action::CreateUpload { file: 2 }.file(), Some(2));
        assert_eq!(Action::AskOffset { file: 1 }.file(), Some(1));
        let send = Action::Send {
            file: 0,
            offset: 4,
            len: 4,
        };
        assert_eq!(send.file(), Some(0));
        for action in [Action::Submit, Action::Nothing, Action::WaitUntil(5)] {
            assert_eq!(action.file(), None, "{action:?}");
        }
    }

    #[test]
    fn a_step_that_asks_nothing_ends_the_drive_resting_or_deferred() {
        assert_eq!(idle_outcome(Action::Nothing), Outcome::Rest);
        assert_eq!(
            idle_outcome(Action::WaitUntil(1000)),
            Outcome::Deferred { global: false }
        );
    }

    #[test]
    fn only_a_failure_that_pauses_everything_pauses_the_pass() {
        assert!(Outcome::Deferred { global: true }.pauses());
        for outcome in [
            Outcome::Deferred { global: false },
            Outcome::Delivered,
            Outcome::Stopped,
            Outcome::Returned,
            Outcome::Rest,
        ] {
            assert!(!outcome.pauses(), "{outcome:?}");
        }
    }

    #[test]
    fn a_pass_is_due_once_something_waits_and_its_time_has_come() {
        assert!(!pass_due(None, 1000));
        assert!(!pass_due(Some(1001), 1000));
        assert!(pass_due(Some(1000), 1000));
        assert!(pass_due(Some(0), 1000));
    }

    fn http(status: u16, code: &str) -> Failure {
        Failure::Http {
            status,
            code: code.into(),
            message: String::new(),
            retry_after: None,
            upload_offset: None,
        }
    }

    #[test]
    fn failures_are_read_by_status_and_code() {
        assert!(matches!(
            judge(&Failure::Network(NetworkKind::Connect)),
            Verdict::Retry { global: true, .. }
        ));
        assert!(matches!(
            judge(&Failure::NotBureau),
            Verdict::Retry { global: true, .. }
        ));
        assert!(matches!(
            judge(&http(429, "rate_limited")),
            Verdict::Retry { global: true, .. }
        ));
        assert!(matches!(
            judge(&http(503, "http_503")),
            Verdict::Retry { global: true, .. }
        ));
        assert!(matches!(
            judge(&http(500, "internal")),
            Verdict::Retry { global: false, .. }
        ));
        assert!(matches!(
            judge(&http(409, "request_in_flight")),
            Verdict::Retry { global: false, .. }
        ));
        assert_eq!(
            judge(&http(409, "upload_offset_mismatch")),
            Verdict::Resync { offset: None }
        );
        assert_eq!(judge(&http(410, "upload_expired")), Verdict::Restart);
        assert_eq!(judge(&http(404, "upload_not_found")), Verdict::Restart);
        assert_eq!(judge(&http(422, "upload_incomplete")), Verdict::Reupload);
        for (code, field, problem) in [
            ("unknown_region", Field::Region, ProblemCode::UnknownRegion),
            (
                "unknown_category",
                Field::Category,
                ProblemCode::UnknownCategory,
            ),
        ] {
            assert_eq!(
                judge(&http(422, code)),
                Verdict::Correct(Problem {
                    field,
                    code: problem
                })
            );
            assert_eq!(judge(&http(400, code)), Verdict::Stop, "only as a 422");
        }
        for (status, code) in [
            (422, "validation_failed"),
            (422, "idempotency_key_reused"),
            (401, "unauthorized"),
            (413, "upload_too_large"),
            (400, "bad_request"),
        ] {
            assert_eq!(judge(&http(status, code)), Verdict::Stop, "{code}");
        }
    }

    fn send(file: usize) -> Action {
        Action::Send {
            file,
            offset: 0,
            len: 4,
        }
    }

    fn with_offset(offset: u64) -> Failure {
        Failure::Http {
            status: 409,
            code: "upload_offset_mismatch".into(),
            message: String::new(),
            retry_after: None,
            upload_offset: Some(offset),
        }
    }

    #[test]
    fn an_upload_that_stands_elsewhere_goes_on_from_the_bureaus_offset() {
        assert_eq!(
            recover(send(1), &with_offset(8), 0),
            Recovery::Resync {
                file: 1,
                remote: Remote::At(8)
            }
        );
        // Without the offset in the answer, the bureau is asked.
        assert_eq!(
            recover(send(1), &http(409, "upload_offset_mismatch"), 0),
            Recovery::Resync {
                file: 1,
                remote: Remote::Unknown
            }
        );
    }

    #[test]
    fn resyncs_in_a_row_without_progress_give_way_to_the_backoff() {
        let mismatch = http(409, "upload_offset_mismatch");
        let backoff = Recovery::Retry(Retry {
            after: None,
            global: false,
        });
        // A bureau that answers every send with a mismatch and no offset: each time the offset
        // is asked (which is no progress) and the send fails again.
        let ask = Action::AskOffset { file: 0 };
        let mut resyncs = 0;
        let mut recoveries = Vec::new();
        loop {
            let recovery = recover(send(0), &mismatch, resyncs);
            recoveries.push(recovery);
            if recovery == backoff {
                break;
            }
            resyncs += 1;
            if ask.progresses() {
                resyncs = 0;
            }
            assert!(recoveries.len() <= 10, "a resync loop: {recoveries:?}");
        }
        let resync = Recovery::Resync {
            file: 0,
            remote: Remote::Unknown,
        };
        assert_eq!(recoveries, [resync, resync, resync, backoff]);
        // The same at the offset the bureau names.
        assert_eq!(recover(send(0), &with_offset(8), MAX_RESYNCS), backoff);
    }

    #[test]
    fn a_resync_without_a_file_waits_for_the_backoff() {
        assert_eq!(
            recover(Action::Submit, &http(409, "upload_offset_mismatch"), 0),
            Recovery::Retry(Retry {
                after: None,
                global: false
            })
        );
    }

    #[test]
    fn only_a_step_that_moves_the_item_on_ends_a_run_of_resyncs() {
        assert!(!Action::AskOffset { file: 0 }.progresses());
        for action in [send(0), Action::CreateUpload { file: 0 }, Action::Submit] {
            assert!(action.progresses(), "{action:?}");
        }
    }

    #[test]
    fn a_submission_missing_an_upload_checks_every_upload_again() {
        assert_eq!(
            recover(Action::Submit, &http(422, "upload_incomplete"), 0),
            Recovery::Reupload
        );
    }

    #[test]
    fn a_gone_upload_is_restarted_for_the_file_it_concerns() {
        assert_eq!(
            recover(send(2), &http(410, "upload_expired"), 0),
            Recovery::Restart { file: Some(2) }
        );
        assert_eq!(
            recover(
                Action::AskOffset { file: 0 },
                &http(404, "upload_not_found"),
                0
            ),
            Recovery::Restart { file: Some(0) }
        );
        assert_eq!(
            recover(Action::Submit, &http(410, "upload_expired"), 0),
            Recovery::Restart { file: None }
        );
    }

    #[test]
    fn a_restart_forgets_the_files_upload_or_every_upload_and_waits_alone() {
        let then = Retry {
            after: None,
            global: false,
        };
        assert_eq!(
            restart::<&str>(Some(1), Ok(())),
            Restart::Upload { file: 1, then }
        );
        assert_eq!(restart::<&str>(None, Ok(())), Restart::AllUploads { then });
    }

    #[test]
    fn a_damaged_copy_on_this_machine_stops_the_restart() {
        assert_eq!(
            restart(Some(0), Err("attachment_damaged")),
            Restart::Stop("attachment_damaged")
        );
    }

    #[test]
    fn retries_keep_the_bureaus_wait_and_whether_they_pause_everything() {
        assert_eq!(
            recover(send(0), &Failure::Network(NetworkKind::Connect), 0),
            Recovery::Retry(Retry {
                after: None,
                global: true
            })
        );
        let busy = Failure::Http {
            status: 409,
            code: "upload_busy".into(),
            message: String::new(),
            retry_after: Some(Duration::from_secs(2)),
            upload_offset: None,
        };
        assert_eq!(
            recover(send(0), &busy, 0),
            Recovery::Retry(Retry {
                after: Some(Duration::from_secs(2)),
                global: false
            })
        );
    }

    #[test]
    fn a_refusal_for_good_gives_up_on_the_item() {
        assert_eq!(
            recover(Action::Submit, &http(422, "validation_failed"), 0),
            Recovery::Stop
        );
        assert_eq!(
            recover(
                Action::CreateUpload { file: 0 },
                &http(413, "upload_too_large"),
                0
            ),
            Recovery::Stop
        );
    }

    #[test]
    fn backoff_is_capped_jittered_and_honours_retry_after() {
        let b = Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(2),
            max_retry_after: Duration::from_secs(60),
        };
        assert_eq!(b.delay(1, None, 0.999_999).as_millis(), 99);
        assert_eq!(b.delay(3, None, 0.5), Duration::from_millis(200));
        assert_eq!(b.delay(30, None, 1.0), Duration::from_secs(2));
        assert_eq!(b.delay(30, None, 0.0), Duration::ZERO);
        assert_eq!(
            b.delay(1, Some(Duration::from_secs(5)), 0.1),
            Duration::from_secs(5)
        );
        assert_eq!(
            b.delay(1, Some(Duration::from_secs(86_400)), 0.1),
            Duration::from_secs(60)
        );
    }
}

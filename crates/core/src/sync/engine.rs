//! The sync engine: drives every outbox item with the [`plan`](super::plan) until it is
//! delivered or needs the citizen, then pulls the bureau's status changes.
//!
//! Items go in the order they were queued, two at a time but with one upload request on the wire
//! at any moment; each step is written to the store before the next is taken, so the process may
//! die at any moment and the next run continues where the bureau stands (it asks the offset of an upload before sending more; it repeats a submission
//! only with the same key). Progress leaves as [`SyncEvent`]s on a broadcast channel.
//!
//! What to do at each step, after each failure and with each request's size is the planner's;
//! the engine makes the requests, writes what they return and carries out those decisions.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{self, StreamExt};
use petition_api::{AttachmentRef, CreateUpload, PetitionView, SubmitPetition, TrackRequest};
use tokio::sync::{Notify, broadcast};

use super::account::lookup_waits;
use super::client::Bureau;
use super::outbox::{Work, now_ms};
use super::plan::{
    Action, Backoff, Failure, FilePlan, ItemPlan, NetworkKind, Outcome, Phase, Recovery, Remote,
    Restart, Retry,
};
use super::secret::CURSOR_SETTING;
use super::{BUREAU_URL_SETTING, ErrorView, SyncError, SyncEvent, check_bureau_url, plan};
use crate::error::{Error, Result};
use crate::store::{Store, rfc3339};
use crate::validate::Problem;

/// How the engine works; the defaults suit a citizen's desktop.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Bytes in the first upload request of each pass over the outbox, and in every one when
    /// `adaptive_chunks` is off.
    pub chunk_bytes: u64,
    /// Later requests are sized from the measured throughput to take about two seconds each
    /// ([`plan::next_chunk`]): a whole photo in one request on a fast line, steady progress on a
    /// slow one. What arrived before a cut is kept by the bureau either way.
    pub adaptive_chunks: bool,
    pub backoff: Backoff,
    /// How often `run` pulls status changes when nothing else happens.
    pub pull_interval: Duration,
    /// How often `run` reads the network interfaces to notice a network that came back; `None`
    /// never looks.
    pub network_poll: Option<Duration>,
}

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig {
            chunk_bytes: plan::FIRST_CHUNK,
            adaptive_chunks: true,
            backoff: Backoff::default(),
            pull_interval: Duration::from_secs(300),
            network_poll: Some(Duration::from_secs(3)),
        }
    }
}

/// Wakes a running engine: "sync now", or "the network came back".
#[derive(Debug, Clone)]
pub struct Waker(Arc<Notify>);

impl Waker {
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

/// What one `run_once` did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RunSummary {
    /// Receipts stored.
    pub delivered: usize,
    /// Items that stopped for the citizen to act.
    pub needs_attention: usize,
    /// Petitions the bureau sent back to the drafts, a field to choose again.
    pub returned: usize,
    /// Submitted petitions the bureau moved on.
    pub status_changes: usize,
    /// The citizen's steps (ratings, requests, urges) the bureau took.
    pub steps_sent: usize,
    /// Steps the bureau refused (too early, too late, done before), each kept with its reason.
    pub steps_refused: usize,
    /// 查询码 kept without a network that the bureau has now found.
    pub lookups_found: usize,
    /// 查询码 kept without a network that the bureau did not take, each kept with its answer.
    pub lookups_refused: usize,
}

/// The sync engine of one store.
#[derive(Debug)]
pub struct Engine {
    store: Store,
    config: EngineConfig,
    events: broadcast::Sender<SyncEvent>,
    wake: Arc<Notify>,
    /// Reachability checks failed in a row.
    unreachable: AtomicU32,
    /// When the bureau's catalogue is next fetched (unix ms; 0: at the first reach).
    next_catalog: AtomicI64,
    /// Rounds of `run` in a row that could not even start (no sign-in, a keyring that is locked).
    not_connected: AtomicU32,
    /// Held while attachment bytes are on the wire: one upload request at a time, so a cut
    /// (a lost connection, a killed process) costs at most one chunk.
    upload_lane: tokio::sync::Mutex<()>,
    /// Bytes in the next upload request.
    chunk: AtomicU64,
}

/// Items driven at once. Their bytes still go one request at a time (`upload_lane`); the others
/// announce uploads, open their files, submit and write to the store while one item's bytes
/// travel. Three kept the lane busier than two (docs/benchmarks.md: the drain went from 221–252
/// to 265–283 MB/s), at the cost of one more opened file in memory.
const ITEMS_AT_ONCE: usize = 3;

/// The petition's body for the bureau.
async fn submission(store: &Store, id: &str, work: &Work) -> Result<SubmitPetition> {
    let p = store.drafts().get(id).await?;
    let names: HashMap<String, String> = store
        .attachments()
        .list(id)
        .await?
        .into_iter()
        .map(|a| (a.sha256, a.file_name))
        .collect();
    let attachments = work
        .files
        .iter()
        .map(|f| AttachmentRef {
            upload_id: f.upload_id.clone().unwrap_or_default(),
            file_name: crate::kiosk::send_name(
                names.get(&f.sha256).map_or("", String::as_str),
                u32::try_from(f.position).unwrap_or(u32::MAX),
            ),
        })
        .collect();
    Ok(submit_body(p, attachments))
}

/// The bureau's view of a petition: its fields as they are, with `attachments`. One place, so a
/// petition sent online and one sealed in a kiosk's export are the same petition to the bureau.
pub(crate) fn submit_body(p: crate::Petition, attachments: Vec<AttachmentRef>) -> SubmitPetition {
    SubmitPetition {
        name: p.name,
        id_number: p.id_number,
        phone: p.phone,
        address: p.address,
        email: p.email,
        region: p.region,
        agency: p.agency,
        category: p.category,
        purpose: p.purpose,
        title: p.title,
        request: p.request,
        facts: p.facts,
        reasons: p.reasons,
        attachments,
    }
}

/// The failure as the citizen sees it. The bureau's own message is kept as it came (it carries
/// both languages); the app's messages do the same, from the catalogue.
fn error_view(failure: &Failure) -> ErrorView {
    use crate::i18n::bilingual;
    let (code, message) = match failure {
        Failure::Network(kind) => {
            let code = network_error(*kind);
            (code.to_owned(), bilingual(code, &[]))
        }
        Failure::NotBureau => ("not_bureau".to_owned(), bilingual("not_bureau", &[])),
        // However the bureau words it (a token expired, revoked, or unknown), the citizen signs
        // in again, and the queue waits for it.
        Failure::Http { status: 401, .. } => {
            ("sign_in_again".to_owned(), bilingual("sign_in_again", &[]))
        }
        Failure::Http {
            status,
            code,
            message,
            ..
        } => {
            let message = if message.is_empty() {
                bilingual(
                    match status {
                        429 => "bureau_answer-slow_down",
                        500..=599 => "bureau_answer-busy",
                        _ => "bureau_answer-refused",
                    },
                    &[],
                )
            } else {
                message.clone()
            };
            (code.clone(), message)
        }
    };
    ErrorView { code, message }
}

/// The code of a request that got no answer, by its kind (its message is the catalogue's): only
/// the ones patience cures say "it will be sent by itself".
pub(crate) fn network_error(kind: NetworkKind) -> &'static str {
    match kind {
        NetworkKind::Connect | NetworkKind::Other => "bureau_unreachable",
        NetworkKind::Dns => "bureau_name_unresolved",
        NetworkKind::Timeout => "bureau_timeout",
        NetworkKind::Certificate => "bureau_certificate",
        NetworkKind::Tls => "bureau_tls_failed",
        NetworkKind::Proxy => "proxy_failed",
    }
}

/// Whether an item's recorded failure `code` is a connection problem someone must fix (a
/// certificate, a proxy) rather than a network that is simply not there yet.
pub(crate) fn needs_a_setting(code: &str) -> bool {
    [
        NetworkKind::Certificate,
        NetworkKind::Tls,
        NetworkKind::Proxy,
    ]
    .into_iter()
    .any(|kind| network_error(kind) == code)
}

fn local_error_view(e: &Error) -> ErrorView {
    ErrorView {
        code: e.code().to_owned(),
        message: format!(
            "{} / {}",
            e.message(crate::i18n::Lang::Zh),
            e.message(crate::i18n::Lang::En)
        ),
    }
}

impl Engine {
    pub fn new(store: Store, config: EngineConfig) -> Engine {
        let (events, _) = broadcast::channel(1024);
        Engine {
            store,
            events,
            wake: Arc::new(Notify::new()),
            unreachable: AtomicU32::new(0),
            next_catalog: AtomicI64::new(0),
            not_connected: AtomicU32::new(0),
            upload_lane: tokio::sync::Mutex::new(()),
            chunk: AtomicU64::new(config.chunk_bytes.max(1)),
            config,
        }
    }

    /// Progress, deliveries and status changes, as they happen.
    pub fn subscribe(&self) -> broadcast::Receiver<SyncEvent> {
        self.events.subscribe()
    }

    /// A handle that wakes [`Engine::run`] from its wait.
    pub fn waker(&self) -> Waker {
        Waker(Arc::clone(&self.wake))
    }

    fn emit(&self, event: SyncEvent) {
        // No receiver is fine: nobody is watching.
        let _ = self.events.send(event);
    }

    /// Like [`Engine::emit_item`], counting `unwritten` confirmed bytes not yet in the store.
    async fn emit_progress(&self, id: &str, unwritten: u64) -> Result<()> {
        if let Ok(mut item) = self.store.outbox().item(id).await {
            item.bytes_sent = (item.bytes_sent + unwritten).min(item.bytes_total);
            self.emit(SyncEvent::Item { item });
        }
        Ok(())
    }

    async fn emit_item(&self, id: &str) -> Result<()> {
        match self.store.outbox().item(id).await {
            Ok(item) => self.emit(SyncEvent::Item { item }),
            Err(Error::Sync(SyncError::NotQueued) | Error::NotFound) => {}
            Err(e) => return Err(e),
        }
        Ok(())
    }

    /// The bureau and token this store is signed in to.
    async fn connect(&self) -> Result<Bureau> {
        let url = self
            .store
            .settings()
            .get(BUREAU_URL_SETTING)
            .await?
            .ok_or(SyncError::NoBureau)?;
        let url = check_bureau_url(&url)?;
        let token = self.store.token().await?;
        Ok(Bureau::new(&url, &token)?)
    }

    fn jitter(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        self.config
            .backoff
            .delay(attempt.max(1), retry_after, rand::random::<f64>())
    }

    /// Checks the bureau is there; on failure every pending item waits for the backoff.
    async fn reachable(&self, bureau: &Bureau) -> Result<bool> {
        match bureau.health().await {
            Ok(()) => {
                self.unreachable.store(0, Ordering::Relaxed);
                self.emit(SyncEvent::Reachability {
                    reachable: true,
                    error: None,
                });
                Ok(true)
            }
            Err(failure) => {
                let n = self.unreachable.fetch_add(1, Ordering::Relaxed) + 1;
                let error = error_view(&failure);
                let wait = self.jitter(n, None);
                let until = now_ms().saturating_add(i64::try_from(wait.as_millis()).unwrap_or(0));
                self.store
                    .outbox()
                    .record_unreachable(&error, until)
                    .await?;
                self.emit(SyncEvent::Reachability {
                    reachable: false,
                    error: Some(error),
                });
                for id in self.store.outbox().pending().await? {
                    self.emit_item(&id).await?;
                }
                Ok(false)
            }
        }
    }

    /// One pass over the items that are due. `Ok(false)` when the pass was cut short because the
    /// bureau is out of reach.
    async fn pass(&self, bureau: &Bureau, summary: &mut RunSummary) -> Result<bool> {
        if !plan::pass_due(self.store.outbox().next_due().await?, now_ms()) {
            return Ok(true);
        }
        if !self.reachable(bureau).await? {
            return Ok(false);
        }
        let ids = self.store.outbox().pending().await?;
        // Each pass measures the line afresh: it may not be the one the last pass had.
        self.chunk
            .store(self.config.chunk_bytes.max(1), Ordering::Relaxed);
        // Set by an outcome that pauses the pass (`Outcome::pauses`): items not started yet are
        // left for later.
        let paused = AtomicBool::new(false);
        let paused = &paused;
        let mut driven = stream::iter(ids)
            .map(|id| async move {
                if paused.load(Ordering::Relaxed) {
                    return Ok(Outcome::Rest);
                }
                let outcome = self.drive(bureau, &id).await;
                if outcome.as_ref().is_ok_and(|o| o.pauses()) {
                    paused.store(true, Ordering::Relaxed);
                }
                outcome
            })
            .buffer_unordered(ITEMS_AT_ONCE);
        while let Some(outcome) = driven.next().await {
            match outcome? {
                Outcome::Delivered => summary.delivered += 1,
                Outcome::Stopped => summary.needs_attention += 1,
                Outcome::Returned => summary.returned += 1,
                Outcome::Deferred { .. } | Outcome::Rest => {}
            }
        }
        Ok(!paused.load(Ordering::Relaxed))
    }

    /// Takes one item as far as it goes now.
    async fn drive(&self, bureau: &Bureau, id: &str) -> Result<Outcome> {
        let mut remote: HashMap<usize, Remote> = HashMap::new();
        let mut content: Option<(usize, Bytes)> = None;
        let mut last_written = std::time::Instant::now();
        // Bytes the bureau confirmed that are not written to the store yet.
        let mut unwritten = 0u64;
        // Resyncs in a row with no step between them that moved the item on.
        let mut resyncs = 0u32;
        loop {
            let Some(work) = self.store.outbox().load_work(id).await? else {
                return Ok(Outcome::Rest);
            };
            let item = ItemPlan {
                phase: work.phase,
                next_attempt_at: work.next_attempt_at,
                files: work
                    .files
                    .iter()
                    .enumerate()
                    .map(|(i, f)| FilePlan {
                        length: f.length,
                        upload_id: f.upload_id.clone(),
                        complete: f.complete,
                        remote: remote.get(&i).copied().unwrap_or(Remote::Unknown),
                    })
                    .collect(),
            };
            let action = plan::next_action(&item, now_ms(), self.chunk.load(Ordering::Relaxed));
            let file_of = |file: usize| &work.files[file];
            let result: std::result::Result<(), Failure> = match action {
                Action::Nothing | Action::WaitUntil(_) => return Ok(plan::idle_outcome(action)),
                Action::CreateUpload { file } => {
                    let f = file_of(file);
                    let req = CreateUpload {
                        length: f.length,
                        media_type: f.media_type.clone(),
                        sha256: f.sha256.clone(),
                    };
                    match bureau.create_upload(&req).await {
                        Ok(up) => {
                            tracing::info!(
                                petition = id,
                                file = f.position,
                                upload = up.id.as_str(),
                                offset = up.offset,
                                "upload created"
                            );
                            // Written before any byte is sent, so a restart resumes this upload.
                            self.store
                                .outbox()
                                .set_upload(id, f.position, Some(&up.id), up.offset, up.complete)
                                .await?;
                            remote.insert(file, Remote::At(up.offset));
                            self.emit_item(id).await?;
                            Ok(())
                        }
                        Err(e) => Err(e),
                    }
                }
                Action::AskOffset { file } => {
                    let f = file_of(file);
                    let upload_id = f.upload_id.clone().unwrap_or_default();
                    match bureau.upload_status(&upload_id).await {
                        Ok(up) if up.sha256 == f.sha256 && up.length == f.length => {
                            self.store
                                .outbox()
                                .set_sent(id, f.position, up.offset, up.complete)
                                .await?;
                            remote.insert(file, Remote::At(up.offset));
                            Ok(())
                        }
                        Ok(_) => Err(Failure::NotBureau),
                        Err(e) => Err(e),
                    }
                }
                Action::Send { file, offset, len } => {
                    if work.phase == Phase::Waiting
                        && !self.store.outbox().mark_uploading(id).await?
                    {
                        return Ok(Outcome::Rest);
                    }
                    let f = file_of(file);
                    let bytes = match &content {
                        Some((i, b)) if *i == file => b.clone(),
                        _ => match self.store.attachments().raw(&f.sha256).await {
                            Ok(raw) => {
                                let b = Bytes::from(raw);
                                content = Some((file, b.clone()));
                                b
                            }
                            Err(e) => return self.stop(id, &local_error_view(&e)).await,
                        },
                    };
                    let start = usize::try_from(offset)
                        .unwrap_or(usize::MAX)
                        .min(bytes.len());
                    let upload_id = f.upload_id.clone().unwrap_or_default();
                    let adaptive = self.config.adaptive_chunks;
                    let sent = {
                        let _lane = self.upload_lane.lock().await;
                        let current = self.chunk.load(Ordering::Relaxed);
                        let len = plan::request_len(len, current, adaptive);
                        let end = usize::try_from(offset + len)
                            .unwrap_or(usize::MAX)
                            .min(bytes.len());
                        let started = std::time::Instant::now();
                        let sent = bureau
                            .patch(&upload_id, offset, bytes.slice(start..end))
                            .await;
                        let taken = sent.as_ref().map(|new| new.saturating_sub(offset));
                        let next = plan::resize(current, adaptive, taken, started.elapsed());
                        self.chunk.store(next, Ordering::Relaxed);
                        sent
                    };
                    match sent {
                        Ok(new_offset) => {
                            let complete = new_offset >= f.length;
                            if plan::write_progress_now(complete, last_written.elapsed()) {
                                self.store
                                    .outbox()
                                    .set_sent(id, f.position, new_offset, complete)
                                    .await?;
                                last_written = std::time::Instant::now();
                                unwritten = 0;
                            } else {
                                unwritten += new_offset - offset.min(new_offset);
                            }
                            remote.insert(file, Remote::At(new_offset));
                            self.emit_progress(id, unwritten).await?;
                            Ok(())
                        }
                        Err(e) => Err(e),
                    }
                }
                Action::Submit => {
                    if !self.store.outbox().mark_submitting(id).await? {
                        return Ok(Outcome::Rest);
                    }
                    if work.phase != Phase::Submitting {
                        self.emit_item(id).await?;
                    }
                    let body = submission(&self.store, id, &work).await?;
                    match bureau.submit(id, &body).await {
                        Ok(receipt) => {
                            self.store.outbox().record_receipt(id, &receipt).await?;
                            self.emit(SyncEvent::Delivered {
                                id: id.to_owned(),
                                tracking_code: receipt.tracking_code.clone(),
                            });
                            self.emit_item(id).await?;
                            return Ok(Outcome::Delivered);
                        }
                        Err(e) => Err(e),
                    }
                }
            };
            let failure = match result {
                Ok(()) => {
                    if action.progresses() {
                        resyncs = 0;
                    }
                    if work.has_error {
                        self.store.outbox().clear_failure(id).await?;
                    }
                    continue;
                }
                Err(failure) => failure,
            };
            match plan::recover(action, &failure, resyncs) {
                Recovery::Resync { file, remote: at } => {
                    resyncs += 1;
                    remote.insert(file, at);
                }
                Recovery::Reupload => {
                    tracing::info!(
                        petition = id,
                        error = error_view(&failure).code,
                        "the bureau lacks an upload: checking each again"
                    );
                    self.store.outbox().reset_uploads(id).await?;
                    remote.clear();
                }
                Recovery::Restart { file } => {
                    tracing::info!(
                        petition = id,
                        ?file,
                        error = error_view(&failure).code,
                        "upload gone: starting it again"
                    );
                    let copy = match file {
                        Some(i) => {
                            let sha256 = &work.files[i].sha256;
                            self.store.attachments().bytes(id, sha256).await.map(drop)
                        }
                        None => Ok(()),
                    };
                    match plan::restart(file, copy) {
                        Restart::Stop(damaged) => {
                            return self.stop(id, &local_error_view(&damaged)).await;
                        }
                        Restart::Upload { file, then } => {
                            self.store
                                .outbox()
                                .set_upload(id, work.files[file].position, None, 0, false)
                                .await?;
                            remote.remove(&file);
                            return self.defer(id, &work, &failure, then).await;
                        }
                        Restart::AllUploads { then } => {
                            self.store.outbox().reset_uploads(id).await?;
                            remote.clear();
                            return self.defer(id, &work, &failure, then).await;
                        }
                    }
                }
                Recovery::Retry(retry) => return self.defer(id, &work, &failure, retry).await,
                Recovery::Correct(problem) => {
                    return self.send_back(id, &failure, problem).await;
                }
                Recovery::Stop => return self.stop(id, &error_view(&failure)).await,
            }
        }
    }

    /// Records a failure to retry after the backoff.
    async fn defer(
        &self,
        id: &str,
        work: &Work,
        failure: &Failure,
        retry: Retry,
    ) -> Result<Outcome> {
        let wait = self.jitter(work.attempts + 1, retry.after);
        let until = now_ms().saturating_add(i64::try_from(wait.as_millis()).unwrap_or(0));
        self.store
            .outbox()
            .record_retry(id, &error_view(failure), until)
            .await?;
        self.emit_item(id).await?;
        Ok(Outcome::Deferred {
            global: retry.global,
        })
    }

    /// Records that the item stopped for the citizen to act.
    async fn stop(&self, id: &str, error: &ErrorView) -> Result<Outcome> {
        self.store.outbox().record_stop(id, error).await?;
        self.emit_item(id).await?;
        Ok(Outcome::Stopped)
    }

    /// Sends a petition the bureau refused for a place or category its catalogue no longer has
    /// back to the drafts, that field marked, and fetches the catalogue again at once so the form
    /// offers what the bureau has now. At a kiosk the citizen has gone and their drafts are not
    /// shown to the next one: the item stops there for the administrator instead.
    async fn send_back(&self, id: &str, failure: &Failure, problem: Problem) -> Result<Outcome> {
        if self.store.kiosk().config().await?.is_some() {
            return self.stop(id, &error_view(failure)).await;
        }
        if !self.store.outbox().return_to_draft(id, problem).await? {
            return Ok(Outcome::Rest);
        }
        self.next_catalog.store(0, Ordering::Relaxed);
        let title = self.store.drafts().get(id).await?.title;
        self.emit(SyncEvent::Returned {
            id: id.to_owned(),
            title,
            problem,
        });
        Ok(Outcome::Returned)
    }

    /// Keeps what the bureau shows of a petition, and tells the UI what changed.
    async fn record_view(&self, view: &PetitionView, summary: &mut RunSummary) -> Result<()> {
        let Some(change) = self.store.outbox().record_remote(view).await? else {
            return Ok(());
        };
        if change.delivered_now {
            summary.delivered += 1;
            self.emit(SyncEvent::Delivered {
                id: change.id.clone(),
                tracking_code: change.tracking_code.clone(),
            });
        }
        if change.notable {
            summary.status_changes += 1;
            self.emit(SyncEvent::StatusChanged {
                id: change.id.clone(),
                tracking_code: change.tracking_code.clone(),
                state: change.state,
                events: change.new_events.clone(),
            });
        }
        self.emit_item(&change.id).await
    }

    /// Sends the waiting steps in the order they were made, each under its own key. A step the
    /// bureau refuses keeps its reason and the next one goes; one that meets no answer, a busy
    /// bureau or a sign-in to renew stops the round (`Ok(Some(failure))`), so that no later step
    /// overtakes it: it goes again, under the same key, next time.
    async fn send_steps(
        &self,
        bureau: &Bureau,
        summary: &mut RunSummary,
    ) -> Result<Option<Failure>> {
        for step in self.store.outbox().waiting_steps().await? {
            let sent = bureau
                .step(&step.tracking_code, step.kind.key(), &step.key, &step.body)
                .await;
            let outbox = self.store.outbox();
            let stopped = match &sent {
                Ok(view) => {
                    outbox.record_step_done(&step.key, None).await?;
                    summary.steps_sent += 1;
                    self.record_view(view, summary).await?;
                    None
                }
                Err(failure @ Failure::Http { status, .. })
                    if *status != 401 && plan::judge(failure) == plan::Verdict::Stop =>
                {
                    outbox
                        .record_step_done(&step.key, Some(&error_view(failure)))
                        .await?;
                    summary.steps_refused += 1;
                    None
                }
                Err(failure) => {
                    outbox
                        .record_step_failure(&step.key, &error_view(failure))
                        .await?;
                    Some(failure.clone())
                }
            };
            // The outcome is a code (`sent`, `review_not_allowed`, `bureau_unreachable` …),
            // never the bureau's words, which may quote the citizen.
            let outcome = sent
                .as_ref()
                .map_or_else(|f| error_view(f).code, |_| "sent".into());
            tracing::info!(petition = %step.petition_id, step = step.kind.key(), %outcome, "step");
            self.emit(SyncEvent::Step {
                step: outbox.step(&step.key).await?,
            });
            if stopped.is_some() {
                return Ok(stopped);
            }
        }
        Ok(None)
    }

    /// Asks the bureau for the 查询码 kept without a network, in the order typed. A pair the
    /// bureau does not take keeps its answer and the next one goes; no answer, a busy bureau or a
    /// sign-in to renew stops the round (`Ok(Some(failure))`), to be asked again next time.
    async fn send_lookups(
        &self,
        bureau: &Bureau,
        summary: &mut RunSummary,
    ) -> Result<Option<Failure>> {
        for waiting in self.store.outbox().waiting_lookups().await? {
            let asked = bureau
                .track(&TrackRequest {
                    tracking_code: waiting.tracking_code.clone(),
                    phone: waiting.phone.clone(),
                })
                .await;
            let outbox = self.store.outbox();
            let stopped = match &asked {
                Ok(view) => {
                    self.record_view(view, summary).await?;
                    outbox
                        .record_lookup_done(&waiting.key, Ok(&view.petition_id))
                        .await?;
                    summary.lookups_found += 1;
                    None
                }
                // A pair the bureau does not take, kept with its answer (both languages).
                Err(failure @ Failure::Http { status, .. })
                    if *status != 401 && *status != 429 && !lookup_waits(failure) =>
                {
                    outbox
                        .record_lookup_done(&waiting.key, Err(&error_view(failure)))
                        .await?;
                    summary.lookups_refused += 1;
                    None
                }
                Err(failure) => {
                    outbox
                        .record_lookup_failure(&waiting.key, &error_view(failure))
                        .await?;
                    Some(failure.clone())
                }
            };
            let outcome = asked
                .as_ref()
                .map_or_else(|f| error_view(f).code, |_| "found".into());
            tracing::info!(lookup = %waiting.key, %outcome, "lookup");
            self.emit(SyncEvent::Lookup {
                lookup: outbox.lookup(&waiting.key).await?,
            });
            if stopped.is_some() {
                return Ok(stopped);
            }
        }
        Ok(None)
    }

    /// Sends the waiting steps now, once each (what `petitionctl evaluate` and the app's buttons
    /// do right after queueing one): those that meet no answer stay queued for the engine.
    pub async fn send_steps_now(&self) -> Result<RunSummary> {
        let bureau = self.connect().await?;
        let mut summary = RunSummary::default();
        self.send_lookups_and_steps(&bureau, &mut summary).await?;
        Ok(summary)
    }

    /// The lookups, then the steps: each round stops at the first that meets no answer.
    async fn send_lookups_and_steps(
        &self,
        bureau: &Bureau,
        summary: &mut RunSummary,
    ) -> Result<Option<Failure>> {
        if let Some(failure) = self.send_lookups(bureau, summary).await? {
            return Ok(Some(failure));
        }
        self.send_steps(bureau, summary).await
    }

    /// Pulls status changes since the stored cursor. `Ok(Err(_))` when the bureau did not answer.
    async fn pull(
        &self,
        bureau: &Bureau,
        summary: &mut RunSummary,
    ) -> Result<std::result::Result<(), Failure>> {
        let mut cursor = self
            .store
            .settings()
            .get(CURSOR_SETTING)
            .await?
            .unwrap_or_default();
        loop {
            let page = match bureau.changes(&cursor).await {
                Ok(page) => page,
                Err(f) => return Ok(Err(f)),
            };
            for view in &page.petitions {
                self.record_view(view, summary).await?;
            }
            if page.next_cursor != cursor {
                self.store
                    .settings()
                    .set(CURSOR_SETTING, &page.next_cursor)
                    .await?;
                cursor = page.next_cursor;
            }
            if !page.more {
                return Ok(Ok(()));
            }
        }
    }

    async fn idle(&self) -> Result<Option<i64>> {
        let next = self.store.outbox().next_due().await?;
        self.emit(SyncEvent::Idle {
            next_attempt_at: next.map(|t| rfc3339(t.max(now_ms()))),
        });
        Ok(next)
    }

    /// Sleeps until `until` (unix ms) or a wake-up, whichever comes first.
    async fn wait_until(&self, until: i64) {
        let ms = until.saturating_sub(now_ms()).max(0);
        let wait = Duration::from_millis(u64::try_from(ms).unwrap_or(0));
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = self.wake.notified() => {}
        }
    }

    /// Drains the outbox (retrying, with backoff, whatever may pass) and pulls status changes;
    /// returns when every item is delivered or needs the citizen, and the pull succeeded.
    pub async fn run_once(&self) -> Result<RunSummary> {
        let bureau = self.connect().await?;
        let mut summary = RunSummary::default();
        loop {
            self.pass(&bureau, &mut summary).await?;
            match self.store.outbox().next_due().await? {
                None => break,
                Some(t) => self.wait_until(t).await,
            }
        }
        let mut failures = 0;
        while let Some(failure) = self.send_lookups_and_steps(&bureau, &mut summary).await? {
            if matches!(failure, Failure::Http { status: 401, .. }) {
                return Err(SyncError::SignInAgain.into());
            }
            failures += 1;
            let wait = self.jitter(failures, None);
            self.wait_until(now_ms().saturating_add(i64::try_from(wait.as_millis()).unwrap_or(0)))
                .await;
        }
        let mut failures = 0;
        loop {
            match self.pull(&bureau, &mut summary).await? {
                Ok(()) => break,
                Err(Failure::Http { status: 401, .. }) => {
                    return Err(SyncError::SignInAgain.into());
                }
                Err(f) if plan::judge(&f) == plan::Verdict::Stop => {
                    // Retrying will not change the answer; the next run asks again.
                    tracing::warn!(error = error_view(&f).code, "status pull refused");
                    break;
                }
                Err(f) => {
                    failures += 1;
                    let wait = self.jitter(failures, None);
                    tracing::info!(error = error_view(&f).code, "status pull failed; retrying");
                    self.wait_until(
                        now_ms().saturating_add(i64::try_from(wait.as_millis()).unwrap_or(0)),
                    )
                    .await;
                }
            }
        }
        self.next_catalog.store(0, Ordering::Relaxed);
        self.refresh_catalog().await;
        self.idle().await?;
        Ok(summary)
    }

    /// Fetches the bureau's catalogue when it is due (at the first reach, then hourly; ten
    /// minutes after a failure), and tells the UI when a new one was kept. A failure costs
    /// nothing: the kept catalogue stays in use.
    async fn refresh_catalog(&self) {
        const EVERY_MS: i64 = 3_600_000;
        const AFTER_FAILURE_MS: i64 = 600_000;
        if now_ms() < self.next_catalog.load(Ordering::Relaxed) {
            return;
        }
        let next = match self.store.sync_catalog().await {
            Ok(sync) => {
                if sync.changed {
                    self.emit(SyncEvent::CatalogChanged);
                }
                EVERY_MS
            }
            Err(e) => {
                tracing::info!(error = e.code(), "catalogue not refreshed; trying later");
                AFTER_FAILURE_MS
            }
        };
        self.next_catalog
            .store(now_ms().saturating_add(next), Ordering::Relaxed);
    }

    /// Keeps the outbox drained and the status fresh until `shutdown` resolves. Woken by
    /// [`Waker::wake`] (which also pulls at once), it never gives up: a missing sign-in or an
    /// unreachable bureau is reported as an event and waited out. It also purges the attachment
    /// files past their retention period, at start and every six hours.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) {
        const PURGE_EVERY_MS: i64 = 6 * 3_600_000;
        tokio::pin!(shutdown);
        let watch = self.watch_network();
        tokio::pin!(watch);
        let mut next_pull = 0_i64;
        let mut next_purge = 0_i64;
        loop {
            if now_ms() >= next_purge {
                let purged = async {
                    let days = self.store.settings().retention_days().await?;
                    self.store.attachments().purge(days).await
                };
                if let Err(e) = purged.await {
                    tracing::warn!(
                        error = e.code(),
                        "purge after retention failed; trying later"
                    );
                }
                next_purge = now_ms().saturating_add(PURGE_EVERY_MS);
            }
            let until = tokio::select! {
                () = &mut shutdown => return,
                () = &mut watch => return,
                until = self.cycle(&mut next_pull) => until,
            };
            let until = until.min(next_purge);
            tokio::select! {
                () = &mut shutdown => return,
                () = &mut watch => return,
                () = self.wait_until(until) => {}
            }
            if until > now_ms() {
                // Woken early: "sync now" also pulls.
                next_pull = 0;
            }
        }
    }

    /// Reads the network interfaces every [`EngineConfig::network_poll`] and, when they change,
    /// makes every waiting item due and wakes the engine: a network that came back is tried at
    /// once, not after a backoff that may have grown to minutes. Never returns.
    async fn watch_network(&self) {
        let Some(every) = self.config.network_poll else {
            return std::future::pending().await;
        };
        let mut watch = super::netwatch::NetWatch::new(super::netwatch::interfaces);
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if watch.changed() {
                match self.store.outbox().due_now().await {
                    Ok(waiting) => tracing::info!(waiting, "the network changed: trying again now"),
                    Err(e) => {
                        tracing::warn!(error = e.code(), "the network changed; due_now failed")
                    }
                }
                self.unreachable.store(0, Ordering::Relaxed);
                self.not_connected.store(0, Ordering::Relaxed);
                self.wake.notify_one();
            }
        }
    }

    /// One round of `run`; returns when to go again (unix ms).
    async fn cycle(&self, next_pull: &mut i64) -> i64 {
        const LATER_MS: i64 = 60_000;
        let bureau = match self.connect().await {
            Ok(b) => {
                self.not_connected.store(0, Ordering::Relaxed);
                b
            }
            Err(e) => {
                self.emit(SyncEvent::Reachability {
                    reachable: false,
                    error: Some(local_error_view(&e)),
                });
                // No sign-in yet, or a keyring that is locked: signing in wakes the engine, and
                // a keyring unlocked, a token saved by another process or a network change are
                // found by trying again with the usual backoff.
                let n = self.not_connected.fetch_add(1, Ordering::Relaxed) + 1;
                let wait = self.jitter(n, None);
                tracing::info!(
                    error = e.code(),
                    attempt = n,
                    "sync cannot start yet; trying again later"
                );
                return now_ms().saturating_add(i64::try_from(wait.as_millis()).unwrap_or(0));
            }
        };
        let mut summary = RunSummary::default();
        let round = async {
            let reached = self.pass(&bureau, &mut summary).await?;
            // Steps that could not go now are tried again within a minute.
            let mut steps_left = false;
            if reached {
                self.refresh_catalog().await;
                steps_left = self
                    .send_lookups_and_steps(&bureau, &mut summary)
                    .await?
                    .is_some();
            }
            if reached && now_ms() >= *next_pull {
                let interval = i64::try_from(self.config.pull_interval.as_millis()).unwrap_or(0);
                *next_pull = match self.pull(&bureau, &mut summary).await? {
                    Ok(()) => now_ms().saturating_add(interval),
                    Err(_) => now_ms().saturating_add(LATER_MS),
                };
            }
            let due = self.idle().await?;
            let until = due.map_or(*next_pull, |d| d.min(*next_pull));
            Ok::<_, Error>(if steps_left {
                until.min(now_ms().saturating_add(LATER_MS))
            } else {
                until
            })
        };
        match round.await {
            Ok(until) => until,
            Err(e) => {
                tracing::warn!(error = e.code(), "sync round failed; trying again later");
                now_ms().saturating_add(LATER_MS)
            }
        }
    }
}

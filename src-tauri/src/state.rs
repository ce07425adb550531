//! What the shell keeps between commands: the store of the data directory (or why it could not
//! be opened), the lock that makes this the only app on that directory, and the UI language.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use petition_core::catalog::Catalogue;
use petition_core::error::KeyProblem;
use petition_core::i18n::Lang;
use petition_core::keys::{self, KeyMode, Passphrase};
use petition_core::kiosk::KioskConfig;
use petition_core::paths::resolve_data_dir;
use petition_core::store::DataDirLock;
use petition_core::sync::{Engine, EngineConfig, SyncEvent};
use petition_core::{Error, Store};

use crate::commands::settings::{FormMode, TextSize};
use crate::error::CommandError;

/// The setting that remembers the UI language.
pub const LANGUAGE_SETTING: &str = "ui_language";
/// The desktop's text size (`standard`, `large`, `extra_large`).
pub const TEXT_SIZE_SETTING: &str = "ui_text_size";
/// The setting that keeps the desktop's form mode (`form` or `guided`).
pub const FORM_MODE_SETTING: &str = "ui_form_mode";

#[derive(Debug)]
pub struct AppState {
    /// The data directory, once resolved.
    dir: Option<PathBuf>,
    /// The store once open. Set once: at start, or by [`AppState::unlock`] on a machine whose
    /// data is kept with an administrator passphrase.
    store: OnceLock<Store>,
    /// Why the store is not open (yet).
    problem: RwLock<Option<CommandError>>,
    /// The sync engine of the store, running in the background once the store is open.
    engine: OnceLock<Arc<Engine>>,
    /// Whether the engine was handed out to run (once only).
    engine_started: AtomicBool,
    lang: RwLock<Lang>,
    text_size: RwLock<TextSize>,
    form_mode: RwLock<FormMode>,
    /// Kiosk mode: `--kiosk` on the command line, or recorded in the data directory.
    kiosk: RwLock<Option<KioskConfig>>,
    kiosk_flag: bool,
    /// Until when (unix ms) the administrator panel is open after the right PIN.
    admin_until: AtomicI64,
    /// The administrator chose to leave kiosk mode: the window may close.
    exit_allowed: AtomicBool,
    /// In kiosk mode, the citizen's own draft: the only petition commands may name.
    kiosk_session: petition_core::kiosk::Session,
    /// The catalogue as last loaded (searched at every keystroke of the place picker), kept
    /// while the store's ETag is the same.
    catalog: RwLock<Option<Arc<Catalogue>>>,
    _lock: Option<DataDirLock>,
}

/// The administrator panel closes by itself after this long.
const ADMIN_SESSION_MS: i64 = 10 * 60 * 1000;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl AppState {
    /// Locks the data directory and opens its store with the key from the OS keyring. Failure is
    /// kept, not raised: the window still opens and tells the user what happened and what to do
    /// (or, for passphrase mode, asks for the passphrase).
    pub async fn open(explicit: Option<PathBuf>, kiosk_flag: bool) -> AppState {
        let Some(dir) = resolve_data_dir(explicit) else {
            return AppState::new(
                kiosk_flag,
                None,
                None,
                Some(&Error::DataDir(std::io::Error::other(
                    "the OS has no app-data directory",
                ))),
            );
        };
        let lock = match DataDirLock::acquire(&dir) {
            Ok(lock) => lock,
            Err(e) => return AppState::new(kiosk_flag, None, None, Some(&e)),
        };
        let state = AppState::new(kiosk_flag, Some(dir), Some(lock), None);
        state.try_open().await;
        state
    }

    /// Opens the store with the key the data directory names (the keyring), or notes why not:
    /// at start, and again when the user says the keyring is unlocked now (or the UI retries).
    async fn try_open(&self) {
        let Some(dir) = self.dir.clone() else {
            return;
        };
        let opened = match keys::key_mode(&dir) {
            Ok(Some(KeyMode::Passphrase)) => Err(Error::Key(KeyProblem::PassphraseRequired)),
            Ok(_) => Store::unlock(&dir, None).await,
            Err(e) => Err(e),
        };
        match opened {
            Ok(store) => self.install(store).await,
            Err(e) => {
                if let Ok(mut p) = self.problem.write() {
                    *p = Some(CommandError::from_core(&e, self.lang()));
                }
            }
        }
    }

    /// Tries the keyring again (it may have been unlocked since): `Ok` once the data is open.
    pub async fn retry_open(&self) -> Result<(), CommandError> {
        if self.store.get().is_none() {
            self.try_open().await;
        }
        self.store().map(|_| ())
    }

    /// Whether the data could not be opened because the keyring cannot be used, on a folder with
    /// no data and no key yet: then a passphrase may protect it instead. Never offered for data
    /// that already has a key in a keyring (that keyring may still be unlocked).
    pub fn may_choose_passphrase(&self) -> bool {
        let keyring_down = self
            .problem
            .read()
            .ok()
            .and_then(|p| p.as_ref().map(|e| e.code == "keyring_unavailable"))
            .unwrap_or(false);
        keyring_down
            && self.store.get().is_none()
            && self
                .dir
                .as_deref()
                .is_some_and(|d| keys::is_new(d).unwrap_or(false))
    }

    /// Protects a new data folder with a passphrase instead of the keyring (a machine without
    /// one), and opens it.
    pub async fn set_up_passphrase(&self, passphrase: Passphrase) -> Result<(), CommandError> {
        if !self.may_choose_passphrase() {
            return Err(self.err(Error::Key(KeyProblem::AlreadySetUp)));
        }
        let dir = self
            .dir
            .clone()
            .ok_or_else(|| CommandError::bad_request(self.lang()))?;
        let setup_dir = dir.clone();
        let key =
            tokio::task::spawn_blocking(move || keys::init_passphrase(&setup_dir, &passphrase))
                .await
                .map_err(|_| CommandError::bad_request(self.lang()))?
                .map_err(|e| self.err(e))?;
        let store = Store::open(&dir, &key).await.map_err(|e| self.err(e))?;
        self.install(store).await;
        Ok(())
    }

    fn new(
        kiosk_flag: bool,
        dir: Option<PathBuf>,
        lock: Option<DataDirLock>,
        problem: Option<&Error>,
    ) -> AppState {
        AppState {
            dir,
            store: OnceLock::new(),
            problem: RwLock::new(problem.map(|e| CommandError::from_core(e, Lang::default()))),
            engine: OnceLock::new(),
            engine_started: AtomicBool::new(false),
            lang: RwLock::new(Lang::default()),
            text_size: RwLock::new(TextSize::default()),
            form_mode: RwLock::new(FormMode::default()),
            kiosk: RwLock::new(None),
            kiosk_flag,
            admin_until: AtomicI64::new(0),
            exit_allowed: AtomicBool::new(false),
            kiosk_session: petition_core::kiosk::Session::default(),
            catalog: RwLock::new(None),
            _lock: lock,
        }
    }

    /// Makes `store` the open store: language, engine, no problem left.
    async fn install(&self, store: Store) {
        let lang = store
            .settings()
            .get(LANGUAGE_SETTING)
            .await
            .ok()
            .flatten()
            .and_then(|tag| Lang::parse(&tag))
            .unwrap_or_default();
        self.set_lang(lang);
        let size = store
            .settings()
            .get(TEXT_SIZE_SETTING)
            .await
            .ok()
            .flatten()
            .map_or(TextSize::Standard, |tag| TextSize::parse(&tag));
        self.set_text_size(size);
        let mode = store
            .settings()
            .get(FORM_MODE_SETTING)
            .await
            .ok()
            .flatten()
            .map_or(FormMode::Form, |tag| FormMode::parse(&tag));
        self.set_form_mode(mode);
        let recorded = store.kiosk().config().await.ok().flatten();
        let kiosk = match recorded {
            Some(config) => Some(config),
            None if self.kiosk_flag => Some(KioskConfig {
                idle_seconds: petition_core::kiosk::DEFAULT_IDLE_SECONDS,
                countdown_seconds: petition_core::kiosk::COUNTDOWN_SECONDS,
                folders: Vec::new(),
                printer: None,
            }),
            None => None,
        };
        if kiosk.is_some() {
            // A kiosk that stopped mid-session (power cut, crash) must not keep that citizen's
            // unsent draft for the next one: every start begins clean.
            if let Err(e) = store.kiosk().end_session().await {
                tracing::warn!(error = e.code(), "kiosk: clearing drafts at start failed");
            }
        }
        if let Ok(mut k) = self.kiosk.write() {
            *k = kiosk;
        }
        let engine = Arc::new(Engine::new(store.clone(), EngineConfig::default()));
        if self.store.set(store).is_ok() {
            let _ = self.engine.set(engine);
            if let Ok(mut p) = self.problem.write() {
                *p = None;
            }
            tracing::info!("data directory opened");
        }
    }

    /// Opens a data directory kept with an administrator passphrase.
    pub async fn unlock(&self, passphrase: Passphrase) -> Result<(), CommandError> {
        if self.store.get().is_some() {
            return Ok(());
        }
        let dir = self.dir.clone().ok_or_else(|| {
            self.problem
                .read()
                .ok()
                .and_then(|p| p.clone())
                .unwrap_or_else(|| CommandError::bad_request(self.lang()))
        })?;
        let store = Store::unlock(&dir, Some(passphrase))
            .await
            .map_err(|e| self.err(e))?;
        self.install(store).await;
        Ok(())
    }

    /// The engine, the first time it is asked for once the store is open: whoever gets it runs it.
    pub fn engine_to_start(&self) -> Option<Arc<Engine>> {
        let engine = self.engine.get()?;
        (!self.engine_started.swap(true, Ordering::SeqCst)).then(|| Arc::clone(engine))
    }

    pub fn lang(&self) -> Lang {
        self.lang.read().map(|l| *l).unwrap_or_default()
    }

    pub fn text_size(&self) -> TextSize {
        self.text_size.read().map(|s| *s).unwrap_or_default()
    }

    pub fn form_mode(&self) -> FormMode {
        self.form_mode.read().map(|m| *m).unwrap_or_default()
    }

    pub fn set_form_mode(&self, mode: FormMode) {
        if let Ok(mut m) = self.form_mode.write() {
            *m = mode;
        }
    }

    pub fn set_text_size(&self, size: TextSize) {
        if let Ok(mut s) = self.text_size.write() {
            *s = size;
        }
    }

    pub fn set_lang(&self, lang: Lang) {
        if let Ok(mut l) = self.lang.write() {
            *l = lang;
        }
    }

    /// The store, or the error that kept it from opening.
    pub fn store(&self) -> Result<&Store, CommandError> {
        self.store.get().ok_or_else(|| {
            self.problem
                .read()
                .ok()
                .and_then(|p| p.clone())
                .unwrap_or_else(|| CommandError::bad_request(self.lang()))
        })
    }

    /// The catalogue: the one loaded before while the store keeps the same, else loaded anew.
    pub async fn catalogue(&self) -> Result<Arc<Catalogue>, CommandError> {
        let store = self.store()?;
        let etag = store.catalog_etag().await.map_err(|e| self.err(e))?;
        let cached = self.catalog.read().ok().and_then(|c| c.clone());
        if let Some(c) = cached.filter(|c| c.etag() == etag.as_deref()) {
            return Ok(c);
        }
        let loaded = Arc::new(store.catalog().await.map_err(|e| self.err(e))?);
        if let Ok(mut slot) = self.catalog.write() {
            *slot = Some(Arc::clone(&loaded));
        }
        Ok(loaded)
    }

    /// "Sync now": wakes the engine from its wait.
    pub fn wake_sync(&self) {
        if let Some(engine) = self.engine.get() {
            engine.waker().wake();
        }
    }

    pub fn subscribe_sync(&self) -> Option<tokio::sync::broadcast::Receiver<SyncEvent>> {
        self.engine.get().map(|e| e.subscribe())
    }

    /// The kiosk configuration when in kiosk mode.
    pub fn kiosk_config(&self) -> Option<KioskConfig> {
        self.kiosk.read().ok().and_then(|k| k.clone())
    }

    /// Whether this is a kiosk (from the flag alone while the store is not open yet).
    /// The data directory, once resolved.
    pub fn data_dir(&self) -> Option<&std::path::Path> {
        self.dir.as_deref()
    }

    pub fn is_kiosk(&self) -> bool {
        self.kiosk_flag || self.kiosk.read().map(|k| k.is_some()).unwrap_or(false)
    }

    pub fn require_kiosk(&self) -> Result<(), CommandError> {
        if self.kiosk_config().is_some() {
            Ok(())
        } else {
            Err(self.err(petition_core::kiosk::KioskError::NotKiosk.into()))
        }
    }

    /// The kiosk citizen's session (which draft is theirs).
    pub fn kiosk_session(&self) -> &petition_core::kiosk::Session {
        &self.kiosk_session
    }

    /// In kiosk mode, refuses every petition but the citizen's own draft ([`kiosk_forbidden`]);
    /// on the desktop every petition of this data folder is the user's.
    ///
    /// [`kiosk_forbidden`]: petition_core::kiosk::KioskError::Forbidden
    pub fn require_own_draft(&self, id: &str) -> Result<(), CommandError> {
        if !self.is_kiosk() {
            return Ok(());
        }
        self.kiosk_session.check(id).map_err(|e| self.err(e.into()))
    }

    /// Refused unless the right PIN was given in the last ten minutes.
    pub fn require_admin(&self) -> Result<(), CommandError> {
        self.require_kiosk()?;
        if now_ms() < self.admin_until.load(Ordering::SeqCst) {
            Ok(())
        } else {
            Err(self.err(petition_core::kiosk::KioskError::AdminRequired.into()))
        }
    }

    pub fn unlock_admin(&self) {
        self.admin_until
            .store(now_ms().saturating_add(ADMIN_SESSION_MS), Ordering::SeqCst);
    }

    pub fn lock_admin(&self) {
        self.admin_until.store(0, Ordering::SeqCst);
    }

    pub fn allow_exit(&self) {
        self.exit_allowed.store(true, Ordering::SeqCst);
    }

    /// Whether the window may close: always, except in kiosk mode before the administrator
    /// chose to leave it.
    pub fn may_close(&self) -> bool {
        !self.is_kiosk() || self.exit_allowed.load(Ordering::SeqCst)
    }

    /// Converts a core error for the UI, in the current language.
    pub fn err(&self, e: petition_core::Error) -> CommandError {
        CommandError::from_core(&e, self.lang())
    }
}

//! What the shell keeps between commands: the store of the data directory (or why it could not
//! be opened), the lock that makes this the only app on that directory, and the UI language.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use petition_core::i18n::Lang;
use petition_core::paths::resolve_data_dir;
use petition_core::store::DataDirLock;
use petition_core::sync::{Engine, EngineConfig, SyncEvent};
use petition_core::{Error, Store};

use crate::error::CommandError;

/// The setting that remembers the UI language.
pub const LANGUAGE_SETTING: &str = "ui_language";

#[derive(Debug)]
pub struct AppState {
    store: Result<Store, CommandError>,
    /// The sync engine of the store, running in the background from start-up.
    engine: Option<Arc<Engine>>,
    lang: RwLock<Lang>,
    _lock: Option<DataDirLock>,
}

impl AppState {
    /// Locks the data directory and opens its store. Failure is kept, not raised: the window
    /// still opens and tells the user what happened and what to do.
    pub async fn open(explicit: Option<PathBuf>) -> AppState {
        let Some(dir) = resolve_data_dir(explicit) else {
            return AppState::failed(&Error::DataDir(std::io::Error::other(
                "the OS has no app-data directory",
            )));
        };
        let lock = match DataDirLock::acquire(&dir) {
            Ok(lock) => lock,
            Err(e) => return AppState::failed(&e),
        };
        match Store::open(&dir).await {
            Ok(store) => {
                let lang = store
                    .setting(LANGUAGE_SETTING)
                    .await
                    .ok()
                    .flatten()
                    .and_then(|tag| Lang::parse(&tag))
                    .unwrap_or_default();
                tracing::info!("data directory opened");
                let engine = Arc::new(Engine::new(store.clone(), EngineConfig::default()));
                AppState {
                    engine: Some(engine),
                    store: Ok(store),
                    lang: RwLock::new(lang),
                    _lock: Some(lock),
                }
            }
            Err(e) => AppState::failed(&e),
        }
    }

    fn failed(e: &Error) -> AppState {
        AppState {
            store: Err(CommandError::from_core(e, Lang::default())),
            engine: None,
            lang: RwLock::new(Lang::default()),
            _lock: None,
        }
    }

    pub fn lang(&self) -> Lang {
        self.lang.read().map(|l| *l).unwrap_or_default()
    }

    pub fn set_lang(&self, lang: Lang) {
        if let Ok(mut l) = self.lang.write() {
            *l = lang;
        }
    }

    /// The store, or the error that kept it from opening.
    pub fn store(&self) -> Result<&Store, CommandError> {
        self.store.as_ref().map_err(Clone::clone)
    }

    /// The sync engine, to start it running.
    pub fn engine(&self) -> Option<Arc<Engine>> {
        self.engine.clone()
    }

    /// "Sync now": wakes the engine from its wait.
    pub fn wake_sync(&self) {
        if let Some(engine) = &self.engine {
            engine.waker().wake();
        }
    }

    pub fn subscribe_sync(&self) -> Option<tokio::sync::broadcast::Receiver<SyncEvent>> {
        self.engine.as_ref().map(|e| e.subscribe())
    }

    /// Converts a core error for the UI, in the current language.
    pub fn err(&self, e: petition_core::Error) -> CommandError {
        CommandError::from_core(&e, self.lang())
    }
}

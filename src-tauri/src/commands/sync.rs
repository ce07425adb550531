use petition_core::sync::{Lookup, PetitionStatus, Step, StepRequest, SyncError, Tracked};
use petition_core::sync::{OutboxItem, Secret, SimilarPetition, SyncEvent};
use serde::{Deserialize, Serialize};
use tauri::State;
use tauri::ipc::Channel;

use crate::error::CommandError;
use crate::state::AppState;

type Res<T> = Result<T, CommandError>;

/// Where the app delivers petitions, and whether it has a token for it.
#[derive(Debug, Serialize, specta::Type)]
pub struct BureauInfo {
    pub bureau_url: Option<String>,
    pub signed_in: bool,
}

#[tauri::command]
#[specta::specta]
pub async fn bureau_info(state: State<'_, AppState>) -> Res<BureauInfo> {
    let store = state.store()?;
    let bureau_url = store
        .settings()
        .get(petition_core::sync::BUREAU_URL_SETTING)
        .await
        .map_err(|e| state.err(e))?
        .filter(|u| !u.is_empty());
    let signed_in = store.token().await.is_ok();
    Ok(BureauInfo {
        bureau_url,
        signed_in,
    })
}

/// Keeps the token (OS keyring, or the encrypted store in passphrase mode) and the address in
/// the settings, then wakes the engine.
#[tauri::command]
#[specta::specta]
pub async fn sign_in(
    state: State<'_, AppState>,
    bureau_url: String,
    token: String,
) -> Res<petition_core::sync::SignIn> {
    let token = Secret::new(token).map_err(|e| state.err(e.into()))?;
    let signed_in = state
        .store()?
        .sign_in(&bureau_url, token)
        .await
        .map_err(|e| state.err(e))?;
    state.wake_sync();
    Ok(signed_in)
}

/// Freezes a ready draft and puts it in the outbox, in one transaction; it goes out by itself.
#[tauri::command]
#[specta::specta]
pub async fn submit_petition(state: State<'_, AppState>, id: String) -> Res<OutboxItem> {
    let item = state
        .store()?
        .outbox()
        .submit(&id)
        .await
        .map_err(|e| state.err(e))?;
    state.wake_sync();
    Ok(item)
}

/// The citizen's pending petitions that look like this draft (the same place and category, a
/// very similar title or facts), asked before submitting: 第十九条 does not let a higher organ
/// take a matter already being handled.
#[tauri::command]
#[specta::specta]
pub async fn similar_petitions(
    state: State<'_, AppState>,
    id: String,
) -> Res<Vec<SimilarPetition>> {
    state
        .store()?
        .outbox()
        .similar_pending(&id)
        .await
        .map_err(|e| state.err(e))
}

#[tauri::command]
#[specta::specta]
pub async fn withdraw_petition(state: State<'_, AppState>, id: String) -> Res<()> {
    state
        .store()?
        .outbox()
        .withdraw(&id)
        .await
        .map_err(|e| state.err(e))
}

#[tauri::command]
#[specta::specta]
pub async fn list_outbox(state: State<'_, AppState>) -> Res<Vec<OutboxItem>> {
    state
        .store()?
        .outbox()
        .list()
        .await
        .map_err(|e| state.err(e))
}

#[tauri::command]
#[specta::specta]
pub async fn petition_status(state: State<'_, AppState>, id: String) -> Res<PetitionStatus> {
    state
        .store()?
        .outbox()
        .petition_status(&id)
        .await
        .map_err(|e| state.err(e))
}

/// 满意 / 基本满意 / 不满意, under the API's own names.
#[derive(Debug, Clone, Copy, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    Satisfied,
    BasicallySatisfied,
    Dissatisfied,
}

/// A step after delivery, as the outbox's buttons make it.
#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepInput {
    Evaluation {
        satisfaction: Satisfaction,
        comment: String,
    },
    Review {
        reason: String,
    },
    Recheck {
        reason: String,
    },
    Urge,
}

impl From<StepInput> for StepRequest {
    fn from(input: StepInput) -> StepRequest {
        use petition_core::sync::steps::Satisfaction as Api;
        match input {
            StepInput::Evaluation {
                satisfaction,
                comment,
            } => StepRequest::Evaluation {
                satisfaction: match satisfaction {
                    Satisfaction::Satisfied => Api::Satisfied,
                    Satisfaction::BasicallySatisfied => Api::BasicallySatisfied,
                    Satisfaction::Dissatisfied => Api::Dissatisfied,
                },
                comment,
            },
            StepInput::Review { reason } => StepRequest::Review { reason },
            StepInput::Recheck { reason } => StepRequest::Recheck { reason },
            StepInput::Urge => StepRequest::Urge,
        }
    }
}

/// Rates, asks for a 复查 or 复核, or urges: the step is kept in the outbox under its own key and
/// sent at once when the bureau is reachable (else it waits, and goes once with the engine). The
/// step as it stands: sent, refused with the bureau's reason, or waiting.
#[tauri::command]
#[specta::specta]
pub async fn take_step(state: State<'_, AppState>, id: String, step: StepInput) -> Res<Step> {
    let store = state.store()?;
    let queued = store
        .outbox()
        .queue_step(&id, &step.into())
        .await
        .map_err(|e| state.err(e))?;
    let engine = petition_core::sync::Engine::new(store.clone(), Default::default());
    if let Err(e) = engine.send_steps_now().await {
        // Not signed in, or a locked keyring: the step waits for the engine.
        tracing::info!(error = e.code(), "a step could not be sent now; it waits");
        state.wake_sync();
    }
    store
        .outbox()
        .step(&queued.key)
        .await
        .map_err(|e| state.err(e))
}

/// The wallet: follows a petition made elsewhere by its 查询码 and the petitioner's mobile
/// number (a citizen's account signed in); its local id. When the bureau cannot be reached the
/// pair waits (`waiting`), and the sync engine asks for it when it can.
#[tauri::command]
#[specta::specta]
pub async fn track_petition(
    state: State<'_, AppState>,
    tracking_code: String,
    phone: String,
) -> Res<Tracked> {
    let tracked = state
        .store()?
        .track(&tracking_code, &phone)
        .await
        .map_err(|e| state.err(e))?;
    if tracked.waiting {
        state.wake_sync();
    }
    Ok(tracked)
}

/// The 查询码 kept without a network that the bureau has not found (yet): waiting, or not
/// taken with the bureau's answer (in the UI's language).
#[tauri::command]
#[specta::specta]
pub async fn list_lookups(state: State<'_, AppState>) -> Res<Vec<Lookup>> {
    let mut lookups = state
        .store()?
        .outbox()
        .lookups()
        .await
        .map_err(|e| state.err(e))?;
    for error in lookups.iter_mut().filter_map(|l| l.error.as_mut()) {
        error.message = petition_core::i18n::one_language(&error.message, state.lang()).to_owned();
    }
    Ok(lookups)
}

/// Gives up a 查询码 that waits or was not taken.
#[tauri::command]
#[specta::specta]
pub async fn forget_lookup(state: State<'_, AppState>, key: String) -> Res<()> {
    state
        .store()?
        .outbox()
        .forget_lookup(&key)
        .await
        .map_err(|e| state.err(e))
}

/// Tries an item that needs attention again, now.
#[tauri::command]
#[specta::specta]
pub async fn retry_outbox(state: State<'_, AppState>, id: String) -> Res<()> {
    state
        .store()?
        .outbox()
        .retry(&id)
        .await
        .map_err(|e| state.err(e))?;
    state.wake_sync();
    Ok(())
}

/// Streams the engine's events (progress, deliveries, status changes) to the UI until the
/// window goes away.
#[tauri::command]
#[specta::specta]
pub fn watch_sync(state: State<'_, AppState>, on_event: Channel<SyncEvent>) -> Res<()> {
    let Some(mut events) = state.subscribe_sync() else {
        return Err(state.err(SyncError::NoBureau.into()));
    };
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => {
                    if on_event.send(event).is_err() {
                        break;
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
    state.wake_sync();
    Ok(())
}

/// "Sync now": sends what waits (backing-off items too) and fetches the bureau's news at once.
#[tauri::command]
#[specta::specta]
pub async fn sync_now(state: State<'_, AppState>) -> Res<()> {
    state
        .store()?
        .outbox()
        .due_now()
        .await
        .map_err(|e| state.err(e))?;
    state.wake_sync();
    Ok(())
}

use petition_core::sync::{OutboxItem, Secret, SimilarPetition, SyncEvent};
use petition_core::sync::{PetitionStatus, SyncError};
use serde::Serialize;
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

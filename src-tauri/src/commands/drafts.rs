use petition_core::validate::Problem;
use petition_core::{Field, Petition, PetitionSummary};
use tauri::State;

use crate::error::CommandError;
use crate::state::AppState;

type Res<T> = Result<T, CommandError>;

#[tauri::command]
#[specta::specta]
pub async fn list_drafts(state: State<'_, AppState>) -> Res<Vec<PetitionSummary>> {
    state
        .store()?
        .drafts()
        .list()
        .await
        .map_err(|e| state.err(e))
}

#[tauri::command]
#[specta::specta]
pub async fn list_trash(state: State<'_, AppState>) -> Res<Vec<PetitionSummary>> {
    state
        .store()?
        .drafts()
        .list_trash()
        .await
        .map_err(|e| state.err(e))
}

#[tauri::command]
#[specta::specta]
pub async fn search_drafts(state: State<'_, AppState>, query: String) -> Res<Vec<PetitionSummary>> {
    state
        .store()?
        .drafts()
        .search(&query)
        .await
        .map_err(|e| state.err(e))
}

#[tauri::command]
#[specta::specta]
pub async fn create_draft(state: State<'_, AppState>) -> Res<Petition> {
    state
        .store()?
        .drafts()
        .create(&[])
        .await
        .map_err(|e| state.err(e))
}

#[tauri::command]
#[specta::specta]
pub async fn get_draft(state: State<'_, AppState>, id: String) -> Res<Petition> {
    state
        .store()?
        .drafts()
        .get(&id)
        .await
        .map_err(|e| state.err(e))
}

/// Saves one field durably; returns the new `updated_at`.
#[tauri::command]
#[specta::specta]
pub async fn update_field(
    state: State<'_, AppState>,
    id: String,
    field: Field,
    value: String,
) -> Res<String> {
    state.require_own_draft(&id)?;
    state
        .store()?
        .drafts()
        .update_field(&id, field, &value)
        .await
        .map_err(|e| state.err(e))
}

#[tauri::command]
#[specta::specta]
pub async fn check_draft(state: State<'_, AppState>, id: String) -> Res<Vec<Problem>> {
    state.require_own_draft(&id)?;
    state
        .store()?
        .drafts()
        .check(&id)
        .await
        .map_err(|e| state.err(e))
}

/// The fields the bureau refused when it sent this petition back to the drafts (a place or
/// category its catalogue no longer has), each until the citizen changes it.
#[tauri::command]
#[specta::specta]
pub async fn returned_fields(state: State<'_, AppState>, id: String) -> Res<Vec<Problem>> {
    state.require_own_draft(&id)?;
    state
        .store()?
        .drafts()
        .returned(&id)
        .await
        .map_err(|e| state.err(e))
}

#[tauri::command]
#[specta::specta]
pub async fn trash_draft(state: State<'_, AppState>, id: String) -> Res<()> {
    state
        .store()?
        .drafts()
        .trash(&id)
        .await
        .map_err(|e| state.err(e))
}

#[tauri::command]
#[specta::specta]
pub async fn restore_draft(state: State<'_, AppState>, id: String) -> Res<()> {
    state
        .store()?
        .drafts()
        .restore(&id)
        .await
        .map_err(|e| state.err(e))
}

#[tauri::command]
#[specta::specta]
pub async fn delete_draft(state: State<'_, AppState>, id: String) -> Res<()> {
    state
        .store()?
        .drafts()
        .delete_forever(&id)
        .await
        .map_err(|e| state.err(e))
}

#[tauri::command]
#[specta::specta]
pub async fn duplicate_draft(state: State<'_, AppState>, id: String) -> Res<Petition> {
    state
        .store()?
        .drafts()
        .duplicate(&id)
        .await
        .map_err(|e| state.err(e))
}

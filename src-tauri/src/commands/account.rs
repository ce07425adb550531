//! The citizen's account at the bureau (注册 / 登录 by a mobile number and a texted code, 退出登录,
//! 注销账号). Desktop only: a kiosk keeps its own token and never asks a citizen to register
//! (these commands are not on the kiosk's list).
//!
//! The bureau is the administrator's (`PETITION_BUREAU_URL` in the app's environment), else the
//! one signed in to last, else the build's default; a citizen never types an address.

use petition_core::sync::account::CodePurpose;
use petition_core::sync::{AccountSignedIn, AccountStatus};
use serde::Serialize;
use tauri::State;

use crate::error::CommandError;
use crate::state::AppState;

type Res<T> = Result<T, CommandError>;

/// The environment variable an administrator sets to name the bureau (as for `petitionctl`).
const BUREAU_URL_ENV: &str = "PETITION_BUREAU_URL";

/// A code is on its way to the phone.
#[derive(Debug, Serialize, specta::Type)]
pub struct CodeAsked {
    /// Seconds the code works.
    pub expires_in: u32,
    /// Seconds before another code can be asked for.
    pub resend_after: u32,
}

#[tauri::command]
#[specta::specta]
pub async fn account_status(state: State<'_, AppState>) -> Res<AccountStatus> {
    state
        .store()?
        .account_status()
        .await
        .map_err(|e| state.err(e))
}

/// 获取验证码: for a sign-up (`sign_up`, with the name and ID number, checked like the form's) or a
/// sign-in. Nothing the citizen typed is lost on a refusal: the UI keeps its fields.
#[tauri::command]
#[specta::specta]
pub async fn ask_code(
    state: State<'_, AppState>,
    sign_up: bool,
    phone: String,
    name: String,
    id_number: String,
) -> Res<CodeAsked> {
    let store = state.store()?;
    let given = std::env::var(BUREAU_URL_ENV).ok();
    let url = store
        .account_bureau(given.as_deref())
        .await
        .map_err(|e| state.err(e))?;
    let purpose = if sign_up {
        CodePurpose::SignUp
    } else {
        CodePurpose::SignIn
    };
    let sent = store
        .ask_code(&url, &phone, purpose, &name, &id_number)
        .await
        .map_err(|e| state.err(e))?;
    Ok(CodeAsked {
        expires_in: u32::try_from(sent.expires_in).unwrap_or(u32::MAX),
        resend_after: u32::try_from(sent.resend_after).unwrap_or(u32::MAX),
    })
}

/// 登录 with the code read from the text message; the account's petitions then come down.
#[tauri::command]
#[specta::specta]
pub async fn verify_code(state: State<'_, AppState>, code: String) -> Res<AccountSignedIn> {
    let signed = state
        .store()?
        .verify_code(&code)
        .await
        .map_err(|e| state.err(e))?;
    state.wake_sync();
    Ok(signed)
}

/// 退出登录; with `forget_delivered` this machine's copies of the account's delivered petitions go
/// too. Drafts stay.
#[tauri::command]
#[specta::specta]
pub async fn sign_out(state: State<'_, AppState>, forget_delivered: bool) -> Res<()> {
    state
        .store()?
        .sign_out(forget_delivered)
        .await
        .map_err(|e| state.err(e))
}

/// 注销账号 (the UI asks first).
#[tauri::command]
#[specta::specta]
pub async fn delete_account(state: State<'_, AppState>) -> Res<()> {
    state
        .store()?
        .delete_account()
        .await
        .map_err(|e| state.err(e))
}

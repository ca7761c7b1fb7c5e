//! The commands the web view may invoke. Each one is thin: arguments in, one call into the app state
//! or the client, a serializable answer or [`AppError`] out. No rules live here.

use crate::error::AppError;
use crate::state::AppState;
use crate::view::{LiveView, Settings, SettingsView};
use breakout_core::Command;
use tauri::{AppHandle, State};

/// The session the app is in, if any (the UI asks on load).
#[tauri::command]
pub async fn get_view(state: State<'_, AppState>) -> Result<Option<LiveView>, AppError> {
    Ok(state.live().await.map(|live| live.view()))
}

/// The preferences and what overrides them.
#[tauri::command]
pub fn get_settings(state: State<'_, AppState>) -> SettingsView {
    state.settings().view()
}

/// Store new preferences; a bad endpoint address is refused and nothing changes.
#[tauri::command]
pub fn save_settings(
    state: State<'_, AppState>,
    settings: Settings,
) -> Result<SettingsView, AppError> {
    state.settings().save(settings)?;
    Ok(state.settings().view())
}

/// Start a session as its moderator.
#[tauri::command]
pub async fn start_session(
    app: AppHandle,
    state: State<'_, AppState>,
    title: String,
    name: String,
) -> Result<LiveView, AppError> {
    state.start_session(app, &title, &name).await
}

/// Join a session through an invite link.
#[tauri::command]
pub async fn join_session(
    app: AppHandle,
    state: State<'_, AppState>,
    link: String,
    name: String,
) -> Result<LiveView, AppError> {
    state.join_session(app, &link, &name).await
}

/// Send a command to the session; the answer is the session version it reached.
#[tauri::command]
pub async fn send(state: State<'_, AppState>, command: Command) -> Result<u64, AppError> {
    let live = state.require_live().await?;
    Ok(live.client().send(command).await?)
}

/// Leave the session.
#[tauri::command]
pub async fn leave_session(state: State<'_, AppState>) -> Result<(), AppError> {
    state.leave().await;
    Ok(())
}

/// The invite link the app was launched with (a clicked `breakout://` link), once.
#[tauri::command]
pub async fn take_launch_invite(state: State<'_, AppState>) -> Result<Option<String>, AppError> {
    Ok(state.take_launch_invite().await)
}

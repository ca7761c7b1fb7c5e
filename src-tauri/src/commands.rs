//! The commands the web view may invoke. Each one is thin: arguments in, one call into the app state
//! or the client, a serializable answer or [`AppError`] out. No rules live here.

use crate::error::AppError;
use crate::library::Library;
use crate::state::AppState;
use crate::transfers::Transfers;
use crate::view::{ApplyReport, LibraryView, LiveView, Settings, SettingsView, Transfer};
use crate::{apply_plan, dialogs, documents};
use breakout_core::plan::RoomPlan;
use breakout_core::{Command, DocumentId};
use std::path::Path;
use std::sync::Arc;
use tauri::{AppHandle, Emitter, Manager, State, Wry};
use tauri_plugin_opener::OpenerExt;

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

/// Store new preferences; a bad endpoint address or CA file is refused and nothing changes.
/// `create_key`: a new key for creating sessions on the hosted endpoint (`""` removes it; absent
/// keeps the stored one).
#[tauri::command]
pub fn save_settings(
    state: State<'_, AppState>,
    settings: Settings,
    create_key: Option<String>,
) -> Result<SettingsView, AppError> {
    let store = state.settings();
    let previous = store.load();
    store.save(settings)?;
    if let Some(key) = create_key {
        if let Err(e) = store.save_create_key(&key) {
            // All or nothing: the preferences go back to what they were.
            let _ = store.save(previous);
            return Err(e);
        }
    }
    Ok(store.view())
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

/// Replace the session's join codes (staff); the web view gets the view holding the new invite
/// links at once (as the answer and as a `view` event).
#[tauri::command]
pub async fn rotate_codes(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<LiveView, AppError> {
    let live = state.require_live().await?;
    let view = live.rotate_codes().await?;
    let _ = app.emit(crate::view::VIEW_EVENT, view.clone());
    Ok(view)
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

/// Pick files in the native dialog and upload them to the session library.
#[tauri::command]
pub async fn upload_documents(
    app: AppHandle,
    state: State<'_, AppState>,
    transfers: State<'_, Arc<Transfers<Wry>>>,
) -> Result<Vec<Transfer>, AppError> {
    let live = state.require_live().await?;
    let paths = dialogs::pick_files(&app).await;
    Ok(paths
        .into_iter()
        .map(|path| transfers.upload(live.api(), live.credentials().clone(), path))
        .collect())
}

/// Upload files of the local library, by name.
#[tauri::command]
pub async fn upload_library_files(
    state: State<'_, AppState>,
    library: State<'_, Arc<Library<Wry>>>,
    transfers: State<'_, Arc<Transfers<Wry>>>,
    names: Vec<String>,
) -> Result<Vec<Transfer>, AppError> {
    let live = state.require_live().await?;
    let paths = names
        .iter()
        .map(|name| {
            library
                .path_of(name)
                .ok_or_else(|| AppError::new("not_found", format!("{name} is not in the library")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(paths
        .into_iter()
        .map(|path| transfers.upload(live.api(), live.credentials().clone(), path))
        .collect())
}

/// Stop an upload or download.
#[tauri::command]
pub fn cancel_transfer(transfers: State<'_, Arc<Transfers<Wry>>>, id: u64) {
    transfers.cancel(id);
}

/// Every upload and download of this run.
#[tauri::command]
pub fn get_transfers(transfers: State<'_, Arc<Transfers<Wry>>>) -> Vec<Transfer> {
    transfers.list()
}

/// Download a document (verified) into the cache and open it with the system viewer.
#[tauri::command]
pub async fn open_document(
    app: AppHandle,
    state: State<'_, AppState>,
    transfers: State<'_, Arc<Transfers<Wry>>>,
    document: DocumentId,
) -> Result<(), AppError> {
    let live = state.require_live().await?;
    let document = documents::visible(&live, &document)?;
    let cache = app
        .path()
        .app_cache_dir()
        .map_err(|e| AppError::new("storage", e.to_string()))?;
    let path = documents::cached(&live, &transfers, &cache, &document).await?;
    app.opener()
        .open_path(path.to_string_lossy(), None::<&str>)
        .map_err(|e| AppError::new("open", format!("cannot open {}: {e}", document.name)))
}

/// Download a document to a place the user picks; answers that path, or None if they cancelled.
#[tauri::command]
pub async fn save_document(
    app: AppHandle,
    state: State<'_, AppState>,
    transfers: State<'_, Arc<Transfers<Wry>>>,
    document: DocumentId,
) -> Result<Option<String>, AppError> {
    let live = state.require_live().await?;
    let document = documents::visible(&live, &document)?;
    let Some(target) = dialogs::save_as(&app, document.name.clone()).await else {
        return Ok(None);
    };
    transfers
        .download(&live.api(), live.credentials(), &document, &target)
        .await?;
    Ok(Some(target.display().to_string()))
}

/// The local library.
#[tauri::command]
pub fn get_library(library: State<'_, Arc<Library<Wry>>>) -> LibraryView {
    library.view()
}

/// Watch another library folder (it must exist); remembered in the settings.
#[tauri::command]
pub fn set_library_folder(
    state: State<'_, AppState>,
    library: State<'_, Arc<Library<Wry>>>,
    folder: String,
) -> Result<LibraryView, AppError> {
    let view = library.set_folder(Path::new(folder.trim()))?;
    let settings = state.settings().load();
    state.settings().save(Settings {
        library_folder: Some(view.folder.clone()),
        ..settings
    })?;
    Ok(view)
}

/// Pick the library folder in the native dialog.
#[tauri::command]
pub async fn choose_library_folder(
    app: AppHandle,
    state: State<'_, AppState>,
    library: State<'_, Arc<Library<Wry>>>,
) -> Result<LibraryView, AppError> {
    match dialogs::pick_folder(&app).await {
        Some(folder) => set_library_folder(state, library, folder.display().to_string()),
        None => Ok(library.view()),
    }
}

/// The stored room plan.
#[tauri::command]
pub fn get_plan(state: State<'_, AppState>) -> RoomPlan {
    state.settings().plan()
}

/// Store a room plan; a bad one is refused with the reason and nothing changes.
#[tauri::command]
pub fn save_plan(state: State<'_, AppState>, plan: RoomPlan) -> Result<RoomPlan, AppError> {
    state.settings().save_plan(&plan)
}

/// Merge `name,room` lines into the stored plan and store it.
#[tauri::command]
pub fn import_plan_csv(state: State<'_, AppState>, text: String) -> Result<RoomPlan, AppError> {
    let merged = state.settings().plan().with_csv(&text)?;
    state.settings().save_plan(&merged)
}

/// Apply the stored plan to the session.
#[tauri::command]
pub async fn apply_plan(
    state: State<'_, AppState>,
    library: State<'_, Arc<Library<Wry>>>,
    transfers: State<'_, Arc<Transfers<Wry>>>,
) -> Result<ApplyReport, AppError> {
    let live = state.require_live().await?;
    let plan = state.settings().plan();
    apply_plan::apply_plan(&live, &library, &transfers, &plan).await
}

/// The UI painted its first frame at `at_ms` (Unix ms); answers milliseconds since the app started.
#[tauri::command]
pub fn report_first_paint(at_ms: f64) -> f64 {
    crate::startup::since_start(at_ms)
}

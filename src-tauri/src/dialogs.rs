//! Native file dialogs (rfd, GTK on Linux), opened from the Rust side on the UI thread — the web view
//! never touches the file system. `BREAKOUT_PICK_FILES` (paths separated like PATH) answers the
//! open-files dialog instead, so tests and scripts need no human.

use std::path::PathBuf;
use tauri::{AppHandle, Runtime};
use tokio::sync::oneshot;

/// Environment variable that stands in for the open-files dialog.
pub const PICK_FILES_VAR: &str = "BREAKOUT_PICK_FILES";

/// Let the user pick files to upload (none if they cancel).
pub async fn pick_files<R: Runtime>(app: &AppHandle<R>) -> Vec<PathBuf> {
    if let Some(paths) = std::env::var_os(PICK_FILES_VAR) {
        return std::env::split_paths(&paths).collect();
    }
    on_ui_thread(app, || {
        rfd::FileDialog::new()
            .set_title("Upload documents")
            .pick_files()
            .unwrap_or_default()
    })
    .await
    .unwrap_or_default()
}

/// Let the user pick a folder.
pub async fn pick_folder<R: Runtime>(app: &AppHandle<R>) -> Option<PathBuf> {
    on_ui_thread(app, || {
        rfd::FileDialog::new()
            .set_title("Library folder")
            .pick_folder()
    })
    .await
    .flatten()
}

/// Ask where to save a file called `name`.
pub async fn save_as<R: Runtime>(app: &AppHandle<R>, name: String) -> Option<PathBuf> {
    on_ui_thread(app, move || {
        rfd::FileDialog::new()
            .set_title("Save document")
            .set_file_name(name)
            .save_file()
    })
    .await
    .flatten()
}

/// Run a (modal) dialog on the UI thread and wait for its answer.
async fn on_ui_thread<R: Runtime, T: Send + 'static>(
    app: &AppHandle<R>,
    dialog: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (answer, answered) = oneshot::channel();
    app.run_on_main_thread(move || {
        let _ = answer.send(dialog());
    })
    .ok()?;
    answered.await.ok()
}

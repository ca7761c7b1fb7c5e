//! The Breakout desktop app: a thin Tauri shell over breakout-client (the session), breakout-server
//! (the embedded endpoint) and breakout-core (the rules). The web view in `ui/` renders [`LiveView`]s
//! and sends intents through the commands in [`commands`]; it never opens sockets or files itself.

mod apply_plan;
mod commands;
mod dialogs;
mod documents;
mod embedded;
mod error;
mod json_file;
mod library;
mod live;
mod notify;
mod settings;
mod startup;
mod state;
mod transfers;
mod view;

pub use error::AppError;
pub use settings::{DATA_DIR_VAR, ENDPOINT_VAR};
pub use view::{ApplyReport, Invites, LibraryView, LiveView, Settings, SettingsView, Transfer};

use library::Library;
use settings::SettingsStore;
use state::AppState;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tauri::{AppHandle, DragDropEvent, Emitter, Manager, RunEvent, Runtime, WindowEvent, Wry};
use tauri_plugin_deep_link::DeepLinkExt;
use transfers::Transfers;
use view::INVITE_EVENT;

/// Build and run the app until its last window closes.
pub fn run() {
    startup::mark_start();
    let context = tauri::generate_context!();
    let data_dir_override = std::env::var_os(DATA_DIR_VAR).map(PathBuf::from);
    let mut single_instance =
        tauri_plugin_single_instance::Builder::new().callback(|app, _argv, _cwd| show_main(app));
    if let Some(dir) = &data_dir_override {
        // One running app per data directory: separate profiles may run side by side.
        single_instance = single_instance.dbus_id(instance_id(&context.config().identifier, dir));
    }
    let app = tauri::Builder::default()
        // A native menu with Edit (cut, copy, paste, select all): WebKitGTK inputs have no shortcuts
        // without one.
        .menu(tauri::menu::Menu::default)
        .plugin(single_instance.build())
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .setup(move |app| {
            let data_dir = match data_dir_override {
                Some(dir) => dir,
                None => app.path().app_data_dir()?,
            };
            let settings = SettingsStore::open(data_dir)?;
            let folder = settings.library_folder(app.path().document_dir().ok());
            app.manage(Library::start(app.handle().clone(), folder));
            app.manage(Transfers::new(app.handle().clone()));
            app.manage(AppState::new(settings));
            forward_invite_links(app.handle());
            Ok(())
        })
        .on_window_event(|window, event| {
            if let WindowEvent::DragDrop(DragDropEvent::Drop { paths, .. }) = event {
                tauri::async_runtime::spawn(dropped_files(
                    window.app_handle().clone(),
                    paths.clone(),
                ));
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::get_view,
            commands::get_settings,
            commands::save_settings,
            commands::start_session,
            commands::join_session,
            commands::send,
            commands::leave_session,
            commands::rotate_codes,
            commands::take_launch_invite,
            commands::upload_documents,
            commands::upload_library_files,
            commands::cancel_transfer,
            commands::get_transfers,
            commands::open_document,
            commands::save_document,
            commands::get_library,
            commands::set_library_folder,
            commands::choose_library_folder,
            commands::get_plan,
            commands::save_plan,
            commands::import_plan_csv,
            commands::apply_plan,
            commands::report_first_paint,
        ])
        .build(context)
        .expect("the app's configuration is valid");
    app.run(|app, event| {
        if let RunEvent::Exit = event {
            tauri::async_runtime::block_on(app.state::<AppState>().shut_down());
        }
    });
}

/// Hand `breakout://` links the OS opens us with to the web view; keep the one we were launched with
/// until the UI asks for it.
fn forward_invite_links<R: Runtime>(app: &AppHandle<R>) {
    let deep_link = app.deep_link();
    #[cfg(any(target_os = "linux", target_os = "windows"))]
    if let Err(error) = deep_link.register_all() {
        eprintln!("breakout: cannot register the breakout:// scheme: {error}");
    }
    if let Ok(Some(urls)) = deep_link.get_current() {
        if let Some(url) = urls.first() {
            app.state::<AppState>().set_launch_invite(url.to_string());
        }
    }
    let handle = app.clone();
    deep_link.on_open_url(move |event| {
        for url in event.urls() {
            let _ = handle.emit(INVITE_EVENT, url.to_string());
        }
        show_main(&handle);
    });
}

/// Files dropped from the OS onto the window: uploaded to the session when in one, otherwise copied
/// into the local library (offline preparation).
async fn dropped_files(app: AppHandle<Wry>, paths: Vec<PathBuf>) {
    let files = paths.into_iter().filter(|p| p.is_file());
    match app.state::<AppState>().live().await {
        Some(live) => {
            let transfers = app.state::<Arc<Transfers<Wry>>>();
            for path in files {
                transfers.upload(live.api(), live.credentials().clone(), path);
            }
        }
        None => {
            let folder = PathBuf::from(app.state::<Arc<Library<Wry>>>().view().folder);
            for path in files {
                if let Some(name) = path.file_name() {
                    if let Err(error) = std::fs::copy(&path, folder.join(name)) {
                        eprintln!(
                            "breakout: cannot add {} to the library: {error}",
                            path.display()
                        );
                    }
                }
            }
        }
    }
}

fn show_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// A D-Bus-safe instance name for `identifier` plus a data directory (FNV-1a of its path).
fn instance_id(identifier: &str, data_dir: &Path) -> String {
    let hash = data_dir
        .to_string_lossy()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("{identifier}.p{hash:016x}")
}

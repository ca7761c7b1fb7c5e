//! The local document library: a folder on this computer, watched with `notify`, so files added,
//! changed or removed there show up in the app at once — with no session and no endpoint. Each file
//! is hashed (SHA-256, cached by size and modification time) so applying a plan uploads only what
//! the session does not have yet.

use crate::error::AppError;
use crate::view::{LibraryFile, LibraryView, LIBRARY_EVENT};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tauri::{AppHandle, Emitter, Runtime};

/// Changes arriving within this window are read as one.
const SETTLE: Duration = Duration::from_millis(150);

/// The watched library folder and what it holds.
pub struct Library<R: Runtime> {
    app: AppHandle<R>,
    state: Mutex<State>,
    rescan: mpsc::Sender<()>,
}

struct State {
    folder: PathBuf,
    view: LibraryView,
    watcher: Option<RecommendedWatcher>,
    /// Why the folder is not watched, kept across readings of it.
    watch_error: Option<String>,
    /// Readings of the folder started so far; each reading's view takes the count as its revision.
    scans: u64,
    hashes: HashMap<(String, u64, SystemTime), String>,
}

impl<R: Runtime> Library<R> {
    /// Watch `folder` (created if missing) and report changes to `app`.
    pub fn start(app: AppHandle<R>, folder: PathBuf) -> Arc<Library<R>> {
        let _ = std::fs::create_dir_all(&folder);
        let (rescan, requests) = mpsc::channel();
        let library = Arc::new(Library {
            app,
            state: Mutex::new(State {
                view: empty_view(&folder),
                folder,
                watcher: None,
                watch_error: None,
                scans: 0,
                hashes: HashMap::new(),
            }),
            rescan,
        });
        let weak = Arc::downgrade(&library);
        std::thread::spawn(move || {
            while requests.recv().is_ok() {
                while requests.recv_timeout(SETTLE).is_ok() {}
                match weak.upgrade() {
                    Some(library) => library.scan(),
                    None => return,
                }
            }
        });
        library.watch();
        library.scan();
        library
    }

    /// The library as it is now.
    pub fn view(&self) -> LibraryView {
        self.state.lock().expect("not poisoned").view.clone()
    }

    /// Watch another folder instead; it must exist.
    pub fn set_folder(&self, folder: &Path) -> Result<LibraryView, AppError> {
        if !folder.is_dir() {
            return Err(AppError::new(
                "invalid",
                format!("{} is not a folder", folder.display()),
            ));
        }
        self.state.lock().expect("not poisoned").folder = folder.to_path_buf();
        self.watch();
        self.scan();
        Ok(self.view())
    }

    /// The path of the library file called `name`, if there is one.
    pub fn path_of(&self, name: &str) -> Option<PathBuf> {
        let state = self.state.lock().expect("not poisoned");
        state
            .view
            .files
            .iter()
            .any(|f| f.name == name)
            .then(|| state.folder.join(name))
    }

    fn watch(&self) {
        let rescan = self.rescan.clone();
        let mut state = self.state.lock().expect("not poisoned");
        state.watcher = None;
        let watcher = notify::recommended_watcher(move |_event| {
            let _ = rescan.send(());
        })
        .and_then(|mut watcher| {
            watcher.watch(&state.folder, RecursiveMode::NonRecursive)?;
            Ok(watcher)
        });
        state.watch_error = match watcher {
            Ok(watcher) => {
                state.watcher = Some(watcher);
                None
            }
            Err(error) => Some(format!("cannot watch the folder for changes: {error}")),
        };
    }

    /// Read the folder again, hashing new or changed files, and tell the UI. Readings may overlap
    /// (the watcher's thread and a command): one that started earlier never replaces a later one.
    fn scan(&self) {
        let (folder, mut hashes, revision) = {
            let mut state = self.state.lock().expect("not poisoned");
            state.scans += 1;
            let hashes = std::mem::take(&mut state.hashes);
            (state.folder.clone(), hashes, state.scans)
        };
        let mut view = read_folder(&folder, &mut hashes);
        view.revision = revision;
        {
            let mut state = self.state.lock().expect("not poisoned");
            if state.folder != folder || state.view.revision > revision {
                return; // the folder changed, or a later reading finished first
            }
            if view.error.is_none() {
                view.error = state.watch_error.clone();
            }
            state.hashes = hashes;
            state.view = view.clone();
        }
        let _ = self.app.emit(LIBRARY_EVENT, view);
    }
}

fn empty_view(folder: &Path) -> LibraryView {
    LibraryView {
        folder: folder.display().to_string(),
        files: vec![],
        error: None,
        revision: 0,
    }
}

fn read_folder(
    folder: &Path,
    hashes: &mut HashMap<(String, u64, SystemTime), String>,
) -> LibraryView {
    let mut view = empty_view(folder);
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(error) => {
            view.error = Some(format!("cannot read {}: {error}", folder.display()));
            return view;
        }
    };
    let mut fresh = HashMap::new();
    for entry in entries.flatten() {
        let Ok(meta) = entry.metadata() else { continue };
        let name = entry.file_name().to_string_lossy().into_owned();
        if !meta.is_file() || name.starts_with('.') || name.ends_with(".part") {
            continue;
        }
        let key = (
            name.clone(),
            meta.len(),
            meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
        );
        let sha256 = match hashes.remove(&key) {
            Some(known) => known,
            None => match tauri::async_runtime::block_on(breakout_client::sha256_of(&entry.path()))
            {
                Ok(hash) => hash,
                Err(_) => continue, // vanished or unreadable mid-scan; the next event rescans
            },
        };
        fresh.insert(key, sha256.clone());
        view.files.push(LibraryFile {
            name,
            size: meta.len(),
            sha256,
        });
    }
    *hashes = fresh;
    view.files.sort_by(|a, b| a.name.cmp(&b.name));
    view
}

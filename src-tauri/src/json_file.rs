//! Small JSON files in the data directory (settings, the room plan), written whole to a temporary
//! file and renamed into place, so a crash never leaves half a file.

use crate::error::AppError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::Path;

/// The value stored at `path`, or None when there is none or it cannot be read.
pub fn read<T: DeserializeOwned>(path: &Path) -> Option<T> {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
}

/// Store `value` at `path`.
pub fn write<T: Serialize>(path: &Path, value: &T) -> Result<(), AppError> {
    let bytes = serde_json::to_vec_pretty(value).expect("app files serialize");
    let temporary = path.with_extension("json.tmp");
    std::fs::write(&temporary, bytes)
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|e| AppError::new("storage", format!("cannot save {}: {e}", path.display())))
}

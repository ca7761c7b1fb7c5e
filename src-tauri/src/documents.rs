//! Opening and saving session documents: a document is downloaded (with progress, SHA-256 verified)
//! into the app's cache, reused from there while its bytes match, and handed to the system viewer.

use crate::error::AppError;
use crate::live::Live;
use crate::transfers::Transfers;
use breakout_core::{Document, DocumentId};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tauri::Runtime;

/// The document `id` as this participant sees it; a document not shared with their room is unknown.
pub fn visible(live: &Live, id: &DocumentId) -> Result<Document, AppError> {
    live.client()
        .snapshot()
        .documents
        .iter()
        .find(|d| d.id == *id)
        .cloned()
        .ok_or_else(|| AppError::new("not_found", "this document is not shared with your room"))
}

/// Download `document` into `cache` (unless a verified copy is there) and return its path.
pub async fn cached<R: Runtime>(
    live: &Live,
    transfers: &Arc<Transfers<R>>,
    cache: &Path,
    document: &Document,
) -> Result<PathBuf, AppError> {
    let folder = cache
        .join(&live.credentials().session.0)
        .join(&document.sha256);
    let target = folder.join(safe_name(&document.name));
    if let Ok(hash) = breakout_client::sha256_of(&target).await {
        if hash == document.sha256 {
            return Ok(target);
        }
    }
    tokio::fs::create_dir_all(&folder)
        .await
        .map_err(|e| AppError::new("storage", format!("cannot create the cache: {e}")))?;
    transfers
        .download(&live.api(), live.credentials(), document, &target)
        .await?;
    Ok(target)
}

/// A document name as a plain file name (no folders, nothing hidden).
fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | '\0') {
                '_'
            } else {
                c
            }
        })
        .collect();
    match cleaned.trim_start_matches('.') {
        "" => "document".to_owned(),
        rest => rest.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_name;

    #[test]
    fn names_cannot_escape_the_cache_folder() {
        assert_eq!(safe_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_name(".hidden"), "hidden");
        assert_eq!(safe_name(".."), "document");
        assert_eq!(safe_name("Slides v2.pdf"), "Slides v2.pdf");
    }
}

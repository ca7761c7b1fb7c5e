//! The UI's TypeScript types are generated from the Rust types, never written by hand: the protocol
//! (breakout-core), the client's connection state and notices, and the desktop app's views. This
//! test regenerates them into a scratch folder and fails when `ui/src/generated/` differs, so stale
//! bindings cannot land. To refresh them: `BREAKOUT_UPDATE_BINDINGS=1 cargo test --test bindings`.

use breakout_app::{AppError, ApplyReport, LibraryView, LiveView, SettingsView, Transfer};
use breakout_client::Notice;
use breakout_core::plan::RoomPlan;
use breakout_core::protocol::{
    ApiError, ClientMessage, CreateSessionRequest, CreateSessionResponse, JoinRequest,
    JoinResponse, ServerMessage,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use ts_rs::{Config, TS};

fn generate_into(dir: &Path) {
    let cfg = Config::new().with_large_int("number").with_out_dir(dir);
    ClientMessage::export_all(&cfg).unwrap();
    ServerMessage::export_all(&cfg).unwrap();
    ApiError::export_all(&cfg).unwrap();
    CreateSessionRequest::export_all(&cfg).unwrap();
    CreateSessionResponse::export_all(&cfg).unwrap();
    JoinRequest::export_all(&cfg).unwrap();
    JoinResponse::export_all(&cfg).unwrap();
    LiveView::export_all(&cfg).unwrap();
    SettingsView::export_all(&cfg).unwrap();
    AppError::export_all(&cfg).unwrap();
    Notice::export_all(&cfg).unwrap();
    Transfer::export_all(&cfg).unwrap();
    LibraryView::export_all(&cfg).unwrap();
    ApplyReport::export_all(&cfg).unwrap();
    RoomPlan::export_all(&cfg).unwrap();
}

fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .map(|e| e.unwrap().path())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

#[test]
fn generated_typescript_bindings_are_fresh() {
    let committed: PathBuf = [env!("CARGO_MANIFEST_DIR"), "ui", "src", "generated"]
        .iter()
        .collect();
    let scratch = std::env::temp_dir().join(format!("breakout-bindings-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    generate_into(&scratch);
    let fresh = read_dir(&scratch);
    std::fs::remove_dir_all(&scratch).unwrap();
    assert!(
        fresh.len() > 20,
        "expected the whole protocol, got {fresh:?}"
    );

    if std::env::var_os("BREAKOUT_UPDATE_BINDINGS").is_some() {
        let _ = std::fs::remove_dir_all(&committed);
        generate_into(&committed);
        return;
    }
    let on_disk = read_dir(&committed);
    let stale: std::collections::BTreeSet<&String> = fresh
        .keys()
        .chain(on_disk.keys())
        .filter(|name| fresh.get(*name) != on_disk.get(*name))
        .collect();
    assert!(
        stale.is_empty(),
        "ui/src/generated is stale ({stale:?}); run: BREAKOUT_UPDATE_BINDINGS=1 cargo test --test bindings"
    );
}

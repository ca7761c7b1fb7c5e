//! Applying the offline room plan to the live session: upload the planned documents the session does
//! not have yet (matched by SHA-256, so nothing goes up twice and a cut upload is simply redone),
//! set up the rooms, share per plan, place the people present, then keep placing newcomers. The
//! rules of what to send are core's (`breakout_core::plan`); this is the sequence.

use crate::error::AppError;
use crate::library::Library;
use crate::live::Live;
use crate::transfers::Transfers;
use crate::view::ApplyReport;
use breakout_core::plan::{room_details, room_setup, RoomPlan};
use breakout_core::{Command, DocumentId};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tauri::Runtime;

/// Apply `plan` to the session of `live`.
pub async fn apply_plan<R: Runtime>(
    live: &Live,
    library: &Library<R>,
    transfers: &Arc<Transfers<R>>,
    plan: &RoomPlan,
) -> Result<ApplyReport, AppError> {
    let mut report = ApplyReport::default();
    let wanted: BTreeSet<&String> = plan.rooms.iter().flat_map(|r| &r.documents).collect();
    let files = library.view().files;
    let mut documents: BTreeMap<String, DocumentId> = BTreeMap::new();
    for name in wanted {
        let (Some(file), Some(path)) = (
            files.iter().find(|f| &f.name == name),
            library.path_of(name),
        ) else {
            report.missing_documents.push(name.clone());
            continue;
        };
        let session = live.client().snapshot();
        let id = match session.documents.iter().find(|d| d.sha256 == file.sha256) {
            Some(present) => {
                report.already_uploaded += 1;
                present.id.clone()
            }
            None => {
                let uploaded = transfers
                    .upload_and_wait(&live.api(), live.credentials(), &path)
                    .await?;
                report.uploaded += 1;
                uploaded.id
            }
        };
        documents.insert(name.clone(), id);
    }

    let setup = room_setup(plan, &live.client().snapshot());
    report.commands += send_all(live, setup).await?;
    let details = room_details(plan, &live.client().snapshot(), &documents);
    report.commands += send_all(live, details).await?;
    live.place_late_joiners(plan.clone());
    Ok(report)
}

async fn send_all(live: &Live, commands: Vec<Command>) -> Result<u32, AppError> {
    let count = commands.len() as u32;
    for command in commands {
        live.client().send(command).await?;
    }
    Ok(count)
}

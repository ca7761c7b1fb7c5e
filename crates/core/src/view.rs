//! What each viewer may see. Staff see the whole session; a participant sees everyone and every room
//! (the dashboard is public) but only the documents and calls that reach the place they are in, and
//! only their own help requests — never the names of documents shared only with other rooms, nor the
//! help queue.
//!
//! A participant's replica is kept equal to `view_for(server state, them)` by sending each event
//! through `project_update`: events they may not see are withheld (only the version moves), and when
//! the room-scoped part of their view changes they receive it whole.

use crate::event::Event;
use crate::ids::ParticipantId;
use crate::session::{CallToAction, Document, Location, Session, Sharing};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The part of a participant's view that depends on where they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RoomView {
    /// Documents shared with their room or with all rooms (sharing narrowed to their room).
    pub documents: Vec<Document>,
    /// Calls-to-action aimed at where they are.
    pub calls: Vec<CallToAction>,
}

/// One event as one viewer receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ViewerUpdate {
    /// The session version after this event.
    pub version: u64,
    /// The event, unless this viewer may not see it.
    pub event: Option<Event>,
    /// The viewer's new room-scoped view, when it changed.
    pub room_view: Option<RoomView>,
}

/// The session as `viewer` may see it, or None if they are not in it.
pub fn view_for(state: &Session, viewer: ParticipantId) -> Option<Session> {
    let me = state.participant(viewer)?;
    if me.role.is_staff() {
        return Some(state.clone());
    }
    let mut view = Session {
        documents: Vec::new(),
        calls: Vec::new(),
        help: state
            .help
            .iter()
            .filter(|h| h.participant == viewer)
            .cloned()
            .collect(),
        ..state.clone()
    };
    let RoomView { documents, calls } = room_view(state, me.location);
    view.documents = documents;
    view.calls = calls;
    Some(view)
}

/// The documents and calls that reach `location`, as a participant there sees them.
pub fn room_view(state: &Session, location: Location) -> RoomView {
    let documents = state
        .documents_reaching(location)
        .map(|d| Document {
            sharing: Sharing {
                all_rooms: d.sharing.all_rooms,
                rooms: match location {
                    Location::Room(room) if d.sharing.rooms.contains(&room) => vec![room],
                    _ => vec![],
                },
            },
            ..d.clone()
        })
        .collect();
    let calls = state
        .calls
        .iter()
        .filter(|c| c.target.includes(location))
        .cloned()
        .collect();
    RoomView { documents, calls }
}

/// Apply an update received from the server to a viewer's replica.
pub fn apply_update(replica: &mut Session, update: &ViewerUpdate) {
    if let Some(event) = &update.event {
        crate::apply(replica, event);
    }
    replica.version = update.version;
    if let Some(RoomView { documents, calls }) = &update.room_view {
        replica.documents = documents.clone();
        replica.calls = calls.clone();
    }
}

/// How `event`, which took the session from `before` to `after`, reaches `viewer`. None when the
/// viewer is not in the session afterwards.
pub fn project_update(
    before: &Session,
    after: &Session,
    event: &Event,
    viewer: ParticipantId,
) -> Option<ViewerUpdate> {
    let me_after = after.participant(viewer)?;
    if me_after.role.is_staff() {
        return Some(ViewerUpdate {
            version: after.version,
            event: Some(event.clone()),
            room_view: None,
        });
    }
    let own_request = |request| {
        before
            .help
            .iter()
            .any(|h| h.id == request && h.participant == viewer)
    };
    let visible = match event {
        Event::DocumentAdded { .. } | Event::DocumentSharingSet { .. } => false,
        Event::HelpRequested { request } => request.participant == viewer,
        Event::HelpTaken { request, .. } | Event::HelpResolved { request, .. } => {
            own_request(*request)
        }
        Event::CallToActionSent { call } => call.target.includes(me_after.location),
        _ => true,
    };
    let location_before = before.participant(viewer).map(|p| p.location);
    let view_after = room_view(after, me_after.location);
    let changed = location_before.is_none_or(|loc| room_view(before, loc) != view_after);
    Some(ViewerUpdate {
        version: after.version,
        event: visible.then(|| event.clone()),
        room_view: changed.then_some(view_after),
    })
}

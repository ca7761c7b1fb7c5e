//! What each viewer may see. Staff see the whole session; a participant sees everyone and every room
//! (the dashboard is public) but only the documents and calls that reach the place they are in, and
//! only their own help requests — never the names of documents shared only with other rooms, nor the
//! help queue.
//!
//! A participant's replica is kept equal to `view_for(server state, them)`: each event goes out through
//! a [`Projection`], which withholds what they may not see (only the version moves) and sends the
//! room-scoped part of their view whole whenever it changed. Viewers with the same
//! [`ProjectionKey`] get identical updates, so the server serializes once per key.

use crate::event::Event;
use crate::ids::ParticipantId;
use crate::session::{CallToAction, Document, Location, Participant, Session, Sharing};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
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
    let RoomView { documents, calls } = room_view(state, me.location);
    Some(Session {
        documents,
        calls,
        help: state
            .help
            .iter()
            .filter(|h| h.participant == viewer)
            .cloned()
            .collect(),
        ..state.clone()
    })
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

/// Everything that decides how one event looks to one viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProjectionKey {
    /// Moderators and co-moderators see every event as it is.
    Staff,
    /// A participant who was at `from` before the event and is at `at` after it.
    Participant {
        /// May they see the event itself?
        sees_event: bool,
        /// Where they were before the event.
        from: Location,
        /// Where they are after it.
        at: Location,
    },
}

impl ProjectionKey {
    /// Does a viewer with this key receive the event itself?
    pub fn sees_event(self) -> bool {
        match self {
            ProjectionKey::Staff => true,
            ProjectionKey::Participant { sees_event, .. } => sees_event,
        }
    }
}

/// How one event reaches each viewer. Prepare it from the state *before* the event, apply the event,
/// then ask for keys and updates against the state *after* it.
pub struct Projection<'e> {
    event: &'e Event,
    /// Where everyone was before the event (sorted by id, as `Session::participants` is), kept only
    /// for events that move people: one copy is cheaper than finding the thousands an auto-assign moves.
    locations_before: Vec<(ParticipantId, Location)>,
    /// Room views of every place before the event, kept only when the event changes room views.
    views_before: Option<HashMap<Location, RoomView>>,
}

impl<'e> Projection<'e> {
    /// Record what the event is about to change. `before` is the state the event applies to.
    pub fn prepare(before: &Session, event: &'e Event) -> Projection<'e> {
        let moves_people = matches!(
            event,
            Event::ParticipantsMoved { .. } | Event::RoomsRemoved { .. } | Event::BreakoutsStopped
        );
        let locations_before = if moves_people {
            let everyone = before.participants.iter();
            everyone.map(|p| (p.id, p.location)).collect()
        } else {
            Vec::new()
        };
        let changes_views = matches!(
            event,
            Event::DocumentSharingSet { .. }
                | Event::CallToActionSent { .. }
                | Event::RoomsRemoved { .. }
        );
        let views_before = changes_views.then(|| {
            std::iter::once(Location::Main)
                .chain(before.rooms.iter().map(|r| Location::Room(r.id)))
                .map(|loc| (loc, room_view(before, loc)))
                .collect()
        });
        Projection {
            event,
            locations_before,
            views_before,
        }
    }

    /// The key of `viewer`, or None if they are not in the session after the event.
    pub fn key(&self, after: &Session, viewer: ParticipantId) -> Option<ProjectionKey> {
        let me = after.participant(viewer)?;
        if me.role.is_staff() {
            return Some(ProjectionKey::Staff);
        }
        Some(ProjectionKey::Participant {
            sees_event: participant_sees(self.event, me, Some(me.location)),
            from: self
                .locations_before
                .binary_search_by_key(&viewer, |&(id, _)| id)
                .map_or(me.location, |i| self.locations_before[i].1),
            at: me.location,
        })
    }

    /// The update every viewer with `key` receives.
    pub fn update(&self, after: &Session, key: ProjectionKey) -> ViewerUpdate {
        ViewerUpdate {
            version: after.version,
            event: key.sees_event().then(|| self.event.clone()),
            room_view: self.room_view(after, key),
        }
    }

    /// The event being projected: what every viewer whose key [sees it](ProjectionKey::sees_event)
    /// gets, identical for all of them (so a server can serialize it once).
    pub fn event(&self) -> &Event {
        self.event
    }

    /// The room view part of [`Projection::update`] for `key`.
    pub fn room_view(&self, after: &Session, key: ProjectionKey) -> Option<RoomView> {
        match key {
            ProjectionKey::Staff => None,
            ProjectionKey::Participant { from, at, .. } => self.changed_view(after, from, at),
        }
    }

    /// The participant's new room view if it differs from the one they had.
    fn changed_view(&self, after: &Session, from: Location, at: Location) -> Option<RoomView> {
        if self.views_before.is_none() && from == at {
            return None;
        }
        let now = room_view(after, at);
        let unchanged = match &self.views_before {
            Some(views) => views.get(&from) == Some(&now),
            // The event changed no room view, so `from` still looks as it did before.
            None => room_view(after, from) == now,
        };
        (!unchanged).then_some(now)
    }
}

/// How `event`, which took the session from `before` to `after`, reaches `viewer` (None when they are
/// not in the session afterwards). The one-viewer form of [`Projection`].
pub fn project_update(
    before: &Session,
    after: &Session,
    event: &Event,
    viewer: ParticipantId,
) -> Option<ViewerUpdate> {
    let projection = Projection::prepare(before, event);
    let key = projection.key(after, viewer)?;
    Some(projection.update(after, key))
}

/// How a missed event reaches a viewer who resumes after a disconnection, when the states around it
/// are gone. Room-scoped parts (documents, calls) are left out: the server sends the viewer's
/// current room view with the last replayed update instead.
pub fn replay_update(event: &Event, version: u64, viewer: &Participant) -> ViewerUpdate {
    let sees = viewer.role.is_staff() || participant_sees(event, viewer, None);
    ViewerUpdate {
        version,
        event: sees.then(|| event.clone()),
        room_view: None,
    }
}

/// May participant `me`, standing at `at` after the event (None: unknown), see `event` itself?
fn participant_sees(event: &Event, me: &Participant, at: Option<Location>) -> bool {
    match event {
        Event::DocumentAdded { .. }
        | Event::DocumentSharingSet { .. }
        | Event::JoinCodesRotated { .. } => false,
        Event::HelpRequested { request } => request.participant == me.id,
        Event::HelpTaken { asker, .. } | Event::HelpResolved { asker, .. } => *asker == me.id,
        Event::CallToActionSent { call } => at.is_some_and(|at| call.target.includes(at)),
        _ => true,
    }
}

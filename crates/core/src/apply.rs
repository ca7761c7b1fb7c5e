//! `apply`: fold one event into a session. Runs on the server and in every replica, so it must be
//! deterministic and total: it never fails and never panics, ignoring ids a projected replica does
//! not know (a participant's replica holds only what that participant may see).

use crate::event::Event;
use crate::limits::MAX_KEPT_CALLS;
use crate::session::{Breakouts, HelpState, Location, Session};

/// Apply `event` to `state` and raise its version by one.
pub fn apply(state: &mut Session, event: &Event) {
    state.version += 1;
    match event {
        Event::ParticipantJoined { participant } => {
            let ids = &mut state.next_ids;
            ids.participant = ids.participant.max(participant.id.0 + 1);
            match state
                .participants
                .binary_search_by_key(&participant.id, |p| p.id)
            {
                Ok(i) => state.participants[i] = participant.clone(),
                Err(i) => state.participants.insert(i, participant.clone()),
            }
        }
        Event::ParticipantLeft { participant } | Event::ParticipantRemoved { participant, .. } => {
            state.participants.retain(|p| p.id != *participant);
            state.help.retain(|h| h.participant != *participant);
            for h in &mut state.help {
                if h.state == HelpState::TakenBy(*participant) {
                    h.state = HelpState::Open;
                }
            }
        }
        Event::JoinCodesRotated { .. } => {}
        Event::PresenceChanged {
            participants,
            online,
        } => {
            for id in participants {
                if let Some(p) = state.participant_mut(*id) {
                    p.online = *online;
                }
            }
        }
        Event::RoomsAdded { rooms } => {
            for room in rooms {
                state.next_ids.room = state.next_ids.room.max(room.id.0 + 1);
            }
            state.rooms.extend(rooms.iter().cloned());
        }
        Event::RoomsRemoved { rooms } => {
            state.rooms.retain(|r| !rooms.contains(&r.id));
            for p in &mut state.participants {
                if matches!(p.location, Location::Room(r) if rooms.contains(&r)) {
                    p.location = Location::Main;
                }
            }
            for d in &mut state.documents {
                d.sharing.rooms.retain(|r| !rooms.contains(r));
            }
            state.help.retain(|h| !rooms.contains(&h.room));
        }
        Event::RoomRenamed { room, name } => {
            if let Some(r) = state.rooms.iter_mut().find(|r| r.id == *room) {
                r.name = name.clone();
            }
        }
        Event::BreakoutsOpened { ends_at } => {
            state.breakouts = Breakouts::Open { ends_at: *ends_at };
        }
        Event::BreakoutsStopped => {
            state.breakouts = Breakouts::Closed;
            for p in &mut state.participants {
                p.location = Location::Main;
            }
            state.help.clear();
        }
        Event::ParticipantsMoved { placements, .. } => {
            for placement in placements {
                for id in &placement.participants {
                    if let Some(p) = state.participant_mut(*id) {
                        p.location = placement.to;
                    }
                }
            }
            // A help request belongs to the room it was asked from: leaving the room withdraws it.
            let participants = &state.participants;
            state.help.retain(|h| {
                let here = participants
                    .binary_search_by_key(&h.participant, |p| p.id)
                    .map(|i| participants[i].location);
                here == Ok(Location::Room(h.room))
            });
        }
        Event::FreeMovementSet { on } => state.free_movement = *on,
        Event::DocumentAdded { document } => state.documents.push(document.clone()),
        Event::DocumentSharingSet { document, sharing } => {
            if let Some(d) = state.documents.iter_mut().find(|d| d.id == *document) {
                d.sharing = sharing.clone();
            }
        }
        Event::CallToActionSent { call } => {
            state.calls.push(call.clone());
            let excess = state.calls.len().saturating_sub(MAX_KEPT_CALLS);
            state.calls.drain(..excess);
        }
        Event::HelpRequested { request } => {
            state.help.push(request.clone());
        }
        Event::HelpTaken { request, by, .. } => {
            if let Some(h) = state.help.iter_mut().find(|h| h.id == *request) {
                h.state = HelpState::TakenBy(*by);
            }
        }
        Event::HelpResolved { request, .. } => state.help.retain(|h| h.id != *request),
    }
}

//! The rules a session state must always obey. Tests check them after every event; the server can
//! check a restored snapshot with them before trusting it.

use crate::session::{Breakouts, Location, Session};
use std::collections::HashSet;

/// Describe the first broken invariant, if any.
pub fn check(state: &Session) -> Result<(), String> {
    let room_ids: HashSet<_> = state.rooms.iter().map(|r| r.id).collect();
    if room_ids.len() != state.rooms.len() {
        return Err("two rooms share an id".into());
    }
    if state.rooms.iter().any(|r| r.id.0 >= state.next_ids.room) {
        return Err("a room id is not below the next room id".into());
    }
    if !state.participants.windows(2).all(|w| w[0].id < w[1].id) {
        return Err("participants are not sorted by unique id".into());
    }
    if state
        .participants
        .last()
        .is_some_and(|p| p.id.0 >= state.next_ids.participant)
    {
        return Err("a participant id is not below the next participant id".into());
    }
    for p in &state.participants {
        if let Location::Room(room) = p.location {
            if !room_ids.contains(&room) {
                return Err(format!(
                    "{} is in room {room}, which does not exist",
                    p.name
                ));
            }
            if state.breakouts == Breakouts::Closed {
                return Err(format!(
                    "{} is in a room while breakouts are closed",
                    p.name
                ));
            }
        }
    }
    for d in &state.documents {
        if d.sharing.rooms.iter().any(|r| !room_ids.contains(r)) {
            return Err(format!(
                "{} is shared with a room that does not exist",
                d.name
            ));
        }
        if !d.sharing.rooms.windows(2).all(|w| w[0] < w[1]) {
            return Err(format!("{} has an unsorted room share list", d.name));
        }
    }
    for h in &state.help {
        if state.participant(h.participant).is_none() || !room_ids.contains(&h.room) {
            return Err(format!(
                "help request {} refers to someone or somewhere gone",
                h.id
            ));
        }
    }
    if state.calls.len() > crate::limits::MAX_KEPT_CALLS {
        return Err("too many calls kept".into());
    }
    Ok(())
}

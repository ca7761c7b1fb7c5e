//! Typed happenings a user interface announces (a banner, an OS notification), derived from events as
//! they arrive. The replica says what *is*; notices say what just *happened to you*.

use breakout_core::{CallToAction, Event, HelpRequest, Location, ParticipantId, Session};
use serde::Serialize;
use ts_rs::TS;

/// Something worth telling the user about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// A call-to-action reached the place you are in.
    CallToAction {
        /// The call.
        call: CallToAction,
    },
    /// Breakout rooms opened.
    BreakoutsOpened,
    /// Breakout rooms stopped; you are back in the main room.
    BreakoutsStopped,
    /// Someone moved you.
    Moved {
        /// Where you are now.
        to: Location,
    },
    /// A participant asked for help (seen by moderators and co-moderators).
    HelpRequested {
        /// The request.
        request: HelpRequest,
    },
    /// Staff removed you from the session; the client has stopped (see
    /// [`crate::ConnectionState::Removed`]).
    Removed {
        /// What the endpoint said, for people.
        reason: String,
    },
}

/// The notices `event` means for `me`, given the state right after it.
pub fn notices_for(event: &Event, me: ParticipantId, after: &Session) -> Vec<Notice> {
    let here = after.participant(me).map(|p| p.location);
    match event {
        Event::CallToActionSent { call }
            if call.sent_by != me && here.is_some_and(|at| call.target.includes(at)) =>
        {
            vec![Notice::CallToAction { call: call.clone() }]
        }
        Event::BreakoutsOpened { .. } => vec![Notice::BreakoutsOpened],
        Event::BreakoutsStopped => vec![Notice::BreakoutsStopped],
        Event::ParticipantsMoved { placements, .. } => placements
            .iter()
            .filter(|p| p.participants.contains(&me))
            .map(|p| Notice::Moved { to: p.to })
            .collect(),
        Event::HelpRequested { request } if request.participant != me => {
            vec![Notice::HelpRequested {
                request: request.clone(),
            }]
        }
        _ => vec![],
    }
}

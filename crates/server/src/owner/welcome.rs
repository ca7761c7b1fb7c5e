//! Welcome messages. A snapshot of a large session is big (about 1 MB at 10,000 people) and the same
//! for everyone who sees the same thing, so it is serialized once per version and per view (staff,
//! or participants at one place) and spliced into each connection's welcome.

use breakout_core::protocol::PROTOCOL_VERSION;
use breakout_core::view::view_for;
use breakout_core::{Location, Participant, ParticipantId, Session};
use serde::Serialize;
use serde_json::value::RawValue;
use std::collections::HashMap;
use tokio_tungstenite::tungstenite::Utf8Bytes;

/// The same JSON as `ServerMessage::Welcome`, with an already serialized snapshot.
#[derive(Serialize)]
#[serde(tag = "type", rename = "welcome")]
struct SplicedWelcome<'a> {
    protocol: u32,
    you: ParticipantId,
    epoch: u64,
    version: u64,
    snapshot: Option<&'a RawValue>,
}

/// Serialized snapshots of one session version, by view (None: staff).
#[derive(Default)]
pub(crate) struct Snapshots {
    version: Option<u64>,
    by_view: HashMap<Option<Location>, Box<RawValue>>,
}

impl Snapshots {
    /// The welcome for `you`, with a snapshot of what they may see.
    pub(crate) fn welcome(&mut self, state: &Session, epoch: u64, you: &Participant) -> Utf8Bytes {
        // A participant's own help requests are part of their view: those views are not shared.
        let own_help = !you.role.is_staff() && state.help.iter().any(|h| h.participant == you.id);
        if own_help {
            return spliced(state, epoch, you.id, Some(&raw(&view_for(state, you.id))));
        }
        if self.version != Some(state.version) {
            self.by_view.clear();
            self.version = Some(state.version);
        }
        let key = (!you.role.is_staff()).then_some(you.location);
        let snapshot = self
            .by_view
            .entry(key)
            .or_insert_with(|| raw(&view_for(state, you.id)));
        spliced(state, epoch, you.id, Some(snapshot))
    }
}

/// The welcome of a connection that resumes by replay: no snapshot.
pub(crate) fn without_snapshot(state: &Session, epoch: u64, you: ParticipantId) -> Utf8Bytes {
    spliced(state, epoch, you, None)
}

fn spliced(
    state: &Session,
    epoch: u64,
    you: ParticipantId,
    snapshot: Option<&RawValue>,
) -> Utf8Bytes {
    let welcome = SplicedWelcome {
        protocol: PROTOCOL_VERSION,
        you,
        epoch,
        version: state.version,
        snapshot,
    };
    Utf8Bytes::from(serde_json::to_string(&welcome).expect("welcomes always serialize"))
}

fn raw(view: &Option<Session>) -> Box<RawValue> {
    serde_json::value::to_raw_value(view).expect("sessions always serialize")
}

#[cfg(test)]
mod tests {
    use super::*;
    use breakout_core::protocol::ServerMessage;
    use breakout_core::{apply, decide, Actor, Command, Role, SessionId, Timestamp};

    /// The welcome as the protocol types write it.
    fn typed(
        state: &Session,
        epoch: u64,
        you: ParticipantId,
        with_snapshot: bool,
    ) -> ServerMessage {
        ServerMessage::Welcome {
            protocol: PROTOCOL_VERSION,
            you,
            epoch,
            version: state.version,
            snapshot: if with_snapshot {
                view_for(state, you)
            } else {
                None
            },
        }
    }

    fn run(state: &mut Session, actor: Actor, command: Command) {
        for e in decide(state, actor, Timestamp(1), &command).unwrap() {
            apply(state, &e);
        }
    }

    #[test]
    fn spliced_welcomes_equal_typed_ones_for_every_viewer_and_version() {
        let mut state = Session::new(SessionId("s".into()), "T".into(), 9);
        for (name, role) in [
            ("Mo", Role::Moderator),
            ("Ann", Role::Participant),
            ("Bob", Role::Participant),
        ] {
            let join = Command::Join {
                name: name.into(),
                role,
            };
            run(&mut state, Actor::System, join);
        }
        let mut snapshots = Snapshots::default();
        let check = |snapshots: &mut Snapshots, state: &Session| {
            for p in &state.participants {
                let full = snapshots.welcome(state, 9, p);
                let bare = without_snapshot(state, 9, p.id);
                for (text, with) in [(full, true), (bare, false)] {
                    let parsed: ServerMessage = serde_json::from_str(&text).unwrap();
                    assert_eq!(parsed, typed(state, 9, p.id, with));
                }
            }
        };
        check(&mut snapshots, &state);
        let moderator = Actor::Participant(state.participants[0].id);
        run(
            &mut state,
            moderator,
            Command::OpenBreakouts {
                rooms: 2,
                duration_minutes: None,
            },
        );
        let ann = state.participants[1].id;
        let room = breakout_core::Location::Room(state.rooms[0].id);
        run(
            &mut state,
            moderator,
            Command::Move {
                participant: ann,
                to: room,
            },
        );
        run(&mut state, Actor::Participant(ann), Command::AskForHelp);
        check(&mut snapshots, &state);
    }
}

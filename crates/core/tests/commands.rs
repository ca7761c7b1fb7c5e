//! Command-level tests of `decide` + `apply`: who may issue each `Command` (a matrix of every
//! command against moderator, co-moderator, participant and the system, with the exact events or
//! the exact kind of refusal), followed by focused tests of what each command means: rooms growing
//! and shrinking, moving, auto-assign rules, sharing, bringing back, timers, calls, help, leaving,
//! and what participants may see. Properties over random command sequences live elsewhere.

mod common;

use breakout_core::limits::{
    MAX_CALL_CHARS, MAX_DURATION_MINUTES, MAX_NAME_CHARS, MAX_ROOMS, MAX_RULE_GROUPS,
};
use breakout_core::view::view_for;
use breakout_core::{
    decide, invariants, Actor, AssignRules, AutoAssign, BrokenRule, CallId, CallToAction, Command,
    Document, DocumentId, Event, HelpId, HelpRequest, HelpState, Location, Participant,
    ParticipantId, Placement, Rejection, Role, Room, RoomId, RoomSelection, Sharing, Timestamp,
};
use common::{by, Fixture, NOW};
use serde_json::json;
use std::collections::BTreeSet;

/// Someone who is not in any session.
const STRANGER: ParticipantId = ParticipantId(u64::MAX);
/// A room no session has.
const NO_ROOM: RoomId = RoomId(u32::MAX);
/// A help request no session has.
const NO_REQUEST: HelpId = HelpId(u64::MAX);
/// A well-formed SHA-256.
const SHA: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

/// The moderator of a fixture, as a command author.
fn staff(f: &Fixture) -> Actor {
    by(f.moderator)
}

/// Destructure ids into an array (`let [a, b] = exactly(&f.participants);`).
fn exactly<T: Copy + std::fmt::Debug, const N: usize>(ids: &[T]) -> [T; N] {
    ids.try_into()
        .unwrap_or_else(|_| panic!("expected {N} ids, got {ids:?}"))
}

/// The `i`-th room of a fixture as a location.
fn room_at(f: &Fixture, i: usize) -> Location {
    Location::Room(f.rooms()[i])
}

/// The one event a move of `who` to `to` gives.
fn moved(to: Location, who: &[ParticipantId]) -> Vec<Event> {
    vec![Event::ParticipantsMoved {
        placements: vec![Placement {
            to,
            participants: who.to_vec(),
        }],
        broken_rules: vec![],
    }]
}

fn move_cmd(participant: ParticipantId, to: Location) -> Command {
    Command::Move { participant, to }
}

fn rooms(ids: &[RoomId]) -> RoomSelection {
    RoomSelection::Rooms(ids.to_vec())
}

fn share(document: &DocumentId, target: RoomSelection) -> Command {
    Command::ShareDocument {
        document: document.clone(),
        target,
    }
}

fn unshare(document: &DocumentId, target: RoomSelection) -> Command {
    Command::UnshareDocument {
        document: document.clone(),
        target,
    }
}

fn add_document_cmd(id: &str, name: &str) -> Command {
    Command::AddDocument {
        id: DocumentId(id.into()),
        name: name.into(),
        size: 2048,
        sha256: SHA.into(),
    }
}

/// The moderator uploads a document named `name` (id `doc-<name>`); it starts unshared.
fn add_document(f: &mut Fixture, name: &str) -> DocumentId {
    let id = format!("doc-{name}");
    f.run(staff(f), add_document_cmd(&id, name));
    DocumentId(id)
}

fn sharing_of(f: &Fixture, document: &DocumentId) -> Sharing {
    f.state
        .document(document)
        .expect("known document")
        .sharing
        .clone()
}

fn call(text: &str, link: Option<&str>, target: RoomSelection) -> Command {
    Command::CallToAction {
        text: text.into(),
        link: link.map(Into::into),
        target,
    }
}

/// `who` asks for help (they must be in a room); returns the request id.
fn ask_for_help(f: &mut Fixture, who: ParticipantId) -> HelpId {
    match f.run(by(who), Command::AskForHelp).as_slice() {
        [Event::HelpRequested { request }] => request.id,
        other => panic!("expected HelpRequested, got {other:?}"),
    }
}

fn help_state(f: &Fixture, request: HelpId) -> Option<HelpState> {
    f.state
        .help
        .iter()
        .find(|h| h.id == request)
        .map(|h| h.state)
}

/// A refusal must say in words what was wrong, and serialize as `{code, message}`.
fn assert_readable(rejection: &Rejection) {
    let message = rejection.to_string();
    assert!(
        !message.is_empty() && message == message.trim() && message.contains(' '),
        "unreadable message {message:?}"
    );
    assert!(
        !message.contains("Id(") && !message.contains("Some("),
        "message leaks Debug output: {message:?}"
    );
    assert_eq!(
        serde_json::to_value(rejection).unwrap(),
        json!({ "code": rejection.code(), "message": message })
    );
}

/// Decide `command`, expect a refusal of kind `code`, check the state did not change; return the
/// message.
fn refused(f: &Fixture, actor: Actor, command: Command, code: &str) -> String {
    let before = f.state.clone();
    let result = f.decide(actor, &command);
    let what = variant(&command);
    assert!(f.state == before, "deciding {what} changed the state");
    match result {
        Err(rejection) => {
            assert_eq!(rejection.code(), code, "{what}: {rejection:?}");
            assert_readable(&rejection);
            rejection.to_string()
        }
        Ok(events) => panic!("{what} by {actor:?} was accepted ({} events)", events.len()),
    }
}

// ---------------------------------------------------------------------------------------------
// The permission matrix
// ---------------------------------------------------------------------------------------------

/// What one actor gets for one command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Allowed,
    Forbidden,
    NotFound,
    Invalid,
    Conflict,
}
use Outcome::{Allowed, Conflict, Forbidden, Invalid, NotFound};

impl Outcome {
    fn code(self) -> &'static str {
        match self {
            Allowed => "allowed",
            Forbidden => "forbidden",
            NotFound => "not_found",
            Invalid => "invalid",
            Conflict => "conflict",
        }
    }
}

/// The matrix columns, in the order of `Row::outcomes`.
const COLUMNS: [&str; 4] = ["moderator", "co-moderator", "participant", "system"];
const STAFF: [Outcome; 4] = [Allowed, Allowed, Forbidden, Forbidden];
const SYSTEM: [Outcome; 4] = [Forbidden, Forbidden, Forbidden, Allowed];

/// Staff get `kind`; participants and the system are forbidden before anything is checked.
fn staff_gets(kind: Outcome) -> [Outcome; 4] {
    [kind, kind, Forbidden, Forbidden]
}

/// The state every matrix row runs against: two open rooms, free movement on, participant `p0` in
/// room 1 (the matrix's acting participant), `p1` in room 2 with an open help request, `p2` in main;
/// `agenda.pdf` shared with all rooms, `notes.pdf` unshared. With `closed`, breakouts were then
/// stopped (everyone in main, no help requests; rooms, documents and free movement remain).
struct Scenario {
    f: Fixture,
    p0: ParticipantId,
    p1: ParticipantId,
    p2: ParticipantId,
    r1: RoomId,
    r2: RoomId,
    help: HelpId,
    agenda: DocumentId,
    notes: DocumentId,
}

fn scenario(closed: bool) -> Scenario {
    let mut f = Fixture::with_open_rooms(3, 2);
    let [p0, p1, p2] = exactly(&f.participants);
    let [r1, r2] = exactly(&f.rooms());
    f.put(p0, Location::Room(r1));
    f.put(p1, Location::Room(r2));
    f.run(staff(&f), Command::SetFreeMovement { on: true });
    let agenda = add_document(&mut f, "agenda.pdf");
    f.run(staff(&f), share(&agenda, RoomSelection::All));
    let notes = add_document(&mut f, "notes.pdf");
    let help = ask_for_help(&mut f, p1);
    if closed {
        f.run(staff(&f), Command::StopBreakouts);
    }
    Scenario {
        f,
        p0,
        p1,
        p2,
        r1,
        r2,
        help,
        agenda,
        notes,
    }
}

impl Scenario {
    /// Each column's author and, for participants, their id.
    fn columns(&self) -> [(Actor, Option<ParticipantId>); 4] {
        let f = &self.f;
        [
            (by(f.moderator), Some(f.moderator)),
            (by(f.co_moderator), Some(f.co_moderator)),
            (by(self.p0), Some(self.p0)),
            (Actor::System, None),
        ]
    }
}

/// "Myself" in a row: the acting participant, or for the system `p2`.
fn me(s: &Scenario, who: Option<ParticipantId>) -> ParticipantId {
    who.unwrap_or(s.p2)
}

type Build = fn(&Scenario, Option<ParticipantId>) -> Command;
type Expect = fn(&Scenario, Option<ParticipantId>) -> Vec<Event>;

struct Row {
    name: &'static str,
    closed: bool,
    outcomes: [Outcome; 4],
    command: Build,
    events: Expect,
}

impl Row {
    /// A row some actors may run: `events` gives the exact events for an allowed actor.
    fn new(name: &'static str, outcomes: [Outcome; 4], command: Build, events: Expect) -> Row {
        Row {
            name,
            closed: false,
            outcomes,
            command,
            events,
        }
    }

    /// A row every actor is refused.
    fn refused(name: &'static str, outcomes: [Outcome; 4], command: Build) -> Row {
        assert!(!outcomes.contains(&Allowed), "{name}: use Row::new");
        Row::new(name, outcomes, command, |_, _| unreachable!())
    }

    /// Run this row against the closed scenario.
    fn when_closed(self) -> Row {
        Row {
            closed: true,
            ..self
        }
    }
}

fn matrix() -> Vec<Row> {
    vec![
        // System-only commands.
        Row::new(
            "join",
            SYSTEM,
            |_, _| Command::Join {
                name: " Newcomer ".into(),
                role: Role::CoModerator,
            },
            |_, _| {
                vec![Event::ParticipantJoined {
                    participant: Participant {
                        id: ParticipantId(6), // five people joined before
                        name: "Newcomer".into(),
                        role: Role::CoModerator,
                        online: false,
                        location: Location::Main,
                    },
                }]
            },
        ),
        Row::refused(
            "join with a blank name",
            [Forbidden, Forbidden, Forbidden, Invalid],
            |_, _| Command::Join {
                name: "  ".into(),
                role: Role::Participant,
            },
        ),
        Row::new(
            "set presence",
            SYSTEM,
            |s, _| Command::SetPresence {
                participants: vec![s.p2, s.p2],
                online: true,
            },
            |s, _| {
                vec![Event::PresenceChanged {
                    participants: vec![s.p2],
                    online: true,
                }]
            },
        ),
        Row::refused(
            "set presence of a stranger",
            [Forbidden, Forbidden, Forbidden, NotFound],
            |_, _| Command::SetPresence {
                participants: vec![STRANGER],
                online: true,
            },
        ),
        Row::new(
            "tick without an end time",
            SYSTEM,
            |_, _| Command::Tick,
            |_, _| vec![],
        ),
        // Leaving.
        Row::new(
            "leave (oneself; the system removes p2)",
            [Allowed; 4],
            |s, who| Command::Leave {
                participant: me(s, who),
            },
            |s, who| {
                vec![Event::ParticipantLeft {
                    participant: me(s, who),
                }]
            },
        ),
        Row::new(
            "leave (someone else)",
            SYSTEM,
            |s, _| Command::Leave { participant: s.p2 },
            |s, _| vec![Event::ParticipantLeft { participant: s.p2 }],
        ),
        Row::refused(
            "leave (a stranger)",
            [Forbidden, Forbidden, Forbidden, NotFound],
            |_, _| Command::Leave {
                participant: STRANGER,
            },
        ),
        // Removing people and rotating codes.
        Row::new(
            "remove a participant (p1, who asked for help)",
            STAFF,
            |s, _| Command::RemoveParticipant { participant: s.p1 },
            |s, who| {
                vec![Event::ParticipantRemoved {
                    participant: s.p1,
                    by: who.expect("staff act"),
                }]
            },
        ),
        Row::new(
            "remove the co-moderator",
            [Allowed, Forbidden, Forbidden, Forbidden],
            |s, _| Command::RemoveParticipant {
                participant: s.f.co_moderator,
            },
            |s, who| {
                vec![Event::ParticipantRemoved {
                    participant: s.f.co_moderator,
                    by: who.expect("staff act"),
                }]
            },
        ),
        Row::refused("remove the moderator", [Forbidden; 4], |s, _| {
            Command::RemoveParticipant {
                participant: s.f.moderator,
            }
        }),
        Row::refused("remove oneself", [Forbidden; 4], |s, who| {
            Command::RemoveParticipant {
                participant: me(s, who),
            }
        }),
        Row::refused("remove a stranger", staff_gets(NotFound), |_, _| {
            Command::RemoveParticipant {
                participant: STRANGER,
            }
        }),
        Row::new(
            "rotate join codes",
            STAFF,
            |_, _| Command::RotateJoinCodes,
            |_, who| {
                vec![Event::JoinCodesRotated {
                    by: who.expect("staff act"),
                }]
            },
        ),
        // Rooms.
        Row::new(
            "open breakouts",
            STAFF,
            |_, _| Command::OpenBreakouts {
                rooms: 3,
                duration_minutes: Some(10),
            },
            |_, _| {
                vec![
                    Event::RoomsAdded {
                        rooms: vec![Room {
                            id: RoomId(3),
                            name: "Room 3".into(),
                        }],
                    },
                    Event::BreakoutsOpened {
                        ends_at: Some(Timestamp(NOW.0 + 10 * 60_000)),
                    },
                ]
            },
        )
        .when_closed(),
        Row::refused("open breakouts when open", staff_gets(Conflict), |_, _| {
            Command::OpenBreakouts {
                rooms: 2,
                duration_minutes: None,
            }
        }),
        Row::refused(
            "open breakouts for 0 minutes",
            staff_gets(Invalid),
            |_, _| Command::OpenBreakouts {
                rooms: 2,
                duration_minutes: Some(0),
            },
        )
        .when_closed(),
        Row::new(
            "set room count",
            STAFF,
            |_, _| Command::SetRoomCount { rooms: 3 },
            |_, _| {
                vec![Event::RoomsAdded {
                    rooms: vec![Room {
                        id: RoomId(3),
                        name: "Room 3".into(),
                    }],
                }]
            },
        ),
        Row::refused("set room count to 0", staff_gets(Invalid), |_, _| {
            Command::SetRoomCount { rooms: 0 }
        }),
        Row::refused(
            "set room count above the limit",
            staff_gets(Invalid),
            |_, _| Command::SetRoomCount {
                rooms: MAX_ROOMS + 1,
            },
        ),
        Row::new(
            "rename room",
            STAFF,
            |s, _| Command::RenameRoom {
                room: s.r1,
                name: "  Quiet corner ".into(),
            },
            |s, _| {
                vec![Event::RoomRenamed {
                    room: s.r1,
                    name: "Quiet corner".into(),
                }]
            },
        ),
        Row::refused("rename an unknown room", staff_gets(NotFound), |_, _| {
            Command::RenameRoom {
                room: NO_ROOM,
                name: "X".into(),
            }
        }),
        Row::refused("rename a room to blanks", staff_gets(Invalid), |s, _| {
            Command::RenameRoom {
                room: s.r1,
                name: " \t ".into(),
            }
        }),
        // Auto-assign (p0 and p1 are kept; p2 goes to the emptiest room, the first one on a tie).
        Row::new(
            "auto-assign",
            STAFF,
            |_, _| {
                Command::AutoAssign(AutoAssign {
                    seed: 7,
                    keep_existing: true,
                    rules: AssignRules::default(),
                })
            },
            |s, _| moved(Location::Room(s.r1), &[s.p2]),
        ),
        Row::refused("auto-assign when closed", staff_gets(Conflict), |_, _| {
            Command::AutoAssign(AutoAssign::default())
        })
        .when_closed(),
        Row::refused(
            "auto-assign with a stranger in a rule",
            staff_gets(NotFound),
            |s, _| {
                Command::AutoAssign(AutoAssign {
                    rules: AssignRules {
                        together: vec![vec![s.p0, STRANGER]],
                        ..AssignRules::default()
                    },
                    ..AutoAssign::default()
                })
            },
        ),
        // Moving (free movement is on in the scenario).
        Row::new(
            "move someone else",
            STAFF,
            |s, _| move_cmd(s.p2, Location::Room(s.r2)),
            |s, _| moved(Location::Room(s.r2), &[s.p2]),
        ),
        Row::new(
            "move oneself",
            [Allowed, Allowed, Allowed, Forbidden],
            |s, who| move_cmd(me(s, who), Location::Room(s.r2)),
            |s, who| moved(Location::Room(s.r2), &[me(s, who)]),
        ),
        Row::refused("move into an unknown room", staff_gets(NotFound), |s, _| {
            move_cmd(s.p2, Location::Room(NO_ROOM))
        }),
        Row::refused(
            "move oneself into a room when closed",
            [Conflict, Conflict, Conflict, Forbidden],
            |s, who| move_cmd(me(s, who), Location::Room(s.r1)),
        )
        .when_closed(),
        Row::new(
            "set free movement",
            STAFF,
            |_, _| Command::SetFreeMovement { on: false },
            |_, _| vec![Event::FreeMovementSet { on: false }],
        ),
        // Documents.
        Row::new(
            "add document",
            STAFF,
            |_, _| add_document_cmd("doc-slides", " slides.pdf "),
            |_, who| {
                vec![Event::DocumentAdded {
                    document: Document {
                        id: DocumentId("doc-slides".into()),
                        name: "slides.pdf".into(),
                        size: 2048,
                        sha256: SHA.into(),
                        uploader: who.expect("staff uploads"),
                        sharing: Sharing::default(),
                    },
                }]
            },
        ),
        Row::refused(
            "add document with an upper-case checksum",
            staff_gets(Invalid),
            |_, _| Command::AddDocument {
                id: DocumentId("doc-x".into()),
                name: "x.pdf".into(),
                size: 1,
                sha256: SHA.to_uppercase(),
            },
        ),
        Row::new(
            "share document",
            STAFF,
            |s, _| share(&s.notes, rooms(&[s.r2, s.r1])),
            |s, _| {
                vec![Event::DocumentSharingSet {
                    document: s.notes.clone(),
                    sharing: Sharing {
                        all_rooms: false,
                        rooms: vec![s.r1, s.r2],
                    },
                }]
            },
        ),
        Row::refused("share an unknown document", staff_gets(NotFound), |_, _| {
            share(&DocumentId("nope".into()), RoomSelection::All)
        }),
        Row::new(
            "unshare document",
            STAFF,
            |s, _| unshare(&s.agenda, rooms(&[s.r2])),
            |s, _| {
                vec![Event::DocumentSharingSet {
                    document: s.agenda.clone(),
                    sharing: Sharing {
                        all_rooms: false,
                        rooms: vec![s.r1],
                    },
                }]
            },
        ),
        Row::refused("unshare from no rooms", staff_gets(Invalid), |s, _| {
            unshare(&s.agenda, rooms(&[]))
        }),
        // Bringing back and stopping.
        Row::new(
            "bring back",
            STAFF,
            |_, _| Command::BringBack {
                target: RoomSelection::All,
            },
            |s, _| moved(Location::Main, &[s.p0, s.p1]),
        ),
        Row::refused("bring back when closed", staff_gets(Conflict), |_, _| {
            Command::BringBack {
                target: RoomSelection::All,
            }
        })
        .when_closed(),
        Row::new(
            "stop breakouts",
            STAFF,
            |_, _| Command::StopBreakouts,
            |_, _| vec![Event::BreakoutsStopped],
        ),
        Row::refused(
            "stop breakouts when closed",
            staff_gets(Conflict),
            |_, _| Command::StopBreakouts,
        )
        .when_closed(),
        // Calls to action.
        Row::new(
            "call to action",
            STAFF,
            |s, _| {
                call(
                    " Five minutes left ",
                    Some("https://example.org/survey"),
                    rooms(&[s.r1]),
                )
            },
            |s, who| {
                vec![Event::CallToActionSent {
                    call: CallToAction {
                        id: CallId(s.f.state.version + 1),
                        text: "Five minutes left".into(),
                        link: Some("https://example.org/survey".into()),
                        target: rooms(&[s.r1]),
                        sent_by: who.expect("staff calls"),
                        sent_at: NOW,
                    },
                }]
            },
        ),
        Row::refused(
            "call to action with a javascript: link",
            staff_gets(Invalid),
            |_, _| call("Click", Some("javascript:x"), RoomSelection::All),
        ),
        // Help (staff stand in the main room, p0 in room 1, p1 has asked from room 2).
        Row::new(
            "ask for help",
            [Conflict, Conflict, Allowed, Forbidden],
            |_, _| Command::AskForHelp,
            |s, who| {
                vec![Event::HelpRequested {
                    request: HelpRequest {
                        id: HelpId(s.f.state.version + 1),
                        participant: who.expect("a participant asks"),
                        room: s.r1,
                        asked_at: NOW,
                        state: HelpState::Open,
                    },
                }]
            },
        ),
        Row::new(
            "take help",
            STAFF,
            |s, _| Command::TakeHelp { request: s.help },
            |s, who| {
                vec![Event::HelpTaken {
                    request: s.help,
                    asker: s.p1,
                    by: who.expect("staff takes"),
                }]
            },
        ),
        Row::refused("take an unknown request", staff_gets(NotFound), |_, _| {
            Command::TakeHelp {
                request: NO_REQUEST,
            }
        }),
        Row::new(
            "resolve someone else's request",
            STAFF,
            |s, _| Command::ResolveHelp { request: s.help },
            |s, who| {
                vec![Event::HelpResolved {
                    request: s.help,
                    asker: s.p1,
                    by: who.expect("staff resolves"),
                }]
            },
        ),
        Row::refused(
            "resolve an unknown request",
            [NotFound, NotFound, NotFound, Forbidden],
            |_, _| Command::ResolveHelp {
                request: NO_REQUEST,
            },
        ),
    ]
}

/// The variant name of a command. Exhaustive on purpose: a new variant fails to compile here, as a
/// reminder to give it rows in `matrix()`.
fn variant(command: &Command) -> &'static str {
    match command {
        Command::Join { .. } => "Join",
        Command::Leave { .. } => "Leave",
        Command::RemoveParticipant { .. } => "RemoveParticipant",
        Command::RotateJoinCodes => "RotateJoinCodes",
        Command::SetPresence { .. } => "SetPresence",
        Command::OpenBreakouts { .. } => "OpenBreakouts",
        Command::SetRoomCount { .. } => "SetRoomCount",
        Command::RenameRoom { .. } => "RenameRoom",
        Command::AutoAssign(_) => "AutoAssign",
        Command::Move { .. } => "Move",
        Command::SetFreeMovement { .. } => "SetFreeMovement",
        Command::AddDocument { .. } => "AddDocument",
        Command::ShareDocument { .. } => "ShareDocument",
        Command::UnshareDocument { .. } => "UnshareDocument",
        Command::BringBack { .. } => "BringBack",
        Command::StopBreakouts => "StopBreakouts",
        Command::CallToAction { .. } => "CallToAction",
        Command::AskForHelp => "AskForHelp",
        Command::TakeHelp { .. } => "TakeHelp",
        Command::ResolveHelp { .. } => "ResolveHelp",
        Command::Tick => "Tick",
    }
}

const ALL_VARIANTS: [&str; 21] = [
    "Join",
    "Leave",
    "RemoveParticipant",
    "RotateJoinCodes",
    "SetPresence",
    "OpenBreakouts",
    "SetRoomCount",
    "RenameRoom",
    "AutoAssign",
    "Move",
    "SetFreeMovement",
    "AddDocument",
    "ShareDocument",
    "UnshareDocument",
    "BringBack",
    "StopBreakouts",
    "CallToAction",
    "AskForHelp",
    "TakeHelp",
    "ResolveHelp",
    "Tick",
];

/// Check one matrix cell; describe the mismatch, if any.
fn check_cell(s: &Scenario, row: &Row, column: usize) -> Option<String> {
    let (actor, who) = s.columns()[column];
    let command = (row.command)(s, who);
    let expected = row.outcomes[column];
    let before = s.f.state.clone();
    let result = decide(&s.f.state, actor, NOW, &command);
    assert_eq!(s.f.state, before, "deciding changed the state");
    let cell = format!("{} / {}", row.name, COLUMNS[column]);
    match (expected, result) {
        (Allowed, Ok(events)) => {
            let wanted = (row.events)(s, who);
            if events != wanted {
                return Some(format!("{cell}: got {events:?}, want {wanted:?}"));
            }
            let mut after = s.f.state.clone();
            common::apply_all(&mut after, &events);
            invariants::check(&after)
                .err()
                .map(|broken| format!("{cell}: broke an invariant: {broken}"))
        }
        (Allowed, Err(rejection)) => Some(format!("{cell}: refused {rejection:?}")),
        (kind, Ok(events)) => Some(format!("{cell}: want {}, got {events:?}", kind.code())),
        (kind, Err(rejection)) if rejection.code() != kind.code() => {
            Some(format!("{cell}: want {}, got {rejection:?}", kind.code()))
        }
        (_, Err(rejection)) => {
            assert_readable(&rejection);
            None
        }
    }
}

#[test]
fn every_command_for_every_role() {
    let open = scenario(false);
    let closed = scenario(true);
    let mut failures = Vec::new();
    let mut covered = BTreeSet::new();
    for row in matrix() {
        let s = if row.closed { &closed } else { &open };
        covered.insert(variant(&(row.command)(s, None)));
        failures.extend((0..COLUMNS.len()).filter_map(|column| check_cell(s, &row, column)));
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    let missing: Vec<_> = ALL_VARIANTS
        .iter()
        .filter(|v| !covered.contains(*v))
        .collect();
    assert!(missing.is_empty(), "no matrix rows for {missing:?}");
}

#[test]
fn someone_not_in_the_session_is_refused_every_command() {
    let s = scenario(false);
    for row in matrix() {
        let command = (row.command)(&s, None);
        let rejection = decide(&s.f.state, by(STRANGER), NOW, &command).unwrap_err();
        assert_eq!(rejection.code(), "not_found", "{}: {rejection:?}", row.name);
        assert_readable(&rejection);
    }
}

// ---------------------------------------------------------------------------------------------
// Join, presence, renaming, documents: the simple commands
// ---------------------------------------------------------------------------------------------

#[test]
fn joins_get_fresh_ids_that_are_never_reused() {
    let mut f = Fixture::new(2);
    let ids: Vec<_> = f.state.participants.iter().map(|p| p.id.0).collect();
    assert_eq!(ids, [1, 2, 3, 4]);
    let last = f.participants[1];
    f.run(Actor::System, Command::Leave { participant: last });
    let events = f.run(
        Actor::System,
        Command::Join {
            name: "Late".into(),
            role: Role::Participant,
        },
    );
    assert!(matches!(
        events.as_slice(),
        [Event::ParticipantJoined { participant }] if participant.id == ParticipantId(5)
    ));
    for name in ["", "a\nb", &"x".repeat(MAX_NAME_CHARS + 1)] {
        let join = Command::Join {
            name: name.into(),
            role: Role::Participant,
        };
        refused(&f, Actor::System, join, "invalid");
    }
}

#[test]
fn presence_changes_only_when_it_differs() {
    let mut f = Fixture::new(2);
    let (p, q) = (f.participants[0], f.participants[1]);
    let online = |who: Vec<_>, on| Command::SetPresence {
        participants: who,
        online: on,
    };
    assert_eq!(f.run(Actor::System, online(vec![p], false)), vec![]);
    assert_eq!(
        f.run(Actor::System, online(vec![p], true)),
        vec![Event::PresenceChanged {
            participants: vec![p],
            online: true
        }]
    );
    assert!(f.state.participant(p).unwrap().online);
    // A batch reports only those whose presence changes.
    assert_eq!(
        f.run(Actor::System, online(vec![q, p], true)),
        vec![Event::PresenceChanged {
            participants: vec![q],
            online: true
        }]
    );
}

#[test]
fn renaming_trims_validates_and_ignores_the_same_name() {
    let mut f = Fixture::with_open_rooms(0, 2);
    let r = f.rooms()[1];
    let rename = |name: &str| Command::RenameRoom {
        room: r,
        name: name.into(),
    };
    assert_eq!(f.run(staff(&f), rename(" Room 2 ")), vec![]);
    f.run(by(f.co_moderator), rename("Design"));
    assert_eq!(f.state.room(r).unwrap().name, "Design");
    refused(&f, staff(&f), rename("two\nlines"), "invalid");
    refused(
        &f,
        staff(&f),
        rename(&"x".repeat(MAX_NAME_CHARS + 1)),
        "invalid",
    );
}

#[test]
fn adding_a_document_validates_it_and_is_idempotent_per_id() {
    let mut f = Fixture::new(0);
    let doc = add_document(&mut f, "handout.pdf");
    assert_eq!(sharing_of(&f, &doc), Sharing::default());
    assert_eq!(
        f.run(staff(&f), add_document_cmd(&doc.0, "other name.pdf")),
        vec![]
    );
    assert_eq!(f.state.documents.len(), 1);
    refused(&f, staff(&f), add_document_cmd("", "x.pdf"), "invalid");
    refused(&f, staff(&f), add_document_cmd("doc-y", " "), "invalid");
    let short_sha = Command::AddDocument {
        id: DocumentId("doc-z".into()),
        name: "z.pdf".into(),
        size: 1,
        sha256: "abc".into(),
    };
    refused(&f, staff(&f), short_sha, "invalid");
}

// ---------------------------------------------------------------------------------------------
// Room count
// ---------------------------------------------------------------------------------------------

#[test]
fn growing_the_room_count_appends_numbered_rooms() {
    let mut f = Fixture::new(0);
    // Rooms may be prepared before breakouts open; opening with the same count adds none.
    f.run(staff(&f), Command::SetRoomCount { rooms: 2 });
    let open = Command::OpenBreakouts {
        rooms: 2,
        duration_minutes: None,
    };
    assert_eq!(
        f.run(staff(&f), open),
        vec![Event::BreakoutsOpened { ends_at: None }]
    );
    let events = f.run(by(f.co_moderator), Command::SetRoomCount { rooms: 5 });
    let added = |ids: [u32; 3], numbers: [u32; 3]| Event::RoomsAdded {
        rooms: ids
            .iter()
            .zip(numbers)
            .map(|(&id, n)| Room {
                id: RoomId(id),
                name: format!("Room {n}"),
            })
            .collect(),
    };
    assert_eq!(events, vec![added([3, 4, 5], [3, 4, 5])]);
    assert_eq!(f.run(staff(&f), Command::SetRoomCount { rooms: 5 }), vec![]);
    // Shrinking then growing again names rooms by position but never reuses an id.
    f.run(staff(&f), Command::SetRoomCount { rooms: 2 });
    let events = f.run(staff(&f), Command::SetRoomCount { rooms: 5 });
    assert_eq!(events, vec![added([6, 7, 8], [3, 4, 5])]);
}

#[test]
fn shrinking_the_room_count_sends_people_to_main_and_drops_shares_and_help() {
    let mut f = Fixture::with_open_rooms(3, 3);
    let [r1, r2, r3] = exactly(&f.rooms());
    let [p0, p1, p2] = exactly(&f.participants);
    f.put(p0, Location::Room(r3));
    f.put(p1, Location::Room(r1));
    f.put(p2, Location::Room(r2));
    let handout = add_document(&mut f, "handout.pdf");
    f.run(staff(&f), share(&handout, rooms(&[r1, r3])));
    let everywhere = add_document(&mut f, "everywhere.pdf");
    f.run(staff(&f), share(&everywhere, RoomSelection::All));
    ask_for_help(&mut f, p0);
    let kept_help = ask_for_help(&mut f, p1);

    let events = f.run(staff(&f), Command::SetRoomCount { rooms: 1 });

    assert_eq!(
        events,
        vec![Event::RoomsRemoved {
            rooms: vec![r2, r3]
        }]
    );
    assert_eq!(f.rooms(), vec![r1]);
    assert_eq!(f.people_at(Location::Room(r1)), vec![p1]);
    assert_eq!(f.location(p0), Location::Main);
    assert_eq!(f.location(p2), Location::Main);
    assert_eq!(
        sharing_of(&f, &handout),
        Sharing {
            all_rooms: false,
            rooms: vec![r1]
        }
    );
    assert!(sharing_of(&f, &everywhere).all_rooms);
    let help: Vec<_> = f.state.help.iter().map(|h| h.id).collect();
    assert_eq!(help, vec![kept_help]);
    assert!(f.state.is_open(), "shrinking does not stop breakouts");
}

// ---------------------------------------------------------------------------------------------
// Moving
// ---------------------------------------------------------------------------------------------

#[test]
fn staff_move_anyone_anywhere_and_a_move_to_the_same_place_is_silent() {
    let mut f = Fixture::with_open_rooms(2, 2);
    let p = f.participants[0];
    let (r1, r2) = (room_at(&f, 0), room_at(&f, 1));
    let co = by(f.co_moderator);
    let cases = [
        (staff(&f), p, r1),
        (co, p, r2),
        (co, f.moderator, r1),
        (staff(&f), f.co_moderator, r2),
        (staff(&f), p, Location::Main),
    ];
    for (actor, who, to) in cases {
        assert_eq!(f.run(actor, move_cmd(who, to)), moved(to, &[who]));
        assert_eq!(f.location(who), to);
        assert_eq!(f.run(actor, move_cmd(who, to)), vec![], "second move");
    }
    refused(&f, staff(&f), move_cmd(STRANGER, r1), "not_found");
    refused(
        &f,
        staff(&f),
        move_cmd(p, Location::Room(NO_ROOM)),
        "not_found",
    );
}

#[test]
fn moving_into_a_room_needs_breakouts_open() {
    let mut f = Fixture::new(1);
    let p = f.participants[0];
    f.run(staff(&f), Command::SetRoomCount { rooms: 2 });
    let message = refused(&f, staff(&f), move_cmd(p, room_at(&f, 0)), "conflict");
    assert!(message.contains("not open"), "{message}");
    assert_eq!(f.run(staff(&f), move_cmd(p, Location::Main)), vec![]);
}

#[test]
fn participants_move_only_themselves_and_only_with_free_movement() {
    let mut f = Fixture::with_open_rooms(2, 2);
    let [me, other] = exactly(&f.participants);
    let r1 = room_at(&f, 0);
    refused(&f, by(me), move_cmd(me, r1), "forbidden");

    f.run(staff(&f), Command::SetFreeMovement { on: true });
    assert_eq!(
        f.run(staff(&f), Command::SetFreeMovement { on: true }),
        vec![]
    );
    assert_eq!(f.run(by(me), move_cmd(me, r1)), moved(r1, &[me]));
    assert_eq!(f.run(by(me), move_cmd(me, r1)), vec![]);
    refused(&f, by(me), move_cmd(other, r1), "forbidden");
    refused(&f, by(me), move_cmd(f.moderator, r1), "forbidden");
    assert_eq!(
        f.run(by(me), move_cmd(me, Location::Main)),
        moved(Location::Main, &[me])
    );

    f.run(by(f.co_moderator), Command::SetFreeMovement { on: false });
    refused(&f, by(me), move_cmd(me, r1), "forbidden");
}

// ---------------------------------------------------------------------------------------------
// Auto-assign
// ---------------------------------------------------------------------------------------------

fn auto(seed: u64, rules: AssignRules) -> Command {
    Command::AutoAssign(AutoAssign {
        seed,
        keep_existing: false,
        rules,
    })
}

/// Run an auto-assignment; return its placements and broken rules (empty when nothing moved).
fn assign(f: &mut Fixture, command: Command) -> (Vec<Placement>, Vec<BrokenRule>) {
    match f.run(staff(f), command).as_slice() {
        [] => (vec![], vec![]),
        [Event::ParticipantsMoved {
            placements,
            broken_rules,
        }] => (placements.clone(), broken_rules.clone()),
        other => panic!("expected one ParticipantsMoved, got {other:?}"),
    }
}

/// How many plain participants each room holds, in display order.
fn room_sizes(f: &Fixture) -> Vec<usize> {
    let count = |room: RoomId| {
        f.state
            .participants
            .iter()
            .filter(|p| p.role == Role::Participant && p.location == Location::Room(room))
            .count()
    };
    f.rooms().into_iter().map(count).collect()
}

fn assert_balanced(f: &Fixture) {
    let sizes = room_sizes(f);
    let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
    assert!(max - min <= 1, "unbalanced rooms {sizes:?}");
}

fn assert_everyone_in_a_room(f: &Fixture) {
    for &p in &f.participants {
        assert_ne!(f.location(p), Location::Main, "{p} left in main");
    }
}

fn together(groups: Vec<Vec<ParticipantId>>) -> AssignRules {
    AssignRules {
        together: groups,
        ..AssignRules::default()
    }
}

fn apart(groups: Vec<Vec<ParticipantId>>) -> AssignRules {
    AssignRules {
        apart: groups,
        ..AssignRules::default()
    }
}

fn capped(max: u32) -> AssignRules {
    AssignRules {
        max_per_room: Some(max),
        ..AssignRules::default()
    }
}

#[test]
fn auto_assign_is_deterministic_per_seed() {
    let f = Fixture::with_open_rooms(30, 4);
    let decide_with = |seed| f.decide(staff(&f), &auto(seed, AssignRules::default()));
    assert_eq!(decide_with(1).unwrap(), decide_with(1).unwrap());
    assert_ne!(decide_with(1).unwrap(), decide_with(2).unwrap());
    let copy = f.clone();
    assert_eq!(
        copy.decide(staff(&copy), &auto(1, AssignRules::default())),
        decide_with(1)
    );
}

#[test]
fn auto_assign_without_rules_balances_rooms_and_skips_staff() {
    for (people, room_count) in [(1, 3), (5, 2), (23, 5), (40, 7)] {
        let mut f = Fixture::with_open_rooms(people, room_count);
        let r1 = room_at(&f, 0);
        f.put(f.co_moderator, r1);
        let (placements, broken) = assign(&mut f, auto(9, AssignRules::default()));
        assert_eq!(broken, vec![]);
        let placed: Vec<_> = placements.iter().flat_map(|p| &p.participants).collect();
        assert!(!placed.contains(&&f.moderator) && !placed.contains(&&f.co_moderator));
        assert_eq!(f.location(f.moderator), Location::Main);
        assert_eq!(f.location(f.co_moderator), r1);
        assert_eq!(placed.len(), people);
        assert_balanced(&f);
        assert_everyone_in_a_room(&f);
    }
}

#[test]
fn auto_assign_keep_existing_leaves_placed_people_where_they_are() {
    let mut f = Fixture::with_open_rooms(12, 3);
    let r3 = room_at(&f, 2);
    let kept = [f.participants[0], f.participants[1]];
    for p in kept {
        f.put(p, r3);
    }
    let command = Command::AutoAssign(AutoAssign {
        seed: 3,
        keep_existing: true,
        rules: AssignRules::default(),
    });
    let (placements, _) = assign(&mut f, command.clone());
    assert!(placements
        .iter()
        .all(|p| kept.iter().all(|k| !p.participants.contains(k))));
    assert_eq!(kept.map(|p| f.location(p)), [r3, r3]);
    assert_eq!(room_sizes(&f), vec![4, 4, 4]);
    // Everyone is placed now, so doing it again changes nothing.
    assert_eq!(f.run(staff(&f), command), vec![]);
}

#[test]
fn auto_assign_keeps_together_groups_together() {
    for seed in 0..20 {
        let mut f = Fixture::with_open_rooms(12, 4);
        let p = f.participants.clone();
        let rules = together(vec![vec![p[0], p[1], p[2]], vec![p[3], p[4]]]);
        let (_, broken) = assign(&mut f, auto(seed, rules));
        assert_eq!(broken, vec![], "seed {seed}");
        assert_eq!(f.location(p[0]), f.location(p[1]));
        assert_eq!(f.location(p[0]), f.location(p[2]));
        assert_eq!(f.location(p[3]), f.location(p[4]));
        assert_everyone_in_a_room(&f);
    }
}

#[test]
fn auto_assign_keeps_apart_groups_apart() {
    for seed in 0..20 {
        let mut f = Fixture::with_open_rooms(12, 4);
        let group: Vec<_> = f.participants[..4].to_vec();
        let (_, broken) = assign(&mut f, auto(seed, apart(vec![group.clone()])));
        assert_eq!(broken, vec![], "seed {seed}");
        let places: BTreeSet<_> = group.iter().map(|&p| f.location(p)).collect();
        assert_eq!(places.len(), 4, "seed {seed}: {places:?}");
    }
}

#[test]
fn auto_assign_reports_an_apart_group_larger_than_the_room_count() {
    for seed in 0..20 {
        let mut f = Fixture::with_open_rooms(12, 4);
        let p = f.participants.clone();
        let rules = apart(vec![vec![p[10], p[11]], p[..5].to_vec()]);
        let (_, broken) = assign(&mut f, auto(seed, rules));
        assert_eq!(broken, vec![BrokenRule::Apart { group: 1 }], "seed {seed}");
        assert_ne!(f.location(p[10]), f.location(p[11]));
        assert_everyone_in_a_room(&f);
    }
}

#[test]
fn auto_assign_honours_max_per_room_and_reports_who_did_not_fit() {
    let mut f = Fixture::with_open_rooms(6, 3);
    let (_, broken) = assign(&mut f, auto(5, capped(2)));
    assert_eq!(broken, vec![]);
    assert_eq!(room_sizes(&f), vec![2, 2, 2]);

    let mut f = Fixture::with_open_rooms(10, 3);
    let (placements, broken) = assign(&mut f, auto(5, capped(2)));
    assert_eq!(
        broken,
        vec![BrokenRule::MaxPerRoom {
            unplaced: 4,
            rooms_over: vec![]
        }]
    );
    assert_eq!(room_sizes(&f), vec![2, 2, 2]);
    let in_main = f.people_at(Location::Main).len() - 2; // minus the staff
    assert_eq!(in_main, 4);
    assert!(
        placements.iter().all(|p| p.to != Location::Main),
        "nobody was in a room, so nobody moves to main"
    );
}

#[test]
fn auto_assign_reports_a_together_group_larger_than_the_cap() {
    let mut f = Fixture::with_open_rooms(6, 3);
    let p = f.participants.clone();
    let rules = AssignRules {
        max_per_room: Some(2),
        ..together(vec![vec![p[0], p[1], p[2]]])
    };
    let (_, broken) = assign(&mut f, auto(11, rules));
    assert_eq!(broken, vec![BrokenRule::Together { group: 0 }]);
    assert_eq!(room_sizes(&f), vec![2, 2, 2]);
}

#[test]
fn auto_assign_reports_together_and_apart_rules_that_contradict() {
    let mut f = Fixture::with_open_rooms(4, 2);
    let p = f.participants.clone();
    let rules = AssignRules {
        together: vec![vec![p[0], p[1]]],
        apart: vec![vec![p[0], p[1]]],
        max_per_room: None,
    };
    let (_, broken) = assign(&mut f, auto(0, rules));
    assert_eq!(broken, vec![BrokenRule::Apart { group: 0 }]);
    assert_eq!(f.location(p[0]), f.location(p[1]));
}

#[test]
fn auto_assign_rejects_bad_rules() {
    let f = Fixture::with_open_rooms(2, 2);
    let p = f.participants[0];
    refused(&f, staff(&f), auto(0, capped(0)), "invalid");
    refused(
        &f,
        staff(&f),
        auto(0, apart(vec![vec![STRANGER]])),
        "not_found",
    );
    let too_many = vec![vec![p]; MAX_RULE_GROUPS + 1];
    refused(
        &f,
        staff(&f),
        auto(0, together(too_many.clone())),
        "invalid",
    );
    refused(&f, staff(&f), auto(0, apart(too_many)), "invalid");
}

#[test]
fn auto_assign_rejects_a_rule_group_with_too_many_members() {
    let f = Fixture::with_open_rooms(MAX_RULE_GROUPS + 1, 2);
    let huge = f.participants.clone();
    refused(&f, staff(&f), auto(0, together(vec![huge])), "invalid");
}

/// With `keep_existing`, two kept people can already break a rule; the module promises that rules
/// which cannot be met are reported, not hidden.
#[test]
fn auto_assign_reports_rules_already_broken_by_kept_people() {
    let mut f = Fixture::with_open_rooms(4, 2);
    let [a, b, c, d] = exactly(&f.participants);
    let (r1, r2) = (room_at(&f, 0), room_at(&f, 1));
    f.put(a, r1);
    f.put(b, r2);
    f.put(c, r1);
    f.put(d, r1);
    let command = Command::AutoAssign(AutoAssign {
        seed: 0,
        keep_existing: true,
        rules: AssignRules {
            together: vec![vec![a, b]],
            apart: vec![vec![c, d]],
            max_per_room: None,
        },
    });
    let events = f.decide(staff(&f), &command).unwrap();
    let broken = match events.as_slice() {
        [Event::ParticipantsMoved { broken_rules, .. }] => broken_rules.clone(),
        _ => vec![],
    };
    assert_eq!(
        broken,
        vec![
            BrokenRule::Together { group: 0 },
            BrokenRule::Apart { group: 0 }
        ]
    );
}

#[test]
fn auto_assign_puts_ten_thousand_people_into_a_thousand_rooms_in_one_event() {
    let mut f = Fixture::with_open_rooms(10_000, 1_000);
    let events = f.run(staff(&f), auto(42, AssignRules::default()));
    let [Event::ParticipantsMoved {
        placements,
        broken_rules,
    }] = events.as_slice()
    else {
        panic!(
            "expected exactly one ParticipantsMoved event, got {} events",
            events.len()
        );
    };
    assert_eq!(broken_rules, &vec![]);
    assert_eq!(placements.len(), 1_000);
    assert!(placements.iter().all(|p| p.participants.len() == 10));
    assert_everyone_in_a_room(&f);
    assert!(room_sizes(&f).iter().all(|&n| n == 10));
}

// ---------------------------------------------------------------------------------------------
// Sharing documents
// ---------------------------------------------------------------------------------------------

fn shared(all_rooms: bool, rooms: &[RoomId]) -> Sharing {
    Sharing {
        all_rooms,
        rooms: rooms.to_vec(),
    }
}

/// Change `document`'s sharing with `command`, expecting exactly the sharing `want`.
fn reshare(f: &mut Fixture, command: Command, document: &DocumentId, want: Sharing) {
    let events = f.run(staff(f), command);
    assert_eq!(
        events,
        vec![Event::DocumentSharingSet {
            document: document.clone(),
            sharing: want.clone()
        }]
    );
    assert_eq!(sharing_of(f, document), want);
}

#[test]
fn unsharing_one_room_from_an_all_rooms_document_keeps_the_others() {
    let mut f = Fixture::with_open_rooms(0, 3);
    let [r1, r2, r3] = exactly(&f.rooms());
    let doc = add_document(&mut f, "slides.pdf");
    reshare(
        &mut f,
        share(&doc, RoomSelection::All),
        &doc,
        shared(true, &[]),
    );
    assert_eq!(f.run(staff(&f), share(&doc, RoomSelection::All)), vec![]);
    reshare(
        &mut f,
        unshare(&doc, rooms(&[r2])),
        &doc,
        shared(false, &[r1, r3]),
    );
    reshare(
        &mut f,
        unshare(&doc, RoomSelection::All),
        &doc,
        Sharing::default(),
    );
}

#[test]
fn sharing_with_chosen_rooms_keeps_a_sorted_set() {
    let mut f = Fixture::with_open_rooms(0, 3);
    let [r1, r2, r3] = exactly(&f.rooms());
    let doc = add_document(&mut f, "plan.pdf");
    reshare(
        &mut f,
        share(&doc, rooms(&[r3, r1, r1])),
        &doc,
        shared(false, &[r1, r3]),
    );
    assert_eq!(f.run(staff(&f), share(&doc, rooms(&[r1]))), vec![]);
    reshare(
        &mut f,
        share(&doc, rooms(&[r2])),
        &doc,
        shared(false, &[r1, r2, r3]),
    );
    reshare(
        &mut f,
        unshare(&doc, rooms(&[r1])),
        &doc,
        shared(false, &[r2, r3]),
    );
    assert_eq!(f.run(staff(&f), unshare(&doc, rooms(&[r1]))), vec![]);
}

#[test]
fn sharing_checks_the_document_and_the_rooms() {
    let mut f = Fixture::with_open_rooms(0, 2);
    let doc = add_document(&mut f, "plan.pdf");
    let unknown = DocumentId("doc-unknown".into());
    for make in [share, unshare] {
        refused(&f, staff(&f), make(&doc, rooms(&[])), "invalid");
        refused(&f, staff(&f), make(&doc, rooms(&[NO_ROOM])), "not_found");
        refused(
            &f,
            staff(&f),
            make(&unknown, RoomSelection::All),
            "not_found",
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Bringing back, stopping, timers
// ---------------------------------------------------------------------------------------------

#[test]
fn bring_back_chosen_rooms_then_all_rooms() {
    let mut f = Fixture::with_open_rooms(9, 3);
    assign(&mut f, auto(1, AssignRules::default()));
    let (r1, r2) = (room_at(&f, 0), room_at(&f, 1));
    f.put(f.co_moderator, r1);
    let from_r1 = f.people_at(r1);
    assert_eq!(from_r1.len(), 4, "three participants and the co-moderator");

    let events = f.run(
        staff(&f),
        Command::BringBack {
            target: rooms(&[f.rooms()[0]]),
        },
    );
    assert_eq!(events, moved(Location::Main, &from_r1));
    assert_eq!(f.people_at(r1), vec![]);
    assert_eq!(f.people_at(r2).len(), 3);
    assert!(f.state.is_open() && f.rooms().len() == 3, "rooms stay open");

    let everyone_left: Vec<_> = f
        .participants
        .iter()
        .copied()
        .filter(|&p| f.location(p) != Location::Main)
        .collect();
    let all = Command::BringBack {
        target: RoomSelection::All,
    };
    assert_eq!(
        f.run(staff(&f), all.clone()),
        moved(Location::Main, &everyone_left)
    );
    assert_eq!(f.run(staff(&f), all), vec![], "nobody left in a room");
}

#[test]
fn stopping_breakouts_returns_everyone_to_main_and_clears_help() {
    let mut f = Fixture::with_open_rooms(6, 2);
    assign(&mut f, auto(4, AssignRules::default()));
    f.put(f.moderator, room_at(&f, 1));
    let asker = f.participants[0];
    let request = ask_for_help(&mut f, asker);
    f.run(by(f.co_moderator), Command::TakeHelp { request });

    assert_eq!(
        f.run(by(f.co_moderator), Command::StopBreakouts),
        vec![Event::BreakoutsStopped]
    );
    assert!(!f.state.is_open());
    assert_eq!(f.people_at(Location::Main).len(), 8);
    assert_eq!(f.state.help, vec![]);
    refused(&f, staff(&f), Command::StopBreakouts, "conflict");
}

#[test]
fn tick_stops_rooms_only_once_their_time_is_up() {
    let mut f = Fixture::new(2);
    let open = Command::OpenBreakouts {
        rooms: 2,
        duration_minutes: Some(10),
    };
    let events = f.run(staff(&f), open);
    let end = Timestamp(NOW.0 + 10 * 60_000);
    assert_eq!(
        events.last(),
        Some(&Event::BreakoutsOpened { ends_at: Some(end) })
    );
    assign(&mut f, auto(0, AssignRules::default()));

    let tick_at = |f: &mut Fixture, ms: u64| {
        f.try_run_at(Actor::System, Timestamp(ms), Command::Tick)
            .unwrap()
    };
    assert_eq!(tick_at(&mut f, NOW.0), vec![]);
    assert_eq!(tick_at(&mut f, end.0 - 1), vec![]);
    assert!(f.state.is_open());
    assert_eq!(tick_at(&mut f, end.0), vec![Event::BreakoutsStopped]);
    assert!(!f.state.is_open());
    assert_eq!(f.people_at(Location::Main).len(), 4);
    assert_eq!(tick_at(&mut f, end.0 + 60_000), vec![], "already stopped");
}

#[test]
fn tick_never_stops_rooms_without_an_end_time() {
    let mut f = Fixture::with_open_rooms(1, 1);
    let events = f
        .try_run_at(Actor::System, Timestamp(u64::MAX), Command::Tick)
        .unwrap();
    assert_eq!(events, vec![]);
    assert!(f.state.is_open());
}

#[test]
fn breakout_duration_must_be_within_a_day() {
    let f = Fixture::new(0);
    let open = |minutes| Command::OpenBreakouts {
        rooms: 1,
        duration_minutes: Some(minutes),
    };
    refused(&f, staff(&f), open(0), "invalid");
    refused(&f, staff(&f), open(MAX_DURATION_MINUTES + 1), "invalid");
    assert!(f.decide(staff(&f), &open(MAX_DURATION_MINUTES)).is_ok());
}

// ---------------------------------------------------------------------------------------------
// Calls to action
// ---------------------------------------------------------------------------------------------

#[test]
fn call_to_action_is_validated() {
    let f = Fixture::with_open_rooms(0, 2);
    let all = || RoomSelection::All;
    let long = "x".repeat(MAX_CALL_CHARS + 1);
    let cases = [
        ("", None, all(), "invalid"),
        (" \n ", None, all(), "invalid"),
        (long.as_str(), None, all(), "invalid"),
        ("Go", Some("javascript:x"), all(), "invalid"),
        ("Go", Some("example.org"), all(), "invalid"),
        ("Go", Some("https://"), all(), "invalid"),
        ("Go", None, rooms(&[]), "invalid"),
        ("Go", None, rooms(&[NO_ROOM]), "not_found"),
    ];
    for (text, link, target, code) in cases {
        refused(&f, staff(&f), call(text, link, target), code);
    }
}

#[test]
fn call_to_action_is_recorded_with_sender_time_and_id() {
    let mut f = Fixture::with_open_rooms(0, 2);
    let co = f.co_moderator;
    let version = f.state.version;
    let events = f.run(by(co), call("Wrap up\nplease", None, RoomSelection::All));
    let want = CallToAction {
        id: CallId(version + 1),
        text: "Wrap up\nplease".into(),
        link: None,
        target: RoomSelection::All,
        sent_by: co,
        sent_at: NOW,
    };
    assert_eq!(events, vec![Event::CallToActionSent { call: want.clone() }]);
    assert_eq!(f.state.calls, vec![want]);
}

// ---------------------------------------------------------------------------------------------
// Help requests
// ---------------------------------------------------------------------------------------------

#[test]
fn help_is_asked_from_a_breakout_room_once_until_resolved() {
    let mut f = Fixture::with_open_rooms(1, 2);
    let p = f.participants[0];
    let r2 = f.rooms()[1];
    refused(&f, by(p), Command::AskForHelp, "conflict");
    f.put(p, Location::Room(r2));
    let version = f.state.version;
    let events = f.run(by(p), Command::AskForHelp);
    let request = HelpRequest {
        id: HelpId(version + 1),
        participant: p,
        room: r2,
        asked_at: NOW,
        state: HelpState::Open,
    };
    assert_eq!(
        events,
        vec![Event::HelpRequested {
            request: request.clone()
        }]
    );
    assert_eq!(f.state.help, vec![request.clone()]);
    refused(&f, by(p), Command::AskForHelp, "conflict");
    f.run(
        by(p),
        Command::ResolveHelp {
            request: request.id,
        },
    );
    assert_ne!(ask_for_help(&mut f, p), request.id, "ids are not reused");
}

#[test]
fn help_is_taken_by_one_staff_member_at_a_time() {
    let mut f = Fixture::with_open_rooms(1, 1);
    let p = f.participants[0];
    f.put(p, room_at(&f, 0));
    let request = ask_for_help(&mut f, p);
    let take = Command::TakeHelp { request };
    refused(&f, by(p), take.clone(), "forbidden");
    assert_eq!(
        f.run(staff(&f), take.clone()),
        vec![Event::HelpTaken {
            request,
            asker: p,
            by: f.moderator
        }]
    );
    assert_eq!(
        help_state(&f, request),
        Some(HelpState::TakenBy(f.moderator))
    );
    assert_eq!(f.run(staff(&f), take.clone()), vec![], "taking it again");
    let message = refused(&f, by(f.co_moderator), take, "conflict");
    assert!(message.contains("Moderator"), "names the taker: {message}");
}

#[test]
fn help_is_resolved_by_staff_or_by_the_asker_only() {
    let mut f = Fixture::with_open_rooms(3, 1);
    let [asker, other, third] = exactly(&f.participants);
    for p in [asker, other, third] {
        f.put(p, room_at(&f, 0));
    }
    let first = ask_for_help(&mut f, asker);
    let second = ask_for_help(&mut f, third);
    let resolve = |request| Command::ResolveHelp { request };

    refused(&f, by(other), resolve(first), "forbidden");
    refused(&f, by(asker), resolve(second), "forbidden");
    assert_eq!(
        f.run(by(asker), resolve(first)),
        vec![Event::HelpResolved {
            request: first,
            asker,
            by: asker
        }]
    );
    assert_eq!(
        f.run(by(f.co_moderator), resolve(second)),
        vec![Event::HelpResolved {
            request: second,
            asker: third,
            by: f.co_moderator
        }]
    );
    assert_eq!(f.state.help, vec![]);
    refused(&f, by(asker), resolve(first), "not_found");
}

// ---------------------------------------------------------------------------------------------
// Leaving
// ---------------------------------------------------------------------------------------------

#[test]
fn people_leave_only_by_themselves_or_through_the_system() {
    let mut f = Fixture::new(2);
    let [me, other] = exactly(&f.participants);
    let leave = |participant| Command::Leave { participant };
    refused(&f, by(me), leave(other), "forbidden");
    refused(&f, staff(&f), leave(other), "forbidden");
    refused(&f, Actor::System, leave(STRANGER), "not_found");
    assert_eq!(
        f.run(by(me), leave(me)),
        vec![Event::ParticipantLeft { participant: me }]
    );
    assert!(f.state.participant(me).is_none());
    assert_eq!(
        f.run(Actor::System, leave(other)),
        vec![Event::ParticipantLeft { participant: other }]
    );
    refused(&f, by(me), Command::AskForHelp, "not_found");
}

#[test]
fn leaving_drops_own_help_requests_and_reopens_taken_ones() {
    let mut f = Fixture::with_open_rooms(2, 1);
    let [a, b] = exactly(&f.participants);
    f.put(a, room_at(&f, 0));
    f.put(b, room_at(&f, 0));
    let from_a = ask_for_help(&mut f, a);
    let from_b = ask_for_help(&mut f, b);
    f.run(staff(&f), Command::TakeHelp { request: from_a });
    f.run(by(f.co_moderator), Command::TakeHelp { request: from_b });

    f.run(by(b), Command::Leave { participant: b });
    assert_eq!(help_state(&f, from_b), None, "the leaver's request is gone");
    assert_eq!(
        help_state(&f, from_a),
        Some(HelpState::TakenBy(f.moderator))
    );

    f.run(
        by(f.moderator),
        Command::Leave {
            participant: f.moderator,
        },
    );
    assert_eq!(help_state(&f, from_a), Some(HelpState::Open));
    f.run(by(f.co_moderator), Command::TakeHelp { request: from_a });
}

// ---------------------------------------------------------------------------------------------
// Removing people
// ---------------------------------------------------------------------------------------------

fn remove(participant: ParticipantId) -> Command {
    Command::RemoveParticipant { participant }
}

#[test]
fn staff_remove_people_but_not_themselves_and_co_moderators_not_the_moderator() {
    let mut f = Fixture::new(2);
    let [a, b] = exactly(&f.participants);
    let second = match f
        .run(
            Actor::System,
            Command::Join {
                name: "Second".into(),
                role: Role::CoModerator,
            },
        )
        .as_slice()
    {
        [Event::ParticipantJoined { participant }] => participant.id,
        other => panic!("expected a join, got {other:?}"),
    };
    let co = f.co_moderator;
    let message = refused(&f, by(co), remove(f.moderator), "forbidden");
    assert!(message.contains("moderator"), "{message}");
    let message = refused(&f, by(co), remove(co), "forbidden");
    assert!(message.contains("yourself"), "{message}");
    refused(&f, staff(&f), remove(f.moderator), "forbidden");
    refused(&f, by(a), remove(b), "forbidden");
    refused(&f, by(a), remove(a), "forbidden");
    refused(&f, Actor::System, remove(a), "forbidden");

    assert_eq!(
        f.run(by(co), remove(second)),
        vec![Event::ParticipantRemoved {
            participant: second,
            by: co
        }]
    );
    assert_eq!(
        f.run(by(co), remove(a)),
        vec![Event::ParticipantRemoved {
            participant: a,
            by: co
        }]
    );
    assert!(f.state.participant(a).is_none());
    invariants::check(&f.state).unwrap();
    // Gone for good: they can do nothing, and removing them again finds nobody.
    refused(&f, by(a), Command::Leave { participant: a }, "not_found");
    refused(&f, staff(&f), remove(a), "not_found");
    f.run(staff(&f), remove(co));
    refused(&f, by(co), remove(b), "not_found");
}

#[test]
fn removal_takes_people_out_of_rooms_and_the_help_queue_and_everyone_sees_it() {
    let mut f = Fixture::with_open_rooms(3, 1);
    let [a, b, c] = exactly(&f.participants);
    f.put(a, room_at(&f, 0));
    f.put(b, room_at(&f, 0));
    let from_a = ask_for_help(&mut f, a);
    let from_b = ask_for_help(&mut f, b);
    f.run(staff(&f), Command::TakeHelp { request: from_b });
    f.run(by(f.co_moderator), Command::TakeHelp { request: from_a });

    let events = f.run(staff(&f), remove(a));
    assert_eq!(
        help_state(&f, from_a),
        None,
        "the removed person's request is gone"
    );
    assert_eq!(f.people_at(room_at(&f, 0)), vec![b]);
    invariants::check(&f.state).unwrap();

    // Every remaining viewer's replica follows: the event is shown to participants too.
    let update = breakout_core::view::project_update(&f.state, &f.state, &events[0], c)
        .expect("c is still in the session");
    assert_eq!(update.event.as_ref(), Some(&events[0]));

    // A co-moderator who had taken a request is removed: the request opens again.
    f.run(staff(&f), remove(f.co_moderator));
    assert_eq!(
        help_state(&f, from_b),
        Some(HelpState::TakenBy(f.moderator))
    );
    let mut g = Fixture::with_open_rooms(1, 1);
    let [p] = exactly(&g.participants);
    g.put(p, room_at(&g, 0));
    let request = ask_for_help(&mut g, p);
    g.run(by(g.co_moderator), Command::TakeHelp { request });
    g.run(by(g.moderator), remove(g.co_moderator));
    assert_eq!(help_state(&g, request), Some(HelpState::Open));
}

#[test]
fn rotating_codes_is_visible_to_staff_only() {
    let mut f = Fixture::new(1);
    let [p] = exactly(&f.participants);
    let before = f.state.clone();
    let events = f.run(by(f.co_moderator), Command::RotateJoinCodes);
    assert_eq!(f.state.version, before.version + 1);
    let update = breakout_core::view::project_update(&before, &f.state, &events[0], p).unwrap();
    assert_eq!(update.event, None, "participants are not told");
    let staff_update =
        breakout_core::view::project_update(&before, &f.state, &events[0], f.moderator).unwrap();
    assert_eq!(staff_update.event.as_ref(), Some(&events[0]));
}

// ---------------------------------------------------------------------------------------------
// What each viewer sees
// ---------------------------------------------------------------------------------------------

#[test]
fn participants_see_only_documents_and_calls_that_reach_them() {
    let mut f = Fixture::with_open_rooms(3, 2);
    let [r1, r2] = exactly(&f.rooms());
    let [in_r1, in_r2, in_main] = exactly(&f.participants);
    f.put(in_r1, Location::Room(r1));
    f.put(in_r2, Location::Room(r2));
    let mut add_shared = |name: &str, target: Option<RoomSelection>| {
        let doc = add_document(&mut f, name);
        if let Some(target) = target {
            f.run(staff(&f), share(&doc, target));
        }
    };
    add_shared("for-everyone.pdf", Some(RoomSelection::All));
    add_shared("room-one-handout.pdf", Some(rooms(&[r1])));
    add_shared("both-rooms.pdf", Some(rooms(&[r1, r2])));
    add_shared("room-two-secret-plan.pdf", Some(rooms(&[r2])));
    add_shared("staff-only-notes.pdf", None);
    f.run(staff(&f), call("Room two call", None, rooms(&[r2])));
    f.run(staff(&f), call("Everyone call", None, RoomSelection::All));

    let seen = |who| serde_json::to_string(&view_for(&f.state, who).unwrap()).unwrap();
    let expectations = [
        (
            in_r1,
            &[
                "for-everyone",
                "room-one-handout",
                "both-rooms",
                "Everyone call",
            ][..],
        ),
        (
            in_r2,
            &[
                "for-everyone",
                "both-rooms",
                "room-two-secret-plan",
                "Room two call",
                "Everyone call",
            ],
        ),
        (in_main, &["for-everyone", "Everyone call"]),
    ];
    let everything = [
        "for-everyone",
        "room-one-handout",
        "both-rooms",
        "room-two-secret-plan",
        "staff-only-notes",
        "Room two call",
        "Everyone call",
    ];
    for (who, visible) in expectations {
        let json = seen(who);
        for item in everything {
            assert_eq!(
                json.contains(item),
                visible.contains(&item),
                "{who} / {item}"
            );
        }
    }
    // A document shared with several rooms shows the viewer only their own room.
    let view = view_for(&f.state, in_r1).unwrap();
    let both = view.document(&DocumentId("doc-both-rooms.pdf".into()));
    assert_eq!(both.unwrap().sharing, shared(false, &[r1]));
}

#[test]
fn participants_see_only_their_own_help_requests_and_staff_see_everything() {
    let mut f = Fixture::with_open_rooms(2, 1);
    let [a, b] = exactly(&f.participants);
    f.put(a, room_at(&f, 0));
    f.put(b, room_at(&f, 0));
    let from_a = ask_for_help(&mut f, a);
    ask_for_help(&mut f, b);
    add_document(&mut f, "unshared.pdf");

    let view = view_for(&f.state, a).unwrap();
    let help: Vec<_> = view.help.iter().map(|h| (h.id, h.participant)).collect();
    assert_eq!(help, vec![(from_a, a)]);
    assert_eq!(
        view.participants, f.state.participants,
        "the dashboard is public"
    );
    assert_eq!(view.rooms, f.state.rooms);
    for staff_member in [f.moderator, f.co_moderator] {
        assert_eq!(view_for(&f.state, staff_member), Some(f.state.clone()));
    }
    assert_eq!(view_for(&f.state, STRANGER), None);
}

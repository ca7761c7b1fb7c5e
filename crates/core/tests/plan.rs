//! The offline room plan: validation and CSV import refuse bad input whole, and applying a plan to a
//! real session (through `decide`/`apply`) creates the rooms, shares, and placements it describes —
//! once: a second application sends nothing.

mod common;

use breakout_core::plan::{
    late_joiner_move, room_details, room_setup, LateJoiners, PlannedRoom, RoomPlan,
};
use breakout_core::{Command, DocumentId, Location, Rejection};
use common::{by, Fixture};
use std::collections::BTreeMap;

fn room(name: &str, documents: &[&str], members: &[&str]) -> PlannedRoom {
    PlannedRoom {
        name: name.into(),
        documents: documents.iter().map(|d| d.to_string()).collect(),
        members: members.iter().map(|m| m.to_string()).collect(),
    }
}

fn plan() -> RoomPlan {
    RoomPlan {
        rooms: vec![
            room(
                "Design",
                &["brief.pdf"],
                &["Participant 1", " participant 2 "],
            ),
            room("Build", &[], &["Participant 3"]),
        ],
        late_joiners: LateJoiners::StayInMain,
    }
}

#[test]
fn a_valid_plan_is_kept_with_names_trimmed() {
    let valid = plan().validated().unwrap();
    assert_eq!(valid.rooms[0].members, ["Participant 1", "participant 2"]);
    assert_eq!(valid.rooms.len(), 2);
}

#[test]
fn bad_plans_are_refused_with_the_reason() {
    let mut blank = plan();
    blank.rooms[1].name = "  ".into();
    let mut twice = plan();
    twice.rooms[1].members.push("PARTICIPANT 1".into());
    let mut same_room = plan();
    same_room.rooms[1].name = "design".into();
    for (bad, expected) in [
        (blank, "room name"),
        (twice, "both"),
        (same_room, "two rooms"),
    ] {
        let Err(Rejection::Invalid(why)) = bad.validated() else {
            panic!("{bad:?} was accepted")
        };
        assert!(why.contains(expected), "{why}");
    }
}

#[test]
fn csv_lines_move_people_and_create_rooms() {
    let merged = plan()
        .with_csv("name,room\nParticipant 3,Design\n\"Participant 9\", Review\n\n")
        .unwrap();
    assert_eq!(
        merged.rooms[0].members,
        ["Participant 1", "participant 2", "Participant 3"]
    );
    assert!(merged.rooms[1].members.is_empty(), "moved out of Build");
    assert_eq!(merged.rooms[2].name, "Review");
    assert_eq!(merged.rooms[2].members, ["Participant 9"]);
}

#[test]
fn a_bad_csv_line_refuses_the_whole_import() {
    for (csv, line) in [
        ("Ann,Design\nBob\n", "line 2"),
        ("Ann,Design\n,Build\n", "line 2"),
        ("Ann,Design,Extra\n", "line 1"),
    ] {
        let Err(Rejection::Invalid(why)) = plan().with_csv(csv) else {
            panic!("{csv:?} was accepted")
        };
        assert!(why.contains(line), "{csv:?}: {why}");
    }
}

#[test]
fn applying_a_plan_builds_the_rooms_shares_and_placements_once() {
    let mut f = Fixture::new(4);
    let moderator = by(f.moderator);
    f.run(
        moderator,
        Command::AddDocument {
            id: DocumentId("d1".into()),
            name: "brief.pdf".into(),
            size: 10,
            sha256: "a".repeat(64),
        },
    );
    let documents = BTreeMap::from([("brief.pdf".to_owned(), DocumentId("d1".into()))]);
    let plan = plan().validated().unwrap();

    for command in room_setup(&plan, &f.state) {
        f.run(moderator, command);
    }
    assert!(f.state.is_open());
    for command in room_details(&plan, &f.state, &documents) {
        f.run(moderator, command);
    }
    let rooms = f.rooms();
    assert_eq!(f.state.rooms[0].name, "Design");
    assert_eq!(f.state.rooms[1].name, "Build");
    assert_eq!(f.state.documents[0].sharing.rooms, [rooms[0]]);
    let [p1, p2, p3, p4] = f.participants[..] else {
        unreachable!()
    };
    assert_eq!(f.location(p1), Location::Room(rooms[0]));
    assert_eq!(
        f.location(p2),
        Location::Room(rooms[0]),
        "names match without case"
    );
    assert_eq!(f.location(p3), Location::Room(rooms[1]));
    assert_eq!(f.location(p4), Location::Main, "not in the plan");

    assert!(room_setup(&plan, &f.state).is_empty());
    assert!(room_details(&plan, &f.state, &documents).is_empty());
}

#[test]
fn late_joiners_go_to_their_planned_room_or_follow_the_rule() {
    let mut f = Fixture::with_open_rooms(3, 2);
    let rooms = f.rooms();
    let mut plan = RoomPlan {
        rooms: vec![room("A", &[], &[]), room("B", &[], &["Participant 2"])],
        late_joiners: LateJoiners::StayInMain,
    };
    let participant =
        |f: &Fixture, i: usize| f.state.participant(f.participants[i]).unwrap().clone();

    let planned = late_joiner_move(&plan, &f.state, &participant(&f, 1));
    assert_eq!(
        planned,
        Some(Command::Move {
            participant: f.participants[1],
            to: Location::Room(rooms[1]),
        })
    );
    assert_eq!(late_joiner_move(&plan, &f.state, &participant(&f, 0)), None);

    plan.late_joiners = LateJoiners::FillEmptiest;
    f.put(f.participants[2], Location::Room(rooms[0]));
    assert_eq!(
        late_joiner_move(&plan, &f.state, &participant(&f, 0)),
        Some(Command::Move {
            participant: f.participants[0],
            to: Location::Room(rooms[1]),
        }),
        "room B is the emptiest"
    );
    let staff = f.state.participant(f.moderator).unwrap().clone();
    assert_eq!(
        late_joiner_move(&plan, &f.state, &staff),
        None,
        "staff stay put"
    );
}

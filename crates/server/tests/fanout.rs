//! Fan-out at scale and per viewer: hundreds of sockets each receive every event, in version order,
//! and end with exactly the session as they may see it (`view_for` of the staff replica); a
//! participant's socket never carries the name of a document shared only with another room; and a
//! client too slow to read is resynced from a snapshot instead of growing the server's memory.

mod support;

use breakout_core::protocol::{CreateSessionResponse, JoinResponse};
use breakout_core::view::view_for;
use breakout_core::{
    AutoAssign, Command, DocumentId, Location, ParticipantId, RoomId, RoomSelection, Session,
};
use std::time::Instant;
use support::{bounded_join, Answer, Rng, TestServer, WsClient};

/// At least this many participants, each with its own socket.
const PARTICIPANTS: usize = 200;
/// Commands of the random mix.
const STEPS: usize = 60;

/// Command rate limits high enough that no test command is ever refused for its rate.
fn unthrottled(config: &mut breakout_server::Config) {
    config.commands_per_second = 1_000.0;
    config.command_burst = 1_000.0;
}

/// `count` participants joined over HTTP, each connected with its own socket.
async fn crowd(
    server: &TestServer,
    s: &CreateSessionResponse,
    count: usize,
) -> (Vec<JoinResponse>, Vec<WsClient>) {
    let id = s.session_id.0.as_str();
    let joins = (0..count)
        .map(|i| {
            let api = server.api.clone();
            let name = format!("Participant {i:03}");
            let code = s.participant_code.clone();
            async move { api.join(id, &code, &name).await }
        })
        .collect();
    let people: Vec<JoinResponse> = bounded_join(joins, 16).await;
    let connects = people
        .iter()
        .map(|p| WsClient::connect(&server.base, id, &p.token))
        .collect();
    let clients = bounded_join(connects, 32).await;
    (people, clients)
}

/// Rooms to aim at: all of them (as `All`) or a random non-empty subset.
fn selection(rng: &mut Rng, rooms: &[RoomId]) -> RoomSelection {
    if rooms.is_empty() || rng.chance(0.25) {
        RoomSelection::All
    } else {
        RoomSelection::Rooms(rng.subset(rooms))
    }
}

/// A random command the moderator may give now, chosen so that it is accepted.
fn next_command(
    rng: &mut Rng,
    state: &Session,
    people: &[ParticipantId],
    docs: &[DocumentId],
    step: usize,
) -> Command {
    let rooms: Vec<RoomId> = state.rooms.iter().map(|r| r.id).collect();
    if !state.is_open() {
        return Command::OpenBreakouts {
            rooms: rng.between(2, 8),
            duration_minutes: Some(60),
        };
    }
    match rng.below(12) {
        0 | 1 => {
            let mut places: Vec<Location> = rooms.iter().map(|r| Location::Room(*r)).collect();
            places.push(Location::Main);
            Command::Move {
                participant: *rng.pick(people),
                to: *rng.pick(&places),
            }
        }
        2 | 3 => Command::ShareDocument {
            document: rng.pick(docs).clone(),
            target: selection(rng, &rooms),
        },
        4 => Command::UnshareDocument {
            document: rng.pick(docs).clone(),
            target: selection(rng, &rooms),
        },
        5 => Command::CallToAction {
            text: format!("Step {step}: five minutes left"),
            link: rng
                .chance(0.5)
                .then(|| format!("https://example.org/step/{step}")),
            target: selection(rng, &rooms),
        },
        6 => Command::BringBack {
            target: selection(rng, &rooms),
        },
        7 => Command::AutoAssign(AutoAssign {
            seed: rng.next_u64(),
            keep_existing: rng.chance(0.5),
            rules: Default::default(),
        }),
        8 => Command::SetRoomCount {
            rooms: rng.between(2, 8),
        },
        9 => Command::RenameRoom {
            room: *rng.pick(&rooms),
            name: format!("Table {step}"),
        },
        10 => Command::SetFreeMovement {
            on: !state.free_movement,
        },
        _ if step.is_multiple_of(4) => Command::StopBreakouts,
        _ => Command::AutoAssign(AutoAssign {
            seed: rng.next_u64(),
            keep_existing: false,
            rules: Default::default(),
        }),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_clients_receive_every_event_and_converge_on_their_views() {
    let started = Instant::now();
    let server = TestServer::start_with(unthrottled).await;
    let api = server.api.clone();
    let (s, mut moderator) = server.session_with_moderator("Town hall").await;
    let id = s.session_id.0.clone();
    let c = api.join(&id, &s.co_moderator_code, "Cleo").await;
    let mut co = WsClient::connect_online(&server.base, &id, &c.token).await;
    let mut docs = Vec::new();
    for i in 0..4 {
        let name = format!("handout-{i}.pdf");
        let (_, doc) = api
            .upload(&id, &s.token, &name, name.clone().into_bytes())
            .await;
        docs.push(doc.id);
    }
    let (people, mut clients) = crowd(&server, &s, PARTICIPANTS).await;
    let ids: Vec<ParticipantId> = people.iter().map(|p| p.participant_id).collect();
    moderator
        .wait_until(|state| state.participants.iter().all(|p| p.online))
        .await;
    let connected_at = started.elapsed();

    // A seeded mix of commands, mostly from the moderator, some from the co-moderator and from
    // participants moving themselves when free movement is on.
    let mut rng = Rng::new(0x5EED_B4EA_0017);
    let mut acked = 0;
    for step in 0..STEPS {
        moderator.sync().await;
        let state = moderator.replica.clone();
        if state.free_movement && state.is_open() && rng.chance(0.3) {
            let who = rng.below(clients.len());
            let room = rng.pick(&state.rooms).id;
            let me = clients[who].you;
            let answer = clients[who]
                .run(Command::Move {
                    participant: me,
                    to: Location::Room(room),
                })
                .await;
            assert!(
                matches!(answer, Answer::Ack { .. }),
                "self-move: {answer:?}"
            );
        }
        let command = next_command(&mut rng, &state, &ids, &docs, step);
        let sender = if rng.chance(0.2) {
            &mut co
        } else {
            &mut moderator
        };
        let description = format!("{command:?}");
        match sender.run(command).await {
            Answer::Ack { .. } => acked += 1,
            other => panic!("step {step}: {description} → {other:?}"),
        }
    }
    assert_eq!(acked, STEPS);
    moderator.sync().await;
    let state = moderator.replica.clone();
    breakout_core::invariants::check(&state).expect("the session is consistent");
    let version = state.version;

    // Every socket catches up to the same version, having applied each event in order.
    futures_util::future::join_all(clients.iter_mut().map(|c| c.wait_version(version))).await;
    co.wait_version(version).await;
    assert_eq!(co.replica, state, "staff replicas are the whole session");
    for client in &clients {
        assert_eq!(client.welcomes.len(), 1, "{} was resynced", client.you);
        let received = client.events_since(0).len() as u64;
        assert_eq!(received, version - client.first_welcome().version);
        assert_eq!(
            Some(&client.replica),
            view_for(&state, client.you).as_ref(),
            "participant {}'s replica differs from their view",
            client.you
        );
    }
    // The staff replica is the server's state.
    let fresh = WsClient::connect(&server.base, &id, &s.token).await;
    assert_eq!(fresh.replica, state);

    // The mix did exercise the session.
    assert!(state.participants.len() > PARTICIPANTS);
    assert!(version > STEPS as u64, "the commands made events");
    assert!(!state.calls.is_empty(), "calls went out");
    eprintln!(
        "fan-out: {PARTICIPANTS} sockets connected in {connected_at:?}; {STEPS} steps to version \
         {version}; all converged after {:?}",
        started.elapsed()
    );
}

/// Distinctive document names, so a leak shows in raw frames.
const ALPHA: &str = "alpha-quarterly-secrets-7f3a.pdf";
const BRAVO: &str = "bravo-hiring-plan-91c2.pdf";
const CHARLIE: &str = "charlie-unshared-budget-0d4e.xlsx";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn participants_never_receive_another_rooms_document_names() {
    let server = TestServer::start().await;
    let api = server.api.clone();
    let (s, mut moderator) = server.session_with_moderator("Confidential").await;
    let id = s.session_id.0.clone();
    let (people, mut clients) = crowd(&server, &s, 6).await;
    let upload = |name: &'static str| {
        let api = api.clone();
        let (id, token) = (id.clone(), s.token.clone());
        async move {
            api.upload(&id, &token, name, name.as_bytes().to_vec())
                .await
                .1
                .id
        }
    };
    let alpha = upload(ALPHA).await;
    let bravo = upload(BRAVO).await;
    let _charlie = upload(CHARLIE).await;
    let [room_a, room_b] = moderator.open_rooms().await;
    // Alpha is shared with room A before anyone is there; bravo with room B after.
    moderator
        .ack(Command::ShareDocument {
            document: alpha.clone(),
            target: RoomSelection::Rooms(vec![room_a]),
        })
        .await;
    for (i, p) in people.iter().enumerate() {
        let room = if i < 3 { room_a } else { room_b };
        moderator
            .ack(Command::Move {
                participant: p.participant_id,
                to: Location::Room(room),
            })
            .await;
    }
    moderator
        .ack(Command::ShareDocument {
            document: bravo.clone(),
            target: RoomSelection::Rooms(vec![room_b]),
        })
        .await;
    // More traffic that touches documents and rooms: unshare and share again, calls, renames.
    for command in [
        Command::UnshareDocument {
            document: alpha.clone(),
            target: RoomSelection::All,
        },
        Command::ShareDocument {
            document: alpha.clone(),
            target: RoomSelection::Rooms(vec![room_a]),
        },
        Command::CallToAction {
            text: "Room A: open the handout".into(),
            link: None,
            target: RoomSelection::Rooms(vec![room_a]),
        },
        Command::CallToAction {
            text: "Everyone: ten minutes".into(),
            link: None,
            target: RoomSelection::All,
        },
        Command::RenameRoom {
            room: room_b,
            name: "Hiring".into(),
        },
        Command::SetRoomCount { rooms: 3 },
    ] {
        moderator.ack(command).await;
    }
    moderator.sync().await;
    let state = moderator.replica.clone();
    for client in &mut clients {
        client.wait_version(state.version).await;
        client.sync().await;
        assert_eq!(Some(&client.replica), view_for(&state, client.you).as_ref());
    }

    let check = |client: &WsClient, own: &str, others: [&str; 2]| {
        let frames = client.raw.join("\n");
        assert!(
            frames.contains(own),
            "{} never got its own room's document",
            client.you
        );
        for name in others {
            assert!(!frames.contains(name), "{} received {name}", client.you);
        }
    };
    for (i, client) in clients.iter().enumerate() {
        if i < 3 {
            check(client, ALPHA, [BRAVO, CHARLIE]);
        } else {
            check(client, BRAVO, [ALPHA, CHARLIE]);
        }
    }
    // A fresh connection's welcome, and the HTTP list, hold the same line.
    for (i, p) in people.iter().enumerate() {
        let fresh = WsClient::connect(&server.base, &id, &p.token).await;
        let listed = api.list_documents(&id, &p.token).await;
        let listed: Vec<&str> = listed.iter().map(|d| d.name.as_str()).collect();
        let (own, other) = if i < 3 {
            (ALPHA, BRAVO)
        } else {
            (BRAVO, ALPHA)
        };
        assert!(fresh.raw[0].contains(own) && !fresh.raw[0].contains(other));
        assert!(!fresh.raw[0].contains(CHARLIE));
        assert_eq!(listed, [own]);
    }
    // Staff see all three.
    let names: Vec<&str> = state.documents.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, [ALPHA, BRAVO, CHARLIE]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_too_slow_to_read_is_resynced_from_a_snapshot() {
    let server = TestServer::start_with(|c| {
        c.outgoing_queue = 16;
        c.write_buffer_bytes = 4 * 1024;
        c.max_write_buffer_bytes = 16 * 1024;
        unthrottled(c);
    })
    .await;
    let api = server.api.clone();
    let (s, mut moderator) = server.session_with_moderator("Slow readers").await;
    let id = s.session_id.0.clone();
    let p = api.join(&id, &s.participant_code, "Sloth").await;
    let mut slow = WsClient::options(&server.base, &id, &p.token)
        .recv_buffer(2 * 1024)
        .connect()
        .await;
    moderator.wait_presence(p.participant_id, true).await;

    // Big calls while the slow client reads nothing: its socket, then its queue, fill up.
    for step in 0..200 {
        moderator
            .ack(Command::CallToAction {
                text: format!("{step:04} {}", "x".repeat(900)),
                link: None,
                target: RoomSelection::All,
            })
            .await;
    }
    moderator.sync().await;
    let state = moderator.replica.clone();

    // When it reads again: what was queued, in order, then a fresh welcome with a snapshot.
    slow.wait_version(state.version).await;
    slow.sync().await;
    assert!(
        slow.welcomes.len() >= 2,
        "the slow client was never resynced"
    );
    assert!(slow.welcomes[1].snapshot);
    assert_eq!(Some(&slow.replica), view_for(&state, slow.you).as_ref());
    // The server stays usable for it afterwards.
    assert!(matches!(
        slow.run(Command::AskForHelp).await,
        Answer::Rejected(breakout_core::Rejection::Conflict(_))
    ));
}

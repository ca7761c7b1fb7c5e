//! The WebSocket endpoint `GET /v1/sessions/{id}/ws`: the handshake's refusals, the welcome, and every
//! kind of bad input a client can send, each answered by its typed error (or rejection) and changing
//! nothing — checked by comparing the moderator's replica, and a fresh welcome snapshot, before and
//! after. Also: size and rate limits, commands retried with the same id, and the in-band `resume`.

mod support;

use breakout_core::protocol::{
    ClientMessage, CommandId, CreateSessionResponse, ErrorCode, JoinResponse, ServerMessage,
    PROTOCOL_VERSION,
};
use breakout_core::view::view_for;
use breakout_core::{
    AssignRules, AutoAssign, Command, Document, DocumentId, HelpId, Location, ParticipantId,
    Rejection, Role, RoomId, RoomSelection, Session,
};
use support::{failed_handshake, new_command_id, Answer, Incoming, TestServer, WsClient};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

/// A session with a connected moderator and a connected participant, both synced.
struct Setup {
    server: TestServer,
    s: CreateSessionResponse,
    p: JoinResponse,
    moderator: WsClient,
    participant: WsClient,
}

impl Setup {
    async fn new(tune: impl FnOnce(&mut breakout_server::Config)) -> Setup {
        let server = TestServer::start_with(tune).await;
        let s = server.api.create_session("Workshop", "Mona").await;
        let id = s.session_id.0.clone();
        let p = server.api.join(&id, &s.participant_code, "Pat").await;
        let mut moderator = WsClient::connect_online(&server.base, &id, &s.token).await;
        let mut participant = WsClient::connect_online(&server.base, &id, &p.token).await;
        moderator.wait_presence(p.participant_id, true).await;
        participant.sync().await;
        moderator.sync().await;
        Setup {
            server,
            s,
            p,
            moderator,
            participant,
        }
    }

    fn id(&self) -> &str {
        &self.s.session_id.0
    }

    /// Upload "notes.txt" as the moderator, then [`Setup::open_rooms`]; return the document and the
    /// rooms.
    async fn upload_notes_and_open_rooms(&mut self) -> (Document, [RoomId; 2]) {
        let api = &self.server.api;
        let (_, doc) = api
            .upload(self.id(), &self.s.token, "notes.txt", b"notes".to_vec())
            .await;
        (doc, self.open_rooms().await)
    }

    /// Open two rooms and put the participant in the first one.
    async fn open_rooms(&mut self) -> [RoomId; 2] {
        let rooms = self.moderator.open_rooms().await;
        self.moderator
            .ack(Command::Move {
                participant: self.p.participant_id,
                to: Location::Room(rooms[0]),
            })
            .await;
        self.participant.sync().await;
        rooms
    }

    /// The session as the server holds it now, from a fresh staff connection's welcome.
    async fn fresh_snapshot(&self) -> Session {
        let fresh = WsClient::connect(&self.server.base, self.id(), &self.s.token).await;
        assert!(fresh.first_welcome().snapshot);
        fresh.close().await
    }

    /// Assert nothing changed since `before` (the moderator's replica then): no event reached the
    /// moderator or the participant, and a fresh welcome shows the same session.
    async fn assert_unchanged(&mut self, before: &Session) {
        let late = self.moderator.sync().await;
        assert!(
            late.iter().all(|m| !matches!(m, ServerMessage::Event(_))),
            "no event may follow refused input: {late:?}"
        );
        assert_eq!(&self.moderator.replica, before);
        let late = self.participant.sync().await;
        assert!(late.iter().all(|m| !matches!(m, ServerMessage::Event(_))));
        assert_eq!(
            Some(self.participant.replica.clone()),
            view_for(before, self.p.participant_id)
        );
        assert_eq!(&self.fresh_snapshot().await, before);
    }
}

/// Send an in-band `resume` from `epoch` and `version` on `client`, then [`WsClient::sync`]; return
/// every message that arrived meanwhile (the barrier's answer last).
async fn resume_in_band(client: &mut WsClient, epoch: u64, version: u64) -> Vec<ServerMessage> {
    let mark = client.mark();
    client.send(&ClientMessage::Resume { epoch, version }).await;
    client.sync().await;
    client.since(mark).to_vec()
}

/// Send each of `commands` from `client`, asserting that each is rejected with `code`
/// (`forbidden`, `not_found`, …).
async fn assert_all_rejected(
    client: &mut WsClient,
    commands: impl IntoIterator<Item = Command>,
    code: &str,
) {
    for command in commands {
        let rejection = client.reject(command.clone()).await;
        assert_eq!(rejection.code(), code, "{command:?} → {rejection:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_needs_a_token_of_this_session() {
    let server = TestServer::start().await;
    let api = &server.api;
    let s = api.create_session("Workshop", "Mona").await;
    let other = api.create_session("Other", "Olga").await;
    let id = &s.session_id.0;
    let options = || WsClient::options(&server.base, id, &s.token);

    let refusals = [
        options().without_token(),
        options().authorization(""),
        options().authorization("Bearer "),
        options().authorization(&format!("Basic {}", s.token)),
        options().authorization(&format!("Bearer {}", "0".repeat(64))),
        options().authorization(&format!("Bearer {}", other.token)),
    ];
    for refused in &refusals {
        let (status, error) = failed_handshake(refused).await;
        assert_eq!(
            (status, error.code),
            (401, ErrorCode::Unauthorized),
            "{refused:?}"
        );
    }
    for session in ["0123456789abcdef", "no-such-session!"] {
        let refused = WsClient::options(&server.base, session, &s.token);
        let (status, error) = failed_handshake(&refused).await;
        assert_eq!(
            (status, error.code),
            (404, ErrorCode::NotFound),
            "{session}"
        );
    }
    // The right token still works, and the refusals left no trace.
    let moderator = WsClient::connect(&server.base, id, &s.token).await;
    assert_eq!(
        moderator.first_welcome().version,
        1,
        "the moderator's join only"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_resume_queries_and_plain_requests_are_malformed() {
    let server = TestServer::start().await;
    let s = server.api.create_session("Workshop", "Mona").await;
    let id = &s.session_id.0;
    for query in [
        "epoch=abc&version=1",
        "epoch=1&version=-1",
        "epoch=1",
        "version=1",
    ] {
        let options = WsClient::options(&server.base, id, &s.token).raw_query(query);
        let (status, error) = failed_handshake(&options).await;
        assert_eq!((status, error.code), (400, ErrorCode::Malformed), "{query}");
    }
    // A plain GET (no upgrade) gets a JSON error too.
    server
        .api
        .get(&format!("/v1/sessions/{id}/ws"), Some(&s.token))
        .await
        .expect_error(400, ErrorCode::Malformed);
    // The scheme is case-insensitive.
    let lower = WsClient::options(&server.base, id, &s.token)
        .authorization(&format!("bearer {}", s.token))
        .connect()
        .await;
    assert_eq!(lower.you, s.participant_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn welcome_carries_the_viewers_snapshot_then_presence() {
    let server = TestServer::start().await;
    let api = &server.api;
    let s = api.create_session("Workshop", "Mona").await;
    let id = &s.session_id.0;
    let mut moderator = WsClient::connect(&server.base, id, &s.token).await;
    let welcome = moderator.first_welcome().clone();
    assert_eq!(welcome.protocol, PROTOCOL_VERSION);
    assert_eq!(welcome.you, s.participant_id);
    assert!(welcome.snapshot);
    assert_eq!(welcome.version, 1, "the moderator's join");
    // Right after the welcome: this connection made the moderator appear online.
    let update = match moderator.next_message().await {
        ServerMessage::Event(update) => update,
        other => panic!("expected the presence event, got {other:?}"),
    };
    assert_eq!(update.version, 2);
    assert_eq!(
        update.event,
        Some(breakout_core::Event::PresenceChanged {
            participants: vec![s.participant_id],
            online: true
        })
    );

    let p = api.join(id, &s.participant_code, "Pat").await;
    let participant = WsClient::connect(&server.base, id, &p.token).await;
    moderator
        .wait_version(participant.first_welcome().version)
        .await;
    assert_eq!(participant.you, p.participant_id);
    assert_eq!(participant.epoch, moderator.epoch);
    assert_eq!(
        Some(participant.replica.clone()),
        view_for(&moderator.replica, p.participant_id),
        "a participant's snapshot is the session as they may see it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_messages_get_typed_errors_and_change_nothing() {
    let mut t = Setup::new(|_| {}).await;
    t.open_rooms().await;
    let before = t.moderator.replica.clone();
    let long_id = "x".repeat(65);
    let cases: Vec<(String, Option<&str>, ErrorCode)> = vec![
        ("{not json".into(), None, ErrorCode::Malformed),
        ("".into(), None, ErrorCode::Malformed),
        ("42".into(), None, ErrorCode::Malformed),
        (r#"{"id":"m1"}"#.into(), Some("m1"), ErrorCode::Malformed),
        (
            r#"{"type":7,"id":"m2"}"#.into(),
            Some("m2"),
            ErrorCode::Malformed,
        ),
        (
            r#"{"type":"hello","id":"m3"}"#.into(),
            Some("m3"),
            ErrorCode::UnknownMessageType,
        ),
        (
            r#"{"type":"ack","id":"m4","version":1}"#.into(),
            Some("m4"),
            ErrorCode::UnknownMessageType,
        ),
        (
            r#"{"type":"command","id":"m5","command":{"type":"launch_rockets"}}"#.into(),
            Some("m5"),
            ErrorCode::UnknownCommand,
        ),
        // Commands without a usable id: they would stop the rooms if they were run.
        (
            r#"{"type":"command","command":{"type":"stop_breakouts"}}"#.into(),
            None,
            ErrorCode::Malformed,
        ),
        (
            r#"{"type":"command","id":"","command":{"type":"stop_breakouts"}}"#.into(),
            None,
            ErrorCode::Malformed,
        ),
        (
            r#"{"type":"command","id":7,"command":{"type":"stop_breakouts"}}"#.into(),
            None,
            ErrorCode::Malformed,
        ),
        (
            format!(
                r#"{{"type":"command","id":"{long_id}","command":{{"type":"stop_breakouts"}}}}"#
            ),
            None,
            ErrorCode::Malformed,
        ),
        // Known command types with a bad shape.
        (
            r#"{"type":"command","id":"m6"}"#.into(),
            Some("m6"),
            ErrorCode::Malformed,
        ),
        (
            r#"{"type":"command","id":"m7","command":"stop_breakouts"}"#.into(),
            Some("m7"),
            ErrorCode::Malformed,
        ),
        (
            r#"{"type":"command","id":"m8","command":{"type":"set_room_count"}}"#.into(),
            Some("m8"),
            ErrorCode::Malformed,
        ),
        (
            r#"{"type":"command","id":"m9","command":{"type":"set_room_count","rooms":"five"}}"#
                .into(),
            Some("m9"),
            ErrorCode::Malformed,
        ),
        (
            r#"{"type":"resume","epoch":"x","version":1}"#.into(),
            None,
            ErrorCode::Malformed,
        ),
    ];
    for (text, id, code) in &cases {
        for client in [&mut t.moderator, &mut t.participant] {
            client.send_text(text.clone()).await;
            let (got_id, got_code) = client.wait_error().await;
            assert_eq!(
                (got_id, got_code),
                (id.map(|i| CommandId(i.into())), *code),
                "answer to {text:?}"
            );
        }
    }
    t.moderator
        .send_frame(Message::binary(b"\x00\x01".to_vec()))
        .await;
    assert_eq!(t.moderator.wait_error().await, (None, ErrorCode::Malformed));
    t.assert_unchanged(&before).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_beyond_the_role_are_forbidden_and_change_nothing() {
    let mut t = Setup::new(|_| {}).await;
    let (doc, rooms) = t.upload_notes_and_open_rooms().await;
    let q = t
        .server
        .api
        .join(t.id(), &t.s.participant_code, "Quinn")
        .await;
    t.moderator.sync().await;
    t.participant.sync().await;
    let before = t.moderator.replica.clone();
    let me = t.p.participant_id;

    let staff_only = [
        Command::OpenBreakouts {
            rooms: 3,
            duration_minutes: None,
        },
        Command::StopBreakouts,
        Command::SetRoomCount { rooms: 5 },
        Command::RenameRoom {
            room: rooms[0],
            name: "Mine".into(),
        },
        Command::AutoAssign(AutoAssign::default()),
        Command::SetFreeMovement { on: true },
        Command::ShareDocument {
            document: doc.id.clone(),
            target: RoomSelection::All,
        },
        Command::UnshareDocument {
            document: doc.id.clone(),
            target: RoomSelection::All,
        },
        Command::BringBack {
            target: RoomSelection::All,
        },
        Command::CallToAction {
            text: "Hello".into(),
            link: None,
            target: RoomSelection::All,
        },
        Command::TakeHelp { request: HelpId(1) },
        Command::AddDocument {
            id: DocumentId("a".repeat(32)),
            name: "forged.txt".into(),
            size: 1,
            sha256: "a".repeat(64),
        },
        // Moving someone else, or oneself while free movement is off.
        Command::Move {
            participant: q.participant_id,
            to: Location::Main,
        },
        Command::Move {
            participant: me,
            to: Location::Room(rooms[1]),
        },
        Command::Leave {
            participant: q.participant_id,
        },
    ];
    assert_all_rejected(&mut t.participant, staff_only, "forbidden").await;
    // Commands only the server issues are refused to everyone, staff included.
    let system_only = [
        Command::Join {
            name: "Mallory".into(),
            role: Role::Moderator,
        },
        Command::SetPresence {
            participants: vec![me],
            online: false,
        },
        Command::Tick,
    ];
    for command in system_only {
        for client in [&mut t.participant, &mut t.moderator] {
            let rejection = client.reject(command.clone()).await;
            assert!(matches!(rejection, Rejection::Forbidden(_)), "{command:?}");
        }
    }
    // Documents enter the library only by upload, whoever asks.
    let rejection = t
        .moderator
        .reject(Command::AddDocument {
            id: DocumentId("b".repeat(32)),
            name: "forged.txt".into(),
            size: 1,
            sha256: "b".repeat(64),
        })
        .await;
    assert!(matches!(rejection, Rejection::Forbidden(_)));
    // Staff cannot remove others either.
    let rejection = t.moderator.reject(Command::Leave { participant: me }).await;
    assert!(matches!(rejection, Rejection::Forbidden(_)));
    t.assert_unchanged(&before).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_ids_are_not_found_and_change_nothing() {
    let mut t = Setup::new(|_| {}).await;
    let (doc, rooms) = t.upload_notes_and_open_rooms().await;
    t.participant.sync().await;
    let before = t.moderator.replica.clone();
    let nobody = ParticipantId(9_999);
    let nowhere = RoomId(9_999);
    let me = t.p.participant_id;

    let unknown = [
        Command::Move {
            participant: nobody,
            to: Location::Main,
        },
        Command::Move {
            participant: me,
            to: Location::Room(nowhere),
        },
        Command::RenameRoom {
            room: nowhere,
            name: "Nowhere".into(),
        },
        Command::ShareDocument {
            document: DocumentId("no-such-document".into()),
            target: RoomSelection::All,
        },
        Command::ShareDocument {
            document: doc.id.clone(),
            target: RoomSelection::Rooms(vec![rooms[0], nowhere]),
        },
        Command::UnshareDocument {
            document: DocumentId("no-such-document".into()),
            target: RoomSelection::All,
        },
        Command::BringBack {
            target: RoomSelection::Rooms(vec![nowhere]),
        },
        Command::CallToAction {
            text: "Hello".into(),
            link: None,
            target: RoomSelection::Rooms(vec![nowhere]),
        },
        Command::TakeHelp {
            request: HelpId(9_999),
        },
        Command::ResolveHelp {
            request: HelpId(9_999),
        },
        Command::AutoAssign(AutoAssign {
            seed: 1,
            keep_existing: false,
            rules: AssignRules {
                together: vec![vec![me, nobody]],
                ..AssignRules::default()
            },
        }),
    ];
    assert_all_rejected(&mut t.moderator, unknown, "not_found").await;
    let rejection = t
        .participant
        .reject(Command::ResolveHelp {
            request: HelpId(9_999),
        })
        .await;
    assert!(matches!(rejection, Rejection::NotFound(_)));
    t.assert_unchanged(&before).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_and_untimely_commands_are_rejected_and_change_nothing() {
    let mut t = Setup::new(|_| {}).await;
    let before = t.moderator.replica.clone();
    let conflicts = [
        Command::StopBreakouts,
        Command::BringBack {
            target: RoomSelection::All,
        },
        Command::AutoAssign(AutoAssign::default()),
    ];
    assert_all_rejected(&mut t.moderator, conflicts, "conflict").await;
    let rejection = t.participant.reject(Command::AskForHelp).await;
    assert!(
        matches!(rejection, Rejection::Conflict(_)),
        "help is asked from a room"
    );
    let invalid = [
        Command::OpenBreakouts {
            rooms: 0,
            duration_minutes: None,
        },
        Command::OpenBreakouts {
            rooms: 1_001,
            duration_minutes: None,
        },
        Command::OpenBreakouts {
            rooms: 2,
            duration_minutes: Some(0),
        },
        Command::SetRoomCount { rooms: 0 },
        Command::CallToAction {
            text: "   ".into(),
            link: None,
            target: RoomSelection::All,
        },
        Command::CallToAction {
            text: "Read this".into(),
            link: Some("javascript:alert(1)".into()),
            target: RoomSelection::All,
        },
        Command::CallToAction {
            text: "x".repeat(1_001),
            link: None,
            target: RoomSelection::All,
        },
    ];
    assert_all_rejected(&mut t.moderator, invalid, "invalid").await;
    t.assert_unchanged(&before).await;

    let rooms = t.open_rooms().await;
    let before = t.moderator.replica.clone();
    let rejection = t
        .moderator
        .reject(Command::OpenBreakouts {
            rooms: 2,
            duration_minutes: None,
        })
        .await;
    assert!(matches!(rejection, Rejection::Conflict(_)), "already open");
    let rejection = t
        .moderator
        .reject(Command::RenameRoom {
            room: rooms[0],
            name: "a\nb".into(),
        })
        .await;
    assert!(matches!(rejection, Rejection::Invalid(_)));
    t.assert_unchanged(&before).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_message_is_too_large_then_the_socket_closes_1009() {
    const LIMIT: usize = 1024;
    let mut t = Setup::new(|c| {
        c.max_message_bytes = LIMIT;
        c.presence_grace = std::time::Duration::from_secs(600);
    })
    .await;
    // Under the limit is fine.
    let fits = Command::CallToAction {
        text: "y".repeat(LIMIT - 200),
        link: None,
        target: RoomSelection::All,
    };
    t.moderator.ack(fits).await;
    t.participant.sync().await;
    let before = t.moderator.replica.clone();

    // Far longer than the server's read buffer: it stops reading at the header, answers, closes,
    // and still drains the rest so the client gets the answer rather than a reset.
    let too_big = ClientMessage::Command {
        id: new_command_id(),
        command: Command::CallToAction {
            text: "z".repeat(LIMIT * 32),
            link: None,
            target: RoomSelection::All,
        },
    };
    t.participant.send(&too_big).await;
    assert_eq!(
        t.participant.wait_error().await,
        (None, ErrorCode::TooLarge)
    );
    let frame = t.participant.expect_close_with(CloseCode::Size).await;
    assert_eq!(u16::from(frame.code), 1009);
    // After the close the stream ends.
    assert!(matches!(
        t.participant.next_incoming().await,
        Incoming::Ended(_)
    ));

    // The moderator's own connection is unaffected; nothing changed (the participant's presence
    // grace is long, so not even that moves).
    let late = t.moderator.sync().await;
    assert!(support::events_in(&late).is_empty(), "{late:?}");
    assert_eq!(t.moderator.replica, before);
    assert_eq!(t.fresh_snapshot().await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_over_the_rate_are_rate_limited_with_their_id() {
    let mut t = Setup::new(|c| {
        c.commands_per_second = 0.001;
        c.command_burst = 4.0;
    })
    .await;
    // Setup used one token of each connection (its sync); the moderator has three left.
    let mut observer = WsClient::connect(&t.server.base, t.id(), &t.s.token).await;
    observer.sync().await;
    let before = t.moderator.replica.clone();
    for _ in 0..3 {
        t.moderator.sync().await;
    }
    let id = t
        .moderator
        .command(Command::SetFreeMovement { on: true })
        .await;
    let answer = t.moderator.wait_answer(&id).await;
    assert_eq!(answer.error_code(), ErrorCode::RateLimited);
    // Unreadable messages count too, and are answered the same way.
    t.moderator
        .send_text(r#"{"type":"command","id":"r2"}"#)
        .await;
    assert_eq!(
        t.moderator.wait_error().await,
        (Some(CommandId("r2".into())), ErrorCode::RateLimited)
    );
    assert_eq!(
        t.server
            .api
            .metric("breakout_rejected_commands_total{code=\"rate_limited\"}")
            .await,
        Some(2.0)
    );
    // Nothing changed, as another connection (with its own budget) sees.
    assert!(support::events_in(&observer.sync().await).is_empty());
    assert_eq!(observer.replica, before);
    assert!(!observer.replica.free_movement);
    assert_eq!(t.fresh_snapshot().await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retried_commands_are_applied_once() {
    let mut t = Setup::new(|_| {}).await;
    let id = new_command_id();
    t.moderator
        .command_with_id(id.clone(), Command::SetFreeMovement { on: true })
        .await;
    let version = t.moderator.wait_answer(&id).await.ack();
    assert!(t.moderator.replica.free_movement);
    let state = t.moderator.replica.clone();

    // The same id again — even carrying another command — is answered with the same version.
    for retry in [
        Command::SetFreeMovement { on: true },
        Command::SetFreeMovement { on: false },
    ] {
        let mark = t.moderator.mark();
        t.moderator.command_with_id(id.clone(), retry).await;
        assert_eq!(t.moderator.wait_answer(&id).await, Answer::Ack { version });
        assert!(t.moderator.events_since(mark).is_empty());
    }
    // Also after a reconnect (the id outlives the connection).
    let (base, session, token) = (t.server.base.clone(), t.id().to_owned(), t.s.token.clone());
    let spare = WsClient::connect(&base, &session, &token).await;
    let replica = std::mem::replace(&mut t.moderator, spare).close().await;
    let mut moderator = WsClient::resume(&base, &session, &token, replica).await;
    let mark = moderator.mark();
    moderator
        .command_with_id(id.clone(), Command::SetFreeMovement { on: false })
        .await;
    assert_eq!(moderator.wait_answer(&id).await, Answer::Ack { version });
    assert!(moderator
        .sync()
        .await
        .iter()
        .all(|m| !matches!(m, ServerMessage::Event(_))));
    assert!(moderator.events_since(mark).is_empty());
    assert_eq!(moderator.replica, state);
    assert!(moderator.replica.free_movement);

    // Ids are per participant: someone else's command with the same id is their own.
    let c = t
        .server
        .api
        .join(t.id(), &t.s.co_moderator_code, "Cleo")
        .await;
    let mut co = WsClient::connect_online(&t.server.base, t.id(), &c.token).await;
    co.command_with_id(id.clone(), Command::SetFreeMovement { on: false })
        .await;
    let co_version = co.wait_answer(&id).await.ack();
    assert!(co_version > version);
    assert!(!co.replica.free_movement);

    // A rejected command changed nothing, so its retry is decided afresh.
    let stop = new_command_id();
    moderator
        .command_with_id(stop.clone(), Command::StopBreakouts)
        .await;
    assert!(matches!(
        moderator.wait_answer(&stop).await,
        Answer::Rejected(Rejection::Conflict(_))
    ));
    moderator.open_rooms::<1>().await;
    moderator
        .command_with_id(stop.clone(), Command::StopBreakouts)
        .await;
    moderator.wait_answer(&stop).await.ack();
    assert!(!moderator.replica.is_open());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_band_resume_replays_or_resends_a_snapshot() {
    let mut t = Setup::new(|_| {}).await;
    let (epoch, version) = (t.moderator.epoch, t.moderator.replica.version);

    // Up to date: a welcome without snapshot and nothing else.
    let got = resume_in_band(&mut t.moderator, epoch, version).await;
    assert!(
        matches!(
            &got[0],
            ServerMessage::Welcome { snapshot: None, version: v, .. } if *v == version
        ),
        "{got:?}"
    );
    assert_eq!(got.len(), 2, "welcome, then the barrier's answer: {got:?}");

    // Another epoch: a welcome with a fresh snapshot.
    let before = t.moderator.replica.clone();
    let got = resume_in_band(&mut t.moderator, epoch + 1, version).await;
    assert!(
        matches!(
            &got[0],
            ServerMessage::Welcome { snapshot: Some(s), .. } if *s == before
        ),
        "{got:?}"
    );
    assert_eq!(t.moderator.welcomes.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaving_acks_then_closes_and_the_token_stops_working() {
    let mut t = Setup::new(|_| {}).await;
    let me = t.p.participant_id;
    let id = t
        .participant
        .command(Command::Leave { participant: me })
        .await;
    // The leaver is told first, then the connection closes (1008: no longer in the session).
    let mut answer = None;
    let close = loop {
        match t.participant.next_incoming().await {
            Incoming::Message(ServerMessage::Ack { id: got, version }) if got == id => {
                answer = Some(version)
            }
            Incoming::Message(_) => {}
            Incoming::Close(frame) => break frame,
            Incoming::Ended(e) => panic!("ended without a close frame: {e:?}"),
        }
    };
    let close = close.expect("a close code");
    assert_eq!(close.code, CloseCode::Policy);
    t.moderator.sync().await;
    assert!(t.moderator.replica.participant(me).is_none());
    assert!(answer.is_some(), "the Leave command was never acknowledged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_departed_participants_token_is_refused() {
    let mut t = Setup::new(|_| {}).await;
    let me = t.p.participant_id;
    t.participant
        .command(Command::Leave { participant: me })
        .await;
    t.participant.expect_close_with(CloseCode::Policy).await;
    t.moderator.sync().await;
    assert!(t.moderator.replica.participant(me).is_none());

    let (status, error) =
        failed_handshake(&WsClient::options(&t.server.base, t.id(), &t.p.token)).await;
    assert_eq!((status, error.code), (401, ErrorCode::Unauthorized));
    t.server
        .api
        .get(
            &format!("/v1/sessions/{}/documents", t.id()),
            Some(&t.p.token),
        )
        .await
        .expect_error(401, ErrorCode::Unauthorized);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_messages_are_counted_as_malformed() {
    let mut t = Setup::new(|_| {}).await;
    let malformed = "breakout_rejected_commands_total{code=\"malformed\"}";
    assert_eq!(t.server.api.metric(malformed).await, Some(0.0));
    t.moderator.send_text("{not json").await;
    t.moderator.wait_error().await;
    t.moderator
        .send_frame(Message::binary(b"\x00".to_vec()))
        .await;
    t.moderator.wait_error().await;
    assert_eq!(t.server.api.metric(malformed).await, Some(2.0));
}

//! The HTTP API of the sync endpoint, over real loopback sockets: every route's success path and each
//! of its failure paths, with the status code and the typed `ApiError {code, message}` body the
//! protocol promises (DESIGN.md, "Public API"). Failure paths also check that nothing changed: no
//! stored bytes after a refused upload, no new event in the moderator's replica.

mod support;

use breakout_core::protocol::{CreateSessionResponse, ErrorCode, FILE_NAME_HEADER};
use breakout_core::view::room_view;
use breakout_core::{Command, DocumentId, Location, Role, RoomId, RoomSelection, Session, Sharing};
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE, ETAG};
use reqwest::Method;
use std::future::Future;
use support::{bearer, files_under, sha256_hex, Api, Reply, TestServer, WsClient};

/// A well-formed session id that belongs to no session.
const NO_SESSION: &str = "0123456789abcdef";

async fn new_session(api: &Api) -> CreateSessionResponse {
    api.create_session("Quarterly planning", "Mona").await
}

/// A server with the shipped defaults changed by `tune`, and one new session on it.
async fn server_with_session(
    tune: impl FnOnce(&mut breakout_server::Config),
) -> (TestServer, CreateSessionResponse) {
    let server = TestServer::start_with(tune).await;
    let s = new_session(&server.api).await;
    (server, s)
}

/// Send `request(case)` for each case in turn and assert that it is refused with the status and
/// error code given with the case.
async fn assert_refused<C, F: Future<Output = Reply>>(
    cases: impl IntoIterator<Item = (C, u16, ErrorCode)>,
    request: impl Fn(C) -> F,
) {
    for (case, status, code) in cases {
        request(case).await.expect_error(status, code);
    }
}

/// The moderator's replica of a settled session, to check that refused requests changed nothing.
struct Baseline {
    moderator: WsClient,
    before: Session,
}

impl Baseline {
    /// Connect the moderator of `s`, wait until nothing more arrives, and keep the replica.
    async fn take(server: &TestServer, s: &CreateSessionResponse) -> Baseline {
        let mut moderator = WsClient::connect_online(&server.base, &s.session_id.0, &s.token).await;
        moderator.sync().await;
        let before = moderator.replica.clone();
        Baseline { moderator, before }
    }

    /// Assert that no event has reached the moderator since, and that the replica is the same.
    async fn assert_unchanged(&mut self) {
        let late = self.moderator.sync().await;
        assert!(late.is_empty(), "no event after refused requests: {late:?}");
        assert_eq!(self.moderator.replica, self.before);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_answers_ok() {
    let server = TestServer::start().await;
    let reply = server.api.get("/healthz", None).await;
    reply.expect_status(200);
    assert_eq!(reply.text(), "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_routes_are_not_found_json() {
    let server = TestServer::start().await;
    for path in [
        "/",
        "/nope",
        "/v1",
        "/v1/sessions/abc/nothing-here",
        "/v2/sessions",
    ] {
        server
            .api
            .get(path, None)
            .await
            .expect_error(404, ErrorCode::NotFound);
    }
    let reply = server
        .api
        .send(server.api.request(Method::POST, "/v1/whatever").body("{}"))
        .await;
    reply.expect_error(404, ErrorCode::NotFound);
    // A known route with another method: 405, still a JSON error.
    for (method, path) in [
        (Method::GET, "/v1/sessions"),
        (Method::DELETE, "/healthz"),
        (Method::PUT, "/v1/sessions/0123456789abcdef/documents"),
    ] {
        let reply = server.api.send(server.api.request(method, path)).await;
        reply.expect_error(405, ErrorCode::Malformed);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_expose_every_metric_and_move_with_traffic() {
    let server = TestServer::start().await;
    let api = &server.api;
    let reply = api.get("/metrics", None).await;
    reply.expect_status(200);
    let content_type = reply.headers[CONTENT_TYPE].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = reply.text();
    for name in [
        "breakout_connected_clients ",
        "breakout_sessions ",
        "breakout_events_total ",
        "breakout_rejected_commands_total{code=\"forbidden\"} ",
        "breakout_rejected_commands_total{code=\"not_found\"} ",
        "breakout_rejected_commands_total{code=\"invalid\"} ",
        "breakout_rejected_commands_total{code=\"conflict\"} ",
        "breakout_rejected_commands_total{code=\"rate_limited\"} ",
        "breakout_rejected_commands_total{code=\"malformed\"} ",
        "breakout_fanout_seconds_bucket{le=\"0.001\"} ",
        "breakout_fanout_seconds_bucket{le=\"+Inf\"} ",
        "breakout_fanout_seconds_sum ",
        "breakout_fanout_seconds_count ",
        "breakout_commit_seconds_bucket{le=\"0.001\"} ",
        "breakout_commit_seconds_sum ",
        "breakout_commit_seconds_count ",
    ] {
        assert!(text.contains(name), "/metrics lacks {name:?}:\n{text}");
    }
    for help in [
        "# TYPE breakout_connected_clients gauge",
        "# TYPE breakout_sessions gauge",
        "# TYPE breakout_events_total counter",
        "# TYPE breakout_rejected_commands_total counter",
        "# TYPE breakout_fanout_seconds histogram",
        "# TYPE breakout_commit_seconds histogram",
    ] {
        assert!(text.contains(help), "/metrics lacks {help:?}");
    }
    assert_eq!(api.metric("breakout_sessions").await, Some(0.0));
    assert_eq!(api.metric("breakout_connected_clients").await, Some(0.0));

    let s = new_session(api).await;
    assert_eq!(api.metric("breakout_sessions").await, Some(1.0));
    let events_before = api.metric("breakout_events_total").await.unwrap();
    let mut moderator = WsClient::connect(&server.base, &s.session_id.0, &s.token).await;
    assert_eq!(api.metric("breakout_connected_clients").await, Some(1.0));
    moderator.wait_version(2).await; // the moderator's presence
    assert!(api.metric("breakout_events_total").await.unwrap() > events_before);
    assert!(api.metric("breakout_fanout_seconds_count").await.unwrap() >= 1.0);
    assert!(api.metric("breakout_commit_seconds_count").await.unwrap() >= 1.0);

    let p = api.join(&s.session_id.0, &s.participant_code, "Pat").await;
    let mut participant = WsClient::connect(&server.base, &s.session_id.0, &p.token).await;
    let forbidden = "breakout_rejected_commands_total{code=\"forbidden\"}";
    assert_eq!(api.metric(forbidden).await, Some(0.0));
    participant.reject(Command::StopBreakouts).await;
    assert_eq!(api.metric(forbidden).await, Some(1.0));
    participant.close().await;
    api.wait_metric("breakout_connected_clients", |v| v == 1.0)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_session_returns_ids_token_and_two_codes() {
    let server = TestServer::start().await;
    let reply = server
        .api
        .create_session_raw("  Team sync  ", " Mona ")
        .await;
    reply.expect_status(201);
    let s: CreateSessionResponse = reply.json();
    assert!(
        !s.session_id.0.is_empty() && s.session_id.0.bytes().all(|b| b.is_ascii_alphanumeric())
    );
    assert_eq!(s.token.len(), 64, "256-bit tokens in hex");
    assert!(s.token.bytes().all(|b| b.is_ascii_hexdigit()));
    for code in [&s.participant_code, &s.co_moderator_code] {
        assert_eq!(code.len(), 9, "XXXX-XXXX: {code}");
        assert_eq!(&code[4..5], "-");
    }
    assert_ne!(s.participant_code, s.co_moderator_code);

    let other = new_session(&server.api).await;
    assert_ne!(other.session_id, s.session_id);
    assert_ne!(other.token, s.token);

    // The moderator's token opens the session, which holds just them, trimmed.
    let moderator = WsClient::connect(&server.base, &s.session_id.0, &s.token).await;
    assert_eq!(moderator.you, s.participant_id);
    let state = &moderator.replica;
    assert_eq!(state.title, "Team sync");
    assert_eq!(state.participants.len(), 1);
    assert_eq!(state.participants[0].name, "Mona");
    assert_eq!(state.participants[0].role, Role::Moderator);
    assert_eq!(state.participants[0].location, Location::Main);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_session_refuses_bad_titles_and_names_as_invalid() {
    let server = TestServer::start().await;
    let long_title = "t".repeat(201);
    let long_name = "n".repeat(65);
    for (title, name) in [
        ("", "Mona"),
        ("   ", "Mona"),
        (long_title.as_str(), "Mona"),
        ("two\nlines", "Mona"),
        ("bell\u{7}", "Mona"),
        ("Planning", ""),
        ("Planning", "  "),
        ("Planning", long_name.as_str()),
        ("Planning", "Mo\nna"),
    ] {
        let reply = server.api.create_session_raw(title, name).await;
        reply.expect_error(400, ErrorCode::Invalid);
    }
    assert_eq!(server.api.metric("breakout_sessions").await, Some(0.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_session_refuses_malformed_bodies() {
    let server = TestServer::start().await;
    let api = &server.api;
    let json = |body: &'static str| {
        api.request(Method::POST, "/v1/sessions")
            .header(CONTENT_TYPE, "application/json")
            .body(body)
    };
    for request in [
        json("not json"),
        json("{\"title\": \"x\""),
        json("{\"title\": \"Planning\"}"),
        json("{\"title\": 5, \"moderator_name\": \"Mona\"}"),
        json("[]"),
        // A JSON body without a JSON content type.
        api.request(Method::POST, "/v1/sessions")
            .body("{\"title\": \"Planning\", \"moderator_name\": \"Mona\"}"),
    ] {
        api.send(request)
            .await
            .expect_error(400, ErrorCode::Malformed);
    }
    assert_eq!(api.metric("breakout_sessions").await, Some(0.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_json_body_is_too_large() {
    let server = TestServer::start().await;
    let body = format!(
        "{{\"title\": \"{}\", \"moderator_name\": \"Mona\"}}",
        "x".repeat(100 * 1024)
    );
    let request = server
        .api
        .request(Method::POST, "/v1/sessions")
        .header(CONTENT_TYPE, "application/json")
        .body(body);
    server
        .api
        .send(request)
        .await
        .expect_error(413, ErrorCode::TooLarge);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_grants_the_role_of_the_code() {
    let (server, s) = server_with_session(|_| {}).await;
    let api = &server.api;
    let id = &s.session_id.0;
    let mut moderator = WsClient::connect(&server.base, id, &s.token).await;

    let p = api.join(id, &s.participant_code, " Pat ").await;
    assert_eq!(p.role, Role::Participant);
    let c = api.join(id, &s.co_moderator_code, "Cleo").await;
    assert_eq!(c.role, Role::CoModerator);
    // Codes are checked without case and dashes, as people type them.
    let loose = s.participant_code.to_lowercase().replace('-', " ");
    let q = api.join(id, &loose, "Quinn").await;
    assert_eq!(q.role, Role::Participant);

    let ids = [
        s.participant_id,
        p.participant_id,
        c.participant_id,
        q.participant_id,
    ];
    for (i, a) in ids.iter().enumerate() {
        assert!(
            ids[i + 1..].iter().all(|b| a != b),
            "participant ids are distinct"
        );
    }
    assert!(p.token != c.token && c.token != q.token && p.token != s.token);

    moderator.sync().await;
    let state = &moderator.replica;
    let role_of = |id| state.participant(id).map(|p| (p.name.clone(), p.role));
    assert_eq!(
        role_of(p.participant_id),
        Some(("Pat".into(), Role::Participant))
    );
    assert_eq!(
        role_of(c.participant_id),
        Some(("Cleo".into(), Role::CoModerator))
    );
    assert_eq!(
        role_of(q.participant_id),
        Some(("Quinn".into(), Role::Participant))
    );

    // Each token opens the session as its own participant.
    let co = WsClient::connect(&server.base, id, &c.token).await;
    assert_eq!(co.you, c.participant_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_failures_are_typed_and_change_nothing() {
    let (server, s) = server_with_session(|_| {}).await;
    let api = &server.api;
    let id = s.session_id.0.as_str();
    let mut baseline = Baseline::take(&server, &s).await;

    let code = s.participant_code.as_str();
    let long_name = "n".repeat(65);
    assert_refused(
        [
            ((id, "AAAA-AAAA", "Eve"), 403, ErrorCode::Forbidden),
            ((id, "", "Eve"), 403, ErrorCode::Forbidden),
            // A right code with a bad name.
            ((id, code, ""), 400, ErrorCode::Invalid),
            ((id, code, &long_name), 400, ErrorCode::Invalid),
            // Unknown sessions, well-formed or not.
            ((NO_SESSION, code, "Eve"), 404, ErrorCode::NotFound),
            (("not-a-session!", code, "Eve"), 404, ErrorCode::NotFound),
        ],
        |(session, code, name)| api.join_raw(session, code, name),
    )
    .await;
    // Bodies that are not a join request.
    let path = format!("/v1/sessions/{id}/join");
    api.send(
        api.request(Method::POST, &path)
            .header(CONTENT_TYPE, "application/json")
            .body("{\"code\": 1}"),
    )
    .await
    .expect_error(400, ErrorCode::Malformed);

    baseline.assert_unchanged().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_join_codes_are_rate_limited_per_address() {
    let (server, s) = server_with_session(|c| c.failed_joins_per_minute = 3.0).await;
    let api = &server.api;
    let other = new_session(api).await;
    let (id, other_id) = (s.session_id.0.as_str(), other.session_id.0.as_str());
    let (code, other_code) = (s.participant_code.as_str(), other.participant_code.as_str());

    assert_refused(
        [
            ((id, "WRNG-CODE", "Eve"), 403, ErrorCode::Forbidden),
            ((id, "WRNG-CODE", "Eve"), 403, ErrorCode::Forbidden),
            ((id, "WRNG-CODE", "Eve"), 403, ErrorCode::Forbidden),
            ((id, "WRNG-CODE", "Eve"), 429, ErrorCode::RateLimited),
            // While limited even the right code waits: otherwise guessing could go on.
            ((id, code, "Pat"), 429, ErrorCode::RateLimited),
            // The budget is the address's, in every session (other addresses: tests/hosting.rs).
            ((other_id, "WRNG-CODE", "Eve"), 429, ErrorCode::RateLimited),
            ((other_id, other_code, "Pat"), 429, ErrorCode::RateLimited),
        ],
        |(session, code, name)| api.join_raw(session, code, name),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_content_addressed() {
    let (server, s) = server_with_session(|_| {}).await;
    let api = &server.api;
    let id = &s.session_id.0;
    let mut moderator = WsClient::connect_online(&server.base, id, &s.token).await;
    let bytes = b"%PDF-1.7 quarterly numbers".repeat(100);
    let sha = sha256_hex(&bytes);

    let (status, doc) = api.upload(id, &s.token, "report.pdf", bytes.clone()).await;
    assert_eq!(status.as_u16(), 201);
    assert_eq!(doc.name, "report.pdf");
    assert_eq!(doc.size, bytes.len() as u64);
    assert_eq!(doc.sha256, sha);
    assert_eq!(doc.id, DocumentId(sha[..32].to_owned()));
    assert_eq!(doc.uploader, s.participant_id);
    assert_eq!(
        doc.sharing,
        Sharing::default(),
        "new documents are unshared"
    );
    let blob = server.documents_dir().join(&sha[..2]).join(&sha);
    assert_eq!(
        std::fs::read(&blob).expect("the blob is stored by hash"),
        bytes
    );

    // The same bytes again, under another name: the same document, 200, nothing new.
    moderator.sync().await;
    let version = moderator.replica.version;
    let (again_status, again) = api
        .upload(id, &s.token, "copy of report.pdf", bytes.clone())
        .await;
    assert_eq!(again_status.as_u16(), 200);
    assert_eq!(again, doc);
    assert!(moderator.sync().await.is_empty());
    assert_eq!(moderator.replica.version, version);
    assert_eq!(api.list_documents(id, &s.token).await, vec![doc.clone()]);

    // A co-moderator may upload too; names are UTF-8, percent-encoded on the wire.
    let c = api.join(id, &s.co_moderator_code, "Cleo").await;
    let (status, second) = api
        .upload(id, &c.token, "Übung 1 (final).pdf", b"other bytes".to_vec())
        .await;
    assert_eq!(status.as_u16(), 201);
    assert_eq!(second.name, "Übung 1 (final).pdf");
    assert_eq!(second.uploader, c.participant_id);
    moderator.sync().await;
    assert_eq!(moderator.replica.documents, vec![doc, second]);
    let stored: Vec<_> = files_under(&server.documents_dir());
    assert_eq!(stored.len(), 2, "one file per distinct content: {stored:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_failures_are_typed_and_store_nothing() {
    let (server, s) = server_with_session(|_| {}).await;
    let api = &server.api;
    let id = s.session_id.0.as_str();
    let p = api.join(id, &s.participant_code, "Pat").await;
    let mut baseline = Baseline::take(&server, &s).await;
    let bytes = || b"some bytes".to_vec();

    let (staff, participant) = (Some(s.token.as_str()), Some(p.token.as_str()));
    let (name, forged) = (Some("x.txt"), Some("not-a-token"));
    assert_refused(
        [
            ((id, participant, name), 403, ErrorCode::Forbidden),
            ((id, None, name), 401, ErrorCode::Unauthorized),
            ((id, forged, name), 401, ErrorCode::Unauthorized),
            ((id, staff, None), 400, ErrorCode::Malformed),
            ((NO_SESSION, staff, name), 404, ErrorCode::NotFound),
        ],
        |(session, token, name)| api.upload_raw(session, token, name, bytes()),
    )
    .await;
    // Broken percent-encoding, and names that are not a single line.
    let path = format!("/v1/sessions/{id}/documents");
    let with_header = |value: &'static str| {
        bearer(api.request(Method::POST, &path), Some(&s.token))
            .header(FILE_NAME_HEADER, value)
            .body(bytes())
    };
    assert_refused(
        [
            ("%zz.txt", 400, ErrorCode::Malformed),
            ("", 400, ErrorCode::Invalid),
            ("a%0Ab.txt", 400, ErrorCode::Invalid),
        ],
        |name| api.send(with_header(name)),
    )
    .await;

    assert!(files_under(&server.documents_dir()).is_empty());
    assert!(api.list_documents(id, &s.token).await.is_empty());
    baseline.assert_unchanged().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_over_the_limit_are_too_large_and_leave_nothing() {
    const LIMIT: u64 = 1024;
    let (server, s) = server_with_session(|c| c.max_upload_bytes = LIMIT).await;
    let api = &server.api;
    let id = &s.session_id.0;
    let mut baseline = Baseline::take(&server, &s).await;

    // Declared too large (Content-Length): refused before reading.
    api.upload_raw(
        id,
        Some(&s.token),
        Some("big.bin"),
        vec![7; LIMIT as usize + 1],
    )
    .await
    .expect_error(413, ErrorCode::TooLarge);
    // Streamed without a length: refused once the bytes go over the limit.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..3).map(|_| Ok(vec![9u8; 512])).collect();
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let request = bearer(
        api.request(Method::POST, &format!("/v1/sessions/{id}/documents")),
        Some(&s.token),
    )
    .header(FILE_NAME_HEADER, "streamed.bin")
    .body(body);
    api.send(request)
        .await
        .expect_error(413, ErrorCode::TooLarge);

    // Nothing stored: only the (empty) tmp folder is left; the library did not change.
    let documents = server.documents_dir();
    let entries: Vec<_> = std::fs::read_dir(&documents)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(entries, vec![std::ffi::OsString::from("tmp")]);
    assert!(
        files_under(&documents).is_empty(),
        "{:?}",
        files_under(&documents)
    );
    assert!(api.list_documents(id, &s.token).await.is_empty());
    baseline.assert_unchanged().await;

    // Exactly at the limit is fine.
    let (status, doc) = api
        .upload(id, &s.token, "exact.bin", vec![1; LIMIT as usize])
        .await;
    assert_eq!(status.as_u16(), 201);
    assert_eq!(doc.size, LIMIT);
    assert_eq!(files_under(&documents).len(), 1);
}

/// A session with rooms 1 and 2, participant `in_room1` in room 1, `in_room2` in room 2,
/// `in_main` in the main room, and four documents: shared with all rooms, with room 1, with room 2,
/// and not shared.
struct Library {
    server: TestServer,
    s: CreateSessionResponse,
    moderator: WsClient,
    tokens: [String; 3],
    rooms: [RoomId; 2],
    docs: Vec<(DocumentId, Vec<u8>)>,
}

async fn library() -> Library {
    let (server, s) = server_with_session(|_| {}).await;
    let api = server.api.clone();
    let id = s.session_id.0.clone();
    let mut moderator = WsClient::connect(&server.base, &id, &s.token).await;
    let mut people = Vec::new();
    for name in ["Ada", "Bo", "Cy"] {
        people.push(api.join(&id, &s.participant_code, name).await);
    }
    let mut docs = Vec::new();
    for name in [
        "for-all.txt",
        "for-room-1.txt",
        "for-room-2.txt",
        "unshared.txt",
    ] {
        let bytes = format!("contents of {name}").into_bytes();
        let (_, doc) = api.upload(&id, &s.token, name, bytes.clone()).await;
        docs.push((doc.id, bytes));
    }
    let rooms = moderator.open_rooms().await;
    for (who, to) in [(0, Location::Room(rooms[0])), (1, Location::Room(rooms[1]))] {
        moderator
            .ack(Command::Move {
                participant: people[who].participant_id,
                to,
            })
            .await;
    }
    for (doc, target) in [
        (0, RoomSelection::All),
        (1, RoomSelection::Rooms(vec![rooms[0]])),
        (2, RoomSelection::Rooms(vec![rooms[1]])),
    ] {
        moderator
            .ack(Command::ShareDocument {
                document: docs[doc].0.clone(),
                target,
            })
            .await;
    }
    let tokens = [0, 1, 2].map(|i| people[i].token.clone());
    Library {
        server,
        s,
        moderator,
        tokens,
        rooms,
        docs,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_list_shows_participants_only_what_reaches_their_room() {
    let lib = library().await;
    let api = &lib.server.api;
    let id = lib.s.session_id.0.as_str();
    let state = &lib.moderator.replica;

    let staff = api.list_documents(id, &lib.s.token).await;
    assert_eq!(staff, state.documents, "staff see the whole library");
    assert_eq!(staff.len(), 4);

    let names = |docs: &[breakout_core::Document]| -> Vec<String> {
        docs.iter().map(|d| d.name.clone()).collect()
    };
    let in_room1 = api.list_documents(id, &lib.tokens[0]).await;
    assert_eq!(names(&in_room1), ["for-all.txt", "for-room-1.txt"]);
    assert_eq!(
        in_room1,
        room_view(state, Location::Room(lib.rooms[0])).documents
    );
    let in_room2 = api.list_documents(id, &lib.tokens[1]).await;
    assert_eq!(names(&in_room2), ["for-all.txt", "for-room-2.txt"]);
    assert_eq!(
        in_room2,
        room_view(state, Location::Room(lib.rooms[1])).documents
    );
    let in_main = api.list_documents(id, &lib.tokens[2]).await;
    assert_eq!(names(&in_main), ["for-all.txt"]);
    assert_eq!(in_main, room_view(state, Location::Main).documents);

    let path = format!("/v1/sessions/{id}/documents");
    let unknown_token = "0".repeat(64);
    let (staff, forged) = (Some(lib.s.token.as_str()), Some(unknown_token.as_str()));
    let unknown_session = format!("/v1/sessions/{NO_SESSION}/documents");
    assert_refused(
        [
            ((path.as_str(), None), 401, ErrorCode::Unauthorized),
            ((&path, forged), 401, ErrorCode::Unauthorized),
            ((&unknown_session, staff), 404, ErrorCode::NotFound),
        ],
        |(path, token)| api.get(path, token),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_download_serves_bytes_only_to_those_it_reaches() {
    let lib = library().await;
    let api = &lib.server.api;
    let id = lib.s.session_id.0.as_str();
    let (all, room1, room2, unshared) = (&lib.docs[0], &lib.docs[1], &lib.docs[2], &lib.docs[3]);

    // Staff download anything; the bytes and their hash match, with helpful headers.
    for (doc, bytes) in &lib.docs {
        let reply = api.download_raw(id, Some(&lib.s.token), doc).await;
        reply.expect_status(200);
        assert_eq!(&reply.body, bytes);
        let meta = lib.moderator.replica.document(doc).unwrap();
        assert_eq!(sha256_hex(&reply.body), meta.sha256);
        assert_eq!(reply.headers[ETAG], format!("\"{}\"", meta.sha256).as_str());
        let disposition = reply.headers[CONTENT_DISPOSITION].to_str().unwrap();
        assert!(disposition.contains(&meta.name), "{disposition}");
    }
    // Participants: what reaches their room, nothing else.
    let ok = [(0, all), (0, room1), (1, all), (1, room2), (2, all)];
    for (who, (doc, bytes)) in ok {
        let reply = api.download_raw(id, Some(&lib.tokens[who]), doc).await;
        reply.expect_status(200);
        assert_eq!(&reply.body, bytes);
    }
    let refused = [
        (0, room2),
        (0, unshared),
        (1, room1),
        (1, unshared),
        (2, room1),
        (2, room2),
        (2, unshared),
    ];
    for (who, (doc, _)) in refused {
        api.download_raw(id, Some(&lib.tokens[who]), doc)
            .await
            .expect_error(403, ErrorCode::Forbidden);
    }
    // Unknown documents, sessions and callers.
    let unknown = DocumentId("f".repeat(32));
    let (staff, participant) = (Some(lib.s.token.as_str()), Some(lib.tokens[0].as_str()));
    let all_id = &all.0;
    assert_refused(
        [
            ((id, staff, &unknown), 404, ErrorCode::NotFound),
            ((id, participant, &unknown), 404, ErrorCode::NotFound),
            ((NO_SESSION, staff, all_id), 404, ErrorCode::NotFound),
            ((id, None, all_id), 401, ErrorCode::Unauthorized),
        ],
        |(session, token, doc)| api.download_raw(session, token, doc),
    )
    .await;
    let other = new_session(api).await;
    api.download_raw(id, Some(&other.token), all_id)
        .await
        .expect_error(401, ErrorCode::Unauthorized);
}

/// A server whose session's library holds the most documents it may.
async fn full_library(
    tune: impl FnOnce(&mut breakout_server::Config),
) -> (TestServer, CreateSessionResponse) {
    let max = breakout_core::limits::MAX_DOCUMENTS;
    let (server, s) = server_with_session(tune).await;
    let api = &server.api;
    let id = s.session_id.0.as_str();
    let uploads = (0..max)
        .map(|i| {
            let token = s.token.as_str();
            async move {
                let name = format!("doc-{i:04}.txt");
                api.upload(id, token, &name, name.clone().into_bytes())
                    .await
            }
        })
        .collect();
    let stored = support::bounded_join(uploads, 8).await;
    assert!(stored.iter().all(|(status, _)| status.as_u16() == 201));
    (server, s)
}

/// Upload new bytes named `name` to the full library of `s`: refused with `409 conflict`.
async fn assert_new_upload_refused(api: &Api, s: &CreateSessionResponse, name: &str) {
    api.upload_raw(&s.session_id.0, Some(&s.token), Some(name), b"new".to_vec())
        .await
        .expect_error(409, ErrorCode::Conflict);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_library_refuses_new_uploads_with_conflict() {
    let (server, s) = full_library(|_| {}).await;
    let api = &server.api;
    let id = s.session_id.0.as_str();
    assert_new_upload_refused(api, &s, "one-too-many.txt").await;
    // Known bytes are still answered (nothing new is added).
    let (status, doc) = api
        .upload(id, &s.token, "again.txt", b"doc-0007.txt".to_vec())
        .await;
    assert_eq!(status.as_u16(), 200);
    assert_eq!(doc.name, "doc-0007.txt");
    let max = breakout_core::limits::MAX_DOCUMENTS;
    assert_eq!(api.list_documents(id, &s.token).await.len(), max);
}

/// The bytes of a refused upload are not deleted by the upload (the same bytes may serve another
/// upload in flight) but by garbage collection, once no document uses them and the grace period
/// passed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_upload_keeps_no_bytes_after_garbage_collection() {
    let (server, s) = full_library(|c| {
        c.blob_gc_grace = std::time::Duration::from_secs(1);
        c.retention_sweep_every = std::time::Duration::from_millis(100);
    })
    .await;
    let before = files_under(&server.documents_dir());
    let deleted = server
        .api
        .metric("breakout_blobs_deleted_total")
        .await
        .unwrap();
    assert_new_upload_refused(&server.api, &s, "extra.txt").await;
    server
        .api
        .wait_metric("breakout_blobs_deleted_total", |n| n > deleted)
        .await;
    assert_eq!(files_under(&server.documents_dir()), before);
}

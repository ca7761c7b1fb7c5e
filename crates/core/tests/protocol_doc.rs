//! docs/protocol.md is the wire contract client implementers read, so its examples must be exactly
//! what the code sends and accepts. This test extracts every fenced block whose info string is
//! `json <tag>`, parses it into the Rust type the tag names, serializes it again and compares the two
//! as JSON values: an example with a renamed, missing or extra field fails here. It also checks that
//! the document shows every message, command, event, error code and rejection code at least once. The
//! variant lists are checked twice against the code: the `*_name` functions below match without a
//! wildcard arm (a new variant breaks compilation), and the lists must equal the variant names serde
//! reports (a variant nobody listed fails at run time).

use breakout_core::protocol::{
    ApiError, ClientMessage, CreateSessionRequest, CreateSessionResponse, ErrorCode, JoinCodes,
    JoinRequest, JoinResponse, ServerMessage,
};
use breakout_core::{Command, Document, Event, Rejection, Session};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Every info-string tag and the Rust type it names.
const TAGS: &[&str] = &[
    "client_message",
    "server_message",
    "command",
    "event",
    "api_error",
    "create_session_request",
    "create_session_response",
    "join_request",
    "join_response",
    "join_codes",
    "document",
    "session",
];

const CLIENT_MESSAGES: &[&str] = &["command", "resume"];
const SERVER_MESSAGES: &[&str] = &["welcome", "event", "ack", "rejected", "error"];
const COMMANDS: &[&str] = &[
    "join",
    "leave",
    "remove_participant",
    "rotate_join_codes",
    "set_presence",
    "open_breakouts",
    "set_room_count",
    "rename_room",
    "auto_assign",
    "move",
    "set_free_movement",
    "add_document",
    "share_document",
    "unshare_document",
    "bring_back",
    "stop_breakouts",
    "call_to_action",
    "ask_for_help",
    "take_help",
    "resolve_help",
    "tick",
];
const EVENTS: &[&str] = &[
    "participant_joined",
    "participant_left",
    "participant_removed",
    "join_codes_rotated",
    "presence_changed",
    "rooms_added",
    "rooms_removed",
    "room_renamed",
    "breakouts_opened",
    "breakouts_stopped",
    "participants_moved",
    "free_movement_set",
    "document_added",
    "document_sharing_set",
    "call_to_action_sent",
    "help_requested",
    "help_taken",
    "help_resolved",
];
const ERROR_CODES: &[&str] = &[
    "malformed",
    "unknown_message_type",
    "unknown_command",
    "invalid",
    "unauthorized",
    "forbidden",
    "not_found",
    "too_large",
    "rate_limited",
    "conflict",
    "unavailable",
    "timeout",
    "insufficient_storage",
    "internal",
];
const REJECTIONS: &[&str] = &["forbidden", "not_found", "invalid", "conflict"];

fn client_message_name(m: &ClientMessage) -> &'static str {
    match m {
        ClientMessage::Command { .. } => "command",
        ClientMessage::Resume { .. } => "resume",
    }
}

fn server_message_name(m: &ServerMessage) -> &'static str {
    match m {
        ServerMessage::Welcome { .. } => "welcome",
        ServerMessage::Event(_) => "event",
        ServerMessage::Ack { .. } => "ack",
        ServerMessage::Rejected { .. } => "rejected",
        ServerMessage::Error { .. } => "error",
    }
}

fn command_name(c: &Command) -> &'static str {
    match c {
        Command::Join { .. } => "join",
        Command::Leave { .. } => "leave",
        Command::RemoveParticipant { .. } => "remove_participant",
        Command::RotateJoinCodes => "rotate_join_codes",
        Command::SetPresence { .. } => "set_presence",
        Command::OpenBreakouts { .. } => "open_breakouts",
        Command::SetRoomCount { .. } => "set_room_count",
        Command::RenameRoom { .. } => "rename_room",
        Command::AutoAssign(_) => "auto_assign",
        Command::Move { .. } => "move",
        Command::SetFreeMovement { .. } => "set_free_movement",
        Command::AddDocument { .. } => "add_document",
        Command::ShareDocument { .. } => "share_document",
        Command::UnshareDocument { .. } => "unshare_document",
        Command::BringBack { .. } => "bring_back",
        Command::StopBreakouts => "stop_breakouts",
        Command::CallToAction { .. } => "call_to_action",
        Command::AskForHelp => "ask_for_help",
        Command::TakeHelp { .. } => "take_help",
        Command::ResolveHelp { .. } => "resolve_help",
        Command::Tick => "tick",
    }
}

fn event_name(e: &Event) -> &'static str {
    match e {
        Event::ParticipantJoined { .. } => "participant_joined",
        Event::ParticipantLeft { .. } => "participant_left",
        Event::ParticipantRemoved { .. } => "participant_removed",
        Event::JoinCodesRotated { .. } => "join_codes_rotated",
        Event::PresenceChanged { .. } => "presence_changed",
        Event::RoomsAdded { .. } => "rooms_added",
        Event::RoomsRemoved { .. } => "rooms_removed",
        Event::RoomRenamed { .. } => "room_renamed",
        Event::BreakoutsOpened { .. } => "breakouts_opened",
        Event::BreakoutsStopped => "breakouts_stopped",
        Event::ParticipantsMoved { .. } => "participants_moved",
        Event::FreeMovementSet { .. } => "free_movement_set",
        Event::DocumentAdded { .. } => "document_added",
        Event::DocumentSharingSet { .. } => "document_sharing_set",
        Event::CallToActionSent { .. } => "call_to_action_sent",
        Event::HelpRequested { .. } => "help_requested",
        Event::HelpTaken { .. } => "help_taken",
        Event::HelpResolved { .. } => "help_resolved",
    }
}

fn error_code_name(c: ErrorCode) -> &'static str {
    match c {
        ErrorCode::Malformed => "malformed",
        ErrorCode::UnknownMessageType => "unknown_message_type",
        ErrorCode::UnknownCommand => "unknown_command",
        ErrorCode::Invalid => "invalid",
        ErrorCode::Unauthorized => "unauthorized",
        ErrorCode::Forbidden => "forbidden",
        ErrorCode::NotFound => "not_found",
        ErrorCode::TooLarge => "too_large",
        ErrorCode::RateLimited => "rate_limited",
        ErrorCode::Conflict => "conflict",
        ErrorCode::Unavailable => "unavailable",
        ErrorCode::Timeout => "timeout",
        ErrorCode::InsufficientStorage => "insufficient_storage",
        ErrorCode::Internal => "internal",
    }
}

fn rejection_name(r: &Rejection) -> &'static str {
    match r {
        Rejection::Forbidden(_) => "forbidden",
        Rejection::NotFound(_) => "not_found",
        Rejection::Invalid(_) => "invalid",
        Rejection::Conflict(_) => "conflict",
    }
}

/// One tagged example of the document.
#[derive(Debug)]
struct Block {
    /// 1-based line of the opening fence.
    line: usize,
    tag: String,
    text: String,
}

/// Every fenced block whose info string starts with `json`; a `json` block without a known tag is
/// an error, so no example escapes the check.
fn json_blocks(markdown: &str) -> Result<Vec<Block>, String> {
    let mut blocks = Vec::new();
    let mut lines = markdown.lines().enumerate();
    while let Some((index, line)) = lines.next() {
        let Some(info) = line.trim_start().strip_prefix("```") else {
            continue;
        };
        let mut words = info.split_whitespace();
        let is_json = words.next() == Some("json");
        let tag = words.next().unwrap_or("").to_owned();
        let mut text = String::new();
        let mut closed = false;
        for (_, body) in lines.by_ref() {
            if body.trim_start().starts_with("```") {
                closed = true;
                break;
            }
            text.push_str(body);
            text.push('\n');
        }
        let line = index + 1;
        if !closed {
            return Err(format!("line {line}: code block is never closed"));
        }
        if !is_json {
            continue;
        }
        if !TAGS.contains(&tag.as_str()) {
            return Err(format!(
                "line {line}: json block needs one of the tags {TAGS:?}, found {tag:?}"
            ));
        }
        blocks.push(Block { line, tag, text });
    }
    Ok(blocks)
}

/// Parse `block` as `T`, serialize it again and require the same JSON value.
fn round_trip<T: DeserializeOwned + Serialize>(block: &Block) -> Result<T, String> {
    let at = format!("docs/protocol.md:{} ({})", block.line, block.tag);
    let original: Value =
        serde_json::from_str(&block.text).map_err(|e| format!("{at}: not JSON: {e}"))?;
    let parsed: T = serde_json::from_str(&block.text)
        .map_err(|e| format!("{at}: does not parse as the tagged type: {e}"))?;
    let again = serde_json::to_value(&parsed).map_err(|e| format!("{at}: re-serializing: {e}"))?;
    if again != original {
        return Err(format!(
            "{at}: re-serialized differently\n  doc:  {original}\n  code: {again}"
        ));
    }
    Ok(parsed)
}

/// Variant names seen in the examples.
#[derive(Default)]
struct Seen {
    tags: BTreeSet<String>,
    client_messages: BTreeSet<&'static str>,
    server_messages: BTreeSet<&'static str>,
    commands: BTreeSet<&'static str>,
    events: BTreeSet<&'static str>,
    error_codes: BTreeSet<&'static str>,
    rejections: BTreeSet<&'static str>,
}

impl Seen {
    fn command(&mut self, command: &Command) {
        self.commands.insert(command_name(command));
    }

    fn event(&mut self, event: &Event) {
        self.events.insert(event_name(event));
    }

    fn client_message(&mut self, message: &ClientMessage) {
        self.client_messages.insert(client_message_name(message));
        if let ClientMessage::Command { command, .. } = message {
            self.command(command);
        }
    }

    fn server_message(&mut self, message: &ServerMessage) {
        self.server_messages.insert(server_message_name(message));
        match message {
            ServerMessage::Event(update) => {
                if let Some(event) = &update.event {
                    self.event(event);
                }
            }
            ServerMessage::Rejected { rejection, .. } => {
                self.rejections.insert(rejection_name(rejection));
            }
            ServerMessage::Error { code, .. } => {
                self.error_codes.insert(error_code_name(*code));
            }
            ServerMessage::Welcome { .. } | ServerMessage::Ack { .. } => {}
        }
    }

    /// Parse one block into its type and record what it shows.
    fn block(&mut self, block: &Block) -> Result<(), String> {
        self.tags.insert(block.tag.clone());
        match block.tag.as_str() {
            "client_message" => self.client_message(&round_trip(block)?),
            "server_message" => self.server_message(&round_trip(block)?),
            "command" => self.command(&round_trip(block)?),
            "event" => self.event(&round_trip(block)?),
            "api_error" => {
                let error: ApiError = round_trip(block)?;
                self.error_codes.insert(error_code_name(error.code));
            }
            "create_session_request" => drop(round_trip::<CreateSessionRequest>(block)?),
            "create_session_response" => drop(round_trip::<CreateSessionResponse>(block)?),
            "join_request" => drop(round_trip::<JoinRequest>(block)?),
            "join_response" => drop(round_trip::<JoinResponse>(block)?),
            "join_codes" => drop(round_trip::<JoinCodes>(block)?),
            "document" => drop(round_trip::<Document>(block)?),
            "session" => drop(round_trip::<Session>(block)?),
            other => return Err(format!("no type for tag {other:?}")),
        }
        Ok(())
    }
}

/// The variant names serde knows for `T`, read from its "unknown variant" error for `probe`.
fn serde_variants<T: DeserializeOwned>(probe: &str) -> Vec<String> {
    let message = match serde_json::from_str::<T>(probe) {
        Ok(_) => panic!("probe {probe} unexpectedly parsed"),
        Err(e) => e.to_string(),
    };
    let Some((_, expected)) = message.split_once(", expected ") else {
        panic!("cannot read the variant list from serde's message: {message}");
    };
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// `listed` (the test's list) must be what serde accepts, and the document must show each one.
fn check_variants(
    what: &str,
    listed: &[&str],
    from_serde: Vec<String>,
    seen: &BTreeSet<&'static str>,
    problems: &mut Vec<String>,
) {
    let listed_set: BTreeSet<&str> = listed.iter().copied().collect();
    let serde_set: BTreeSet<&str> = from_serde.iter().map(String::as_str).collect();
    if listed_set != serde_set {
        problems.push(format!(
            "{what}: the test lists {listed_set:?} but the code has {serde_set:?}; update the list, \
             the *_name function and docs/protocol.md"
        ));
    }
    let missing: Vec<&str> = listed
        .iter()
        .copied()
        .filter(|name| !seen.contains(name))
        .collect();
    if !missing.is_empty() {
        problems.push(format!(
            "{what}: no example in docs/protocol.md shows {missing:?}"
        ));
    }
    let unknown: Vec<&str> = seen
        .iter()
        .copied()
        .filter(|name| !listed_set.contains(name))
        .collect();
    if !unknown.is_empty() {
        problems.push(format!("{what}: examples show unlisted {unknown:?}"));
    }
}

#[test]
fn protocol_doc_examples_match_the_code_and_cover_every_variant() {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "..",
        "..",
        "docs",
        "protocol.md",
    ]
    .iter()
    .collect();
    let markdown = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let blocks = json_blocks(&markdown).unwrap_or_else(|e| panic!("docs/protocol.md {e}"));

    let mut seen = Seen::default();
    let mut problems: Vec<String> = blocks
        .iter()
        .filter_map(|block| seen.block(block).err())
        .collect();

    let missing_tags: Vec<&str> = TAGS
        .iter()
        .copied()
        .filter(|tag| !seen.tags.contains(*tag))
        .collect();
    if !missing_tags.is_empty() {
        problems.push(format!("no example is tagged {missing_tags:?}"));
    }

    let tagged = r#"{"type":"__no_such_variant__"}"#;
    check_variants(
        "ClientMessage",
        CLIENT_MESSAGES,
        serde_variants::<ClientMessage>(tagged),
        &seen.client_messages,
        &mut problems,
    );
    check_variants(
        "ServerMessage",
        SERVER_MESSAGES,
        serde_variants::<ServerMessage>(tagged),
        &seen.server_messages,
        &mut problems,
    );
    check_variants(
        "Command",
        COMMANDS,
        serde_variants::<Command>(tagged),
        &seen.commands,
        &mut problems,
    );
    check_variants(
        "Event",
        EVENTS,
        serde_variants::<Event>(tagged),
        &seen.events,
        &mut problems,
    );
    check_variants(
        "ErrorCode",
        ERROR_CODES,
        serde_variants::<ErrorCode>(r#""__no_such_variant__""#),
        &seen.error_codes,
        &mut problems,
    );
    check_variants(
        "Rejection",
        REJECTIONS,
        serde_variants::<Rejection>(r#"{"code":"__no_such_variant__","message":""}"#),
        &seen.rejections,
        &mut problems,
    );

    assert!(
        problems.is_empty(),
        "docs/protocol.md is out of step with the code ({} json examples checked):\n{}",
        blocks.len(),
        problems.join("\n")
    );
}

#[test]
fn block_extraction_reports_untagged_json_and_keeps_line_numbers() {
    let doc = "intro\n```json command\n{\"type\":\"tick\"}\n```\n```text\nnot json\n```\n";
    let blocks = json_blocks(doc).unwrap();
    assert_eq!(blocks.len(), 1);
    assert_eq!((blocks[0].line, blocks[0].tag.as_str()), (2, "command"));
    assert!(json_blocks("a\n\n```json\n{}\n```\n")
        .unwrap_err()
        .starts_with("line 3:"));
    let wrong = Block {
        line: 9,
        tag: "command".into(),
        text: r#"{"type":"open_breakouts","rooms":2}"#.into(),
    };
    let error = round_trip::<Command>(&wrong).unwrap_err();
    assert!(
        error.starts_with("docs/protocol.md:9") && error.contains("duration_minutes"),
        "{error}"
    );
}

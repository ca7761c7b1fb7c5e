//! `breakout-cli`: script a breakout session from a terminal or a CI job. Every subcommand prints
//! JSON on stdout (one object, or JSON lines for `watch`), errors on stderr, and exits non-zero on
//! failure (1: error, 2: usage, 3: refused by the session). Tokens come from flags or the
//! environment and are printed only when asked.

use anyhow::{anyhow, bail, Context as _};
use breakout_client::{
    Api, CancellationToken, Client, ClientError, ClientOptions, Credentials, Endpoint,
};
use breakout_core::protocol::{ServerMessage, CLOSE_REMOVED};
use breakout_core::{AutoAssign, Command, Location, RoomSelection, Session, SessionId};
use clap::{Parser, Subcommand};
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser)]
#[command(version, about = "Script Breakout sessions")]
struct Cli {
    /// Address of the sync endpoint.
    #[arg(
        long,
        env = "BREAKOUT_ENDPOINT",
        default_value = "http://127.0.0.1:7878",
        global = true
    )]
    endpoint: String,
    /// Also trust the CA certificates in this PEM file (a private deployment's CA). The file named
    /// by BREAKOUT_CA_FILE is always trusted too.
    #[arg(long, global = true, value_name = "PATH")]
    ca_file: Option<PathBuf>,
    /// Session id (not needed for `create`).
    #[arg(long, env = "BREAKOUT_SESSION", global = true)]
    session: Option<String>,
    /// Your participant token (not needed for `create` and `join`).
    #[arg(long, env = "BREAKOUT_TOKEN", global = true, hide_env_values = true)]
    token: Option<String>,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Create a session; you become its moderator.
    Create {
        /// Session title.
        #[arg(long)]
        title: String,
        /// Your display name.
        #[arg(long)]
        name: String,
        /// The operator's key, for an endpoint started with --create-keys-file.
        #[arg(long, env = "BREAKOUT_CREATE_KEY", hide_env_values = true)]
        key: Option<String>,
        #[command(flatten)]
        token: TokenOutput,
    },
    /// Join a session with a participant or co-moderator code.
    Join {
        /// The join code.
        #[arg(long)]
        code: String,
        /// Your display name.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        token: TokenOutput,
    },
    /// Who is where.
    Status,
    /// Open breakout rooms.
    Open {
        /// Number of rooms.
        #[arg(long)]
        rooms: u32,
        /// Stop them by themselves after this many minutes.
        #[arg(long)]
        minutes: Option<u32>,
    },
    /// Spread participants over the rooms.
    AutoAssign {
        /// Seed (the same seed on the same session gives the same result).
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Keep people already in a room where they are.
        #[arg(long)]
        keep: bool,
    },
    /// Move someone (by display name) to a room (by name) or to `main`.
    Move {
        /// Display name.
        name: String,
        /// Room name, or `main`.
        room: String,
    },
    /// Allow or forbid participants to move themselves.
    FreeMovement {
        /// on or off.
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
    /// Upload a document to the session library.
    Upload {
        /// The file.
        file: PathBuf,
    },
    /// Share a library document (by id or name).
    Share {
        /// Document id or name.
        document: String,
        #[command(flatten)]
        target: Target,
    },
    /// Send a call-to-action.
    Cta {
        /// The message.
        text: String,
        /// An optional http(s) link.
        #[arg(long)]
        link: Option<String>,
        #[command(flatten)]
        target: OptionalTarget,
    },
    /// Bring people back to the main room.
    BringBack {
        #[command(flatten)]
        target: Target,
    },
    /// Stop the breakout rooms.
    Stop,
    /// Print events as JSON lines.
    Watch {
        /// Stop after this many events.
        #[arg(long)]
        count: Option<usize>,
        /// Stop after this many seconds.
        #[arg(long)]
        seconds: Option<u64>,
    },
    /// Remove someone (by display name) from the session for good: their token stops working and
    /// their app is told. Staff only; nobody removes themselves, co-moderators not the moderator.
    Kick {
        /// Display name.
        name: String,
    },
    /// Replace both join codes (staff only): invite links with the old codes stop working. Prints
    /// the new codes.
    RotateCodes,
    /// Pre-assign from a CSV of `name,room` lines (a header line is allowed).
    Assign {
        /// The CSV file.
        #[arg(long)]
        csv: PathBuf,
    },
}

/// Where a new token goes: nowhere visible unless asked.
#[derive(clap::Args)]
struct TokenOutput {
    /// Also print your token in the JSON output.
    #[arg(long)]
    show_token: bool,
    /// Write your token to this file (mode 600).
    #[arg(long)]
    token_file: Option<PathBuf>,
}

impl TokenOutput {
    /// Keep `token` as asked and add it to `out` if it should be shown.
    fn deliver(&self, token: &str, out: &mut serde_json::Value) -> anyhow::Result<()> {
        if let Some(file) = &self.token_file {
            write_private(file, token)?;
        }
        if self.show_token {
            out["token"] = json!(token);
        }
        Ok(())
    }
}

/// All rooms or named rooms (required).
#[derive(clap::Args)]
#[group(required = true, multiple = false)]
struct Target {
    /// Every room.
    #[arg(long)]
    all: bool,
    /// These rooms (names, comma-separated).
    #[arg(long, value_delimiter = ',')]
    rooms: Vec<String>,
}

/// Named rooms, or all when none are named.
#[derive(clap::Args)]
struct OptionalTarget {
    /// These rooms only (names, comma-separated); default: everyone.
    #[arg(long, value_delimiter = ',')]
    rooms: Vec<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            let refused = matches!(
                e.downcast_ref::<ClientError>(),
                Some(ClientError::Rejected(_))
            );
            ExitCode::from(if refused { 3 } else { 1 })
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut endpoint = Endpoint::parse(&cli.endpoint)?;
    if let Some(ca_file) = &cli.ca_file {
        endpoint = endpoint.with_ca_file(ca_file)?;
    }
    let api = Api::new(endpoint.clone());
    match cli.command {
        Cmd::Create {
            title,
            name,
            key,
            token,
        } => {
            let created = api
                .with_create_key(key.as_deref())
                .create_session(&title, &name)
                .await?;
            let mut out = json!({
                "session_id": created.session_id,
                "participant_id": created.participant_id,
                "participant_code": created.participant_code,
                "co_moderator_code": created.co_moderator_code,
            });
            token.deliver(&created.token, &mut out)?;
            println!("{out}");
            return Ok(());
        }
        Cmd::Join { code, name, token } => {
            let session = SessionId(cli.session.clone().context("--session is required")?);
            let joined = api.join(&session, &code, &name).await?;
            let mut out = json!({ "participant_id": joined.participant_id, "role": joined.role });
            token.deliver(&joined.token, &mut out)?;
            println!("{out}");
            return Ok(());
        }
        _ => {}
    }
    let who = Credentials {
        session: SessionId(
            cli.session
                .context("--session (or BREAKOUT_SESSION) is required")?,
        ),
        token: cli
            .token
            .context("--token (or BREAKOUT_TOKEN) is required")?,
    };
    match cli.command {
        Cmd::Upload { file } => {
            let quiet = Arc::new(|_| {});
            let doc = api
                .upload(&who, &file, quiet, CancellationToken::new())
                .await?;
            println!("{}", serde_json::to_string(&doc)?);
            Ok(())
        }
        Cmd::Watch { count, seconds } => watch(&endpoint, &who, count, seconds).await,
        Cmd::RotateCodes => {
            println!("{}", serde_json::to_string(&api.rotate_codes(&who).await?)?);
            Ok(())
        }
        command => {
            let client = Client::connect(endpoint, who, ClientOptions::default()).await?;
            let result = session_command(&client, command).await;
            client.close();
            result
        }
    }
}

/// Commands that act through a live connection.
async fn session_command(client: &Client, command: Cmd) -> anyhow::Result<()> {
    let state = client.snapshot();
    let command = match command {
        Cmd::Status => {
            println!("{}", status(&state));
            return Ok(());
        }
        Cmd::Assign { csv } => return assign_csv(client, &state, &csv).await,
        Cmd::Open { rooms, minutes } => Command::OpenBreakouts {
            rooms,
            duration_minutes: minutes,
        },
        Cmd::AutoAssign { seed, keep } => Command::AutoAssign(AutoAssign {
            seed,
            keep_existing: keep,
            ..AutoAssign::default()
        }),
        Cmd::Move { name, room } => Command::Move {
            participant: participant_named(&state, &name)?,
            to: place_named(&state, &room)?,
        },
        Cmd::FreeMovement { state } => Command::SetFreeMovement { on: state == "on" },
        Cmd::Share { document, target } => Command::ShareDocument {
            document: state
                .documents
                .iter()
                .find(|d| d.id.0 == document || d.name == document)
                .map(|d| d.id.clone())
                .ok_or_else(|| anyhow!("no document {document:?} in the library"))?,
            target: selection(&state, target.all, &target.rooms)?,
        },
        Cmd::Cta { text, link, target } => Command::CallToAction {
            text,
            link,
            target: selection(&state, target.rooms.is_empty(), &target.rooms)?,
        },
        Cmd::BringBack { target } => Command::BringBack {
            target: selection(&state, target.all, &target.rooms)?,
        },
        Cmd::Stop => Command::StopBreakouts,
        Cmd::Kick { name } => Command::RemoveParticipant {
            participant: participant_named(&state, &name)?,
        },
        Cmd::Create { .. }
        | Cmd::Join { .. }
        | Cmd::Upload { .. }
        | Cmd::Watch { .. }
        | Cmd::RotateCodes => {
            unreachable!("handled without a live connection")
        }
    };
    let version = client.send(command).await?;
    println!("{}", json!({ "ok": true, "version": version }));
    Ok(())
}

/// Who is where, as JSON: the main room and each room with the names in it.
fn status(state: &Session) -> serde_json::Value {
    let names_at = |at: Location| -> Vec<&str> {
        state
            .participants
            .iter()
            .filter(|p| p.location == at)
            .map(|p| p.name.as_str())
            .collect()
    };
    let rooms: Vec<_> = state
        .rooms
        .iter()
        .map(|r| json!({ "id": r.id, "name": r.name, "participants": names_at(Location::Room(r.id)) }))
        .collect();
    json!({
        "title": state.title,
        "version": state.version,
        "breakouts": state.breakouts,
        "free_movement": state.free_movement,
        "main": names_at(Location::Main),
        "rooms": rooms,
    })
}

async fn assign_csv(client: &Client, state: &Session, csv: &std::path::Path) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(csv).with_context(|| format!("cannot read {}", csv.display()))?;
    let mut moves = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || (n == 0 && line.eq_ignore_ascii_case("name,room")) {
            continue;
        }
        let (name, room) = line
            .split_once(',')
            .ok_or_else(|| anyhow!("line {}: expected name,room", n + 1))?;
        let participant =
            participant_named(state, name.trim()).with_context(|| format!("line {}", n + 1))?;
        let to = place_named(state, room.trim()).with_context(|| format!("line {}", n + 1))?;
        moves.push((name.trim().to_owned(), Command::Move { participant, to }));
    }
    let sends = moves
        .into_iter()
        .map(|(name, command)| async move { (name, client.send(command).await) });
    let mut failed = 0;
    for (name, result) in futures_util::future::join_all(sends).await {
        match result {
            Ok(version) => println!(
                "{}",
                json!({ "name": name, "ok": true, "version": version })
            ),
            Err(e) => {
                failed += 1;
                println!(
                    "{}",
                    json!({ "name": name, "ok": false, "error": e.to_string() })
                );
            }
        }
    }
    if failed > 0 {
        bail!("{failed} assignment(s) failed");
    }
    Ok(())
}

async fn watch(
    endpoint: &Endpoint,
    who: &Credentials,
    count: Option<usize>,
    seconds: Option<u64>,
) -> anyhow::Result<()> {
    let (_sender, mut receiver) = breakout_client::connection::open(endpoint, who, None).await?;
    let printing = async {
        let mut seen = 0;
        while count.is_none_or(|c| seen < c) {
            match receiver.next().await? {
                breakout_client::connection::Incoming::Message(message, raw) => {
                    if matches!(*message, ServerMessage::Event(_)) {
                        seen += 1;
                        println!("{raw}");
                    }
                }
                breakout_client::connection::Incoming::Alive => {}
                breakout_client::connection::Incoming::Closed(Some((CLOSE_REMOVED, reason))) => {
                    bail!("{reason}")
                }
                breakout_client::connection::Incoming::Closed(reason) => {
                    bail!("the endpoint closed the connection: {reason:?}")
                }
            }
        }
        Ok(())
    };
    match seconds {
        Some(s) => tokio::time::timeout(Duration::from_secs(s), printing)
            .await
            .unwrap_or(Ok(())),
        None => printing.await,
    }
}

fn participant_named(state: &Session, name: &str) -> anyhow::Result<breakout_core::ParticipantId> {
    let matches: Vec<_> = state
        .participants
        .iter()
        .filter(|p| p.name == name)
        .collect();
    match matches.as_slice() {
        [one] => Ok(one.id),
        [] => bail!("nobody called {name:?} is in the session"),
        _ => bail!(
            "{} people are called {name:?}; names must be unique to assign by name",
            matches.len()
        ),
    }
}

fn place_named(state: &Session, room: &str) -> anyhow::Result<Location> {
    if room.eq_ignore_ascii_case("main") {
        return Ok(Location::Main);
    }
    state
        .rooms
        .iter()
        .find(|r| r.name == room)
        .map(|r| Location::Room(r.id))
        .ok_or_else(|| anyhow!("no room called {room:?}"))
}

fn selection(state: &Session, all: bool, rooms: &[String]) -> anyhow::Result<RoomSelection> {
    if all {
        return Ok(RoomSelection::All);
    }
    rooms
        .iter()
        .map(|name| match place_named(state, name)? {
            Location::Room(id) => Ok(id),
            Location::Main => bail!("the main room is not a breakout room"),
        })
        .collect::<anyhow::Result<_>>()
        .map(RoomSelection::Rooms)
}

/// Write a secret to a file only the user can read.
fn write_private(file: &std::path::Path, secret: &str) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options
        .open(file)
        .with_context(|| format!("cannot write {}", file.display()))?;
    // The mode above applies only to new files: an existing one is made private too.
    #[cfg(unix)]
    f.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    std::io::Write::write_all(&mut f, secret.as_bytes())?;
    Ok(())
}

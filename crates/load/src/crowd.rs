//! The stage the fleet scenarios share: a session with open breakout rooms, its moderator, and N
//! participants each connected over their own WebSocket, everyone online and the endpoint quiet.

use crate::fleet::{self, Fleet};
use crate::proc_stats::{Probe, Usage};
use crate::Args;
use anyhow::Context as _;
use breakout_client::{Api, Client, ClientOptions, Credentials, Endpoint};
use breakout_core::{
    AssignRules, AutoAssign, Command, Location, ParticipantId, Role, RoomSelection,
};
use futures_util::{stream, StreamExt, TryStreamExt};
use std::time::Duration;

/// How long everyone may take to show as online once connected.
const ONLINE_LIMIT: Duration = Duration::from_secs(120);
/// Arrivals are drained until none came for this long…
const QUIET: Duration = Duration::from_secs(1);
/// …but at most this long.
const QUIET_LIMIT: Duration = Duration::from_secs(60);

/// A session full of connected participants.
pub struct Crowd {
    /// The moderator, with a full client.
    pub moderator: Client,
    /// The participants.
    pub fleet: Fleet,
    /// The endpoint's usage with everyone joined and nobody connected yet.
    pub before_clients: Option<Usage>,
    /// The endpoint's usage with everyone connected and quiet.
    pub idle: Option<Usage>,
    people: Vec<ParticipantId>,
    rooms: Vec<Location>,
}

/// Create a session with `--rooms` breakout rooms and connect `--clients` participants to it,
/// `--parallel` handshakes at a time, with `--offline` more who only join (they are in the
/// session, and in every auto-assign, but have no socket); return once the connected are online
/// and the endpoint is quiet.
pub async fn gather(args: &Args, endpoint: &Endpoint, probe: &Probe) -> anyhow::Result<Crowd> {
    let Args {
        clients,
        offline,
        rooms,
        parallel,
        ..
    } = *args;
    let api = Api::new(endpoint.clone());
    let created = api.create_session("Load test", "Moderator").await?;
    let moderator = Client::connect(
        endpoint.clone(),
        Credentials {
            session: created.session_id.clone(),
            token: created.token.clone(),
        },
        ClientOptions::default(),
    )
    .await?;
    moderator
        .send(Command::OpenBreakouts {
            rooms,
            duration_minutes: None,
        })
        .await?;

    stream::iter(0..offline)
        .map(|i| {
            let (api, created) = (&api, &created);
            async move {
                api.join(
                    &created.session_id,
                    &created.participant_code,
                    &format!("offline-{i}"),
                )
                .await
            }
        })
        .buffer_unordered(parallel)
        .try_collect::<Vec<_>>()
        .await?;

    let before_clients = probe.usage();
    let mut fleet = fleet::start(
        endpoint,
        &created.session_id,
        &created.participant_code,
        clients,
        parallel,
    )
    .await?;
    // Presence events of the last connections settle; then the endpoint is idle.
    let (everyone, online) = (clients + offline + 1, clients + 1);
    moderator
        .wait_until(ONLINE_LIMIT, |s| {
            s.participants.len() == everyone
                && s.participants.iter().filter(|p| p.online).count() == online
        })
        .await
        .context("not every client came online")?;
    quiesce(&mut fleet).await;
    let idle = probe.usage();
    eprintln!(
        "{clients} clients joined in {:.1}s, connected in {:.1}s, online and quiet",
        fleet.join_time.as_secs_f64(),
        fleet.connect_time.as_secs_f64()
    );

    let state = moderator.snapshot();
    let people = state
        .participants
        .iter()
        .filter(|p| p.role == Role::Participant)
        .map(|p| p.id)
        .collect();
    let rooms = state.rooms.iter().map(|r| Location::Room(r.id)).collect();
    Ok(Crowd {
        moderator,
        fleet,
        before_clients,
        idle,
        people,
        rooms,
    })
}

/// What the moderator does at each step of the `moves` scenario.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Action {
    /// Move one person to a room (in turn).
    Move,
    /// Auto-assign everyone afresh (a new seed each time): one large event.
    Assign,
    /// A call to action to every room.
    Call,
}

impl Crowd {
    /// The moderator's `i`th command of this kind.
    pub fn command(&self, action: Action, i: usize) -> Command {
        match action {
            Action::Move => Command::Move {
                participant: self.people[(i * 7919) % self.people.len()],
                to: self.rooms[i % self.rooms.len()],
            },
            Action::Assign => Command::AutoAssign(AutoAssign {
                seed: i as u64,
                keep_existing: false,
                rules: AssignRules::default(),
            }),
            Action::Call => Command::CallToAction {
                text: format!(
                    "Please wrap up: back in the main room in {} minutes",
                    i % 10 + 1
                ),
                link: None,
                target: RoomSelection::All,
            },
        }
    }
}

/// Drain arrivals until none came for a second (the connect-time presence events are done).
async fn quiesce(fleet: &mut Fleet) {
    let _ = tokio::time::timeout(QUIET_LIMIT, async {
        while let Ok(Some(_)) = tokio::time::timeout(QUIET, fleet.arrivals.recv()).await {}
    })
    .await;
}

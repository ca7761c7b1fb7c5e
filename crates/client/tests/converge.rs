//! Why this file exists: every desktop shows the session from its own replica, kept in step by
//! applying the endpoint's events (and showing its own unanswered commands on top). The promise is
//! that replicas converge: once every command is answered, each client's state equals exactly what
//! the endpoint says that participant may see (`view_for(server state, me)`) — room-scoped
//! documents, calls and help included. Here two, then fifty, clients and a co-moderator fire a
//! seeded random mix of commands concurrently (free movement on, participants moving themselves),
//! and every replica is compared with the endpoint's own state.
//!
//! Set `BREAKOUT_TEST_SEED` to replay another mix.

mod support;

use breakout_client::{Api, CancellationToken, Client, ClientError, Endpoint};
use breakout_core::{AutoAssign, Command, DocumentId, Location, RoomSelection, Session};
use futures_util::future::{join_all, BoxFuture};
use futures_util::FutureExt;
use std::sync::Arc;
use std::time::Duration;
use support::{
    assert_converged, connect, join, open_with_free_movement, session, within, InProcess, Proxy,
};

/// SplitMix64: small, seedable, good enough to pick commands.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn seed() -> u64 {
    std::env::var("BREAKOUT_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_250_101)
}

fn places(state: &Session) -> Vec<Location> {
    std::iter::once(Location::Main)
        .chain(state.rooms.iter().map(|r| Location::Room(r.id)))
        .collect()
}

/// A non-empty random subset of the rooms, or all rooms.
fn target(rng: &mut Rng, state: &Session) -> RoomSelection {
    if state.rooms.is_empty() || rng.percent(30) {
        return RoomSelection::All;
    }
    let mut rooms: Vec<_> = state
        .rooms
        .iter()
        .filter(|_| rng.percent(50))
        .map(|r| r.id)
        .collect();
    if rooms.is_empty() {
        rooms.push(rng.pick(&state.rooms).id);
    }
    RoomSelection::Rooms(rooms)
}

/// What a moderator or co-moderator might do next, given what their replica shows.
fn staff_command(rng: &mut Rng, state: &Session, documents: &[DocumentId], tag: &str) -> Command {
    if !state.is_open() {
        return Command::OpenBreakouts {
            rooms: 3,
            duration_minutes: None,
        };
    }
    let someone = rng.pick(&state.participants).id;
    match rng.below(100) {
        0..=19 => Command::Move {
            participant: someone,
            to: *rng.pick(&places(state)),
        },
        20..=29 => Command::AutoAssign(AutoAssign {
            seed: rng.next(),
            keep_existing: rng.percent(50),
            ..AutoAssign::default()
        }),
        30..=44 => Command::CallToAction {
            text: format!("call {tag}"),
            link: rng
                .percent(30)
                .then(|| format!("https://example.org/{tag}")),
            target: target(rng, state),
        },
        45..=52 if !state.rooms.is_empty() => Command::BringBack {
            target: target(rng, state),
        },
        53..=64 => Command::ShareDocument {
            document: rng.pick(documents).clone(),
            target: target(rng, state),
        },
        65..=72 => Command::UnshareDocument {
            document: rng.pick(documents).clone(),
            target: target(rng, state),
        },
        73..=78 if !state.rooms.is_empty() => Command::RenameRoom {
            room: rng.pick(&state.rooms).id,
            name: format!("Room {tag}"),
        },
        79..=84 => Command::SetRoomCount {
            rooms: 2 + rng.below(3) as u32,
        },
        85..=94 if !state.help.is_empty() => {
            let request = rng.pick(&state.help).id;
            if rng.percent(50) {
                Command::TakeHelp { request }
            } else {
                Command::ResolveHelp { request }
            }
        }
        95..=96 => Command::StopBreakouts,
        _ => Command::Move {
            participant: someone,
            to: Location::Main,
        },
    }
}

/// What a participant might do next: mostly move themselves (free movement is on), sometimes ask
/// for help or withdraw their request.
fn participant_command(rng: &mut Rng, client: &Client) -> Command {
    let state = client.snapshot();
    let me = client.me();
    match rng.below(100) {
        0..=69 => Command::Move {
            participant: me,
            to: *rng.pick(&places(&state)),
        },
        70..=89 => Command::AskForHelp,
        _ => match state.help.iter().find(|h| h.participant == me) {
            Some(h) => Command::ResolveHelp { request: h.id },
            None => Command::Move {
                participant: me,
                to: Location::Main,
            },
        },
    }
}

/// Links of the clients go through a proxy that cuts them all this often (in rounds), while the
/// round's commands are in flight.
struct Cuts {
    every: usize,
}

async fn converge(people: usize, rounds: usize, per_round: usize, cuts: Option<Cuts>) {
    let seed = seed();
    let server = InProcess::start().await;
    let proxy = Proxy::start(server.addr).await;
    // The moderator's link is never cut; everyone else's goes through the proxy when cuts are on.
    let url = if cuts.is_some() {
        &proxy.url
    } else {
        &server.url
    };
    let s = session(&server.url, people).await;
    let co = join(&server.url, s.id(), &s.created.co_moderator_code, "Co").await;

    // Two documents in the library, to share and unshare with rooms.
    let api = Api::new(Endpoint::parse(&server.url).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let mut documents = Vec::new();
    for (name, text) in [("agenda.txt", "agenda"), ("worksheet.txt", "worksheet")] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let quiet = Arc::new(|_| {});
        let doc = api
            .upload(&s.moderator, &path, quiet, CancellationToken::new())
            .await
            .unwrap();
        documents.push(doc.id);
    }

    let moderator = connect(&server.url, &s.moderator).await;
    let co_moderator = connect(url, &co).await;
    let mut clients = Vec::new();
    for who in &s.participants {
        clients.push(connect(url, who).await);
    }
    open_with_free_movement(&moderator, 3).await;

    let links_before = proxy.accepted();

    let mut rng = Rng(seed);
    let (mut applied, mut refused) = (0usize, 0usize);
    for round in 0..rounds {
        let mut sends: Vec<BoxFuture<'_, (String, Result<u64, ClientError>)>> = Vec::new();
        for n in 0..per_round {
            let tag = format!("{round}.{n}");
            let roll = rng.below(100);
            let (actor, command): (&Client, Command) = if roll < 15 {
                let command = staff_command(&mut rng, &moderator.snapshot(), &documents, &tag);
                (&moderator, command)
            } else if roll < 25 {
                let command = staff_command(&mut rng, &co_moderator.snapshot(), &documents, &tag);
                (&co_moderator, command)
            } else {
                let client = rng.pick(&clients);
                (client, participant_command(&mut rng, client))
            };
            let what = format!("{command:?} from {}", actor.me());
            sends.push(actor.send(command).map(move |r| (what, r)).boxed());
        }
        // Every command of the round is in flight at once; all are answered before the next round.
        let answers = join_all(sends);
        let answers = match &cuts {
            Some(cuts) if round % cuts.every == cuts.every - 1 => {
                tokio::pin!(answers);
                let delay = Duration::from_millis(rng.below(30) as u64);
                tokio::select! {
                    answers = &mut answers => answers,
                    _ = tokio::time::sleep(delay) => {
                        proxy.cut();
                        within("the answers after a cut", answers).await
                    }
                }
            }
            _ => within("the round's answers", answers).await,
        };
        for (what, result) in answers {
            match result {
                Ok(_) => applied += 1,
                // Concurrent commands may overtake each other (a room removed before a move into
                // it arrives, rooms stopped…): a refusal is an answer too.
                Err(ClientError::Rejected(_)) => refused += 1,
                Err(e) => panic!("seed {seed}: {what} failed: {e}"),
            }
        }
    }
    let total = rounds * per_round;
    assert_eq!(applied + refused, total);
    assert!(
        applied * 2 > total,
        "seed {seed}: only {applied} of {total} commands were applied; the mix tests little"
    );

    let mut everyone: Vec<&Client> = vec![&moderator, &co_moderator];
    everyone.extend(clients.iter());
    let truth = assert_converged(&server.url, &s.moderator, &everyone).await;
    breakout_core::invariants::check(&truth).unwrap();
    println!(
        "seed {seed}: {applied} applied, {refused} refused, v{}, {} calls, {} in rooms",
        truth.version,
        truth.calls.len(),
        truth
            .participants
            .iter()
            .filter(|p| p.location != Location::Main)
            .count()
    );
    // The moderator's replica, with nothing unanswered, is the whole state.
    assert_eq!(*moderator.snapshot(), truth);
    assert!(
        truth.version > total as u64 / 2,
        "seed {seed}: few events happened"
    );
    // The cuts were felt: clients opened new links (at least one per cut).
    let reconnections = proxy.accepted() - links_before;
    match cuts {
        Some(cuts) => assert!(
            reconnections >= rounds / cuts.every,
            "{reconnections} reconnections"
        ),
        None => assert_eq!(reconnections, 0),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_converge() {
    converge(2, 25, 6, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_clients_converge() {
    converge(50, 16, 24, None).await;
}

/// The same with every link but the moderator's cut every third round while commands are in
/// flight: clients resume (by replay), resend what was unanswered under the same ids, and still
/// converge.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_converge_through_cut_links() {
    converge(12, 18, 12, Some(Cuts { every: 3 })).await;
}

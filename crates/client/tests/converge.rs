//! Replicas converge: after a seeded mix of commands from a moderator and from participants moving
//! themselves, every client's state equals what the endpoint says that client may see.

mod support;

use breakout_client::Client;
use breakout_core::view::view_for;
use breakout_core::{AutoAssign, Command, Location, RoomSelection};
use support::{connect, session, within, InProcess};

/// A tiny deterministic generator for the command mix.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

async fn converge(people: usize, steps: usize) {
    let server = InProcess::start().await;
    let s = session(&server.url, people).await;
    let moderator = connect(&server.url, &s.moderator).await;
    let mut clients: Vec<Client> = Vec::new();
    for who in &s.participants {
        clients.push(connect(&server.url, who).await);
    }
    // Presence settles first, so no event arrives after the final comparison point.
    within(
        "everyone online",
        moderator.wait_until(support::WAIT, |s| s.participants.iter().all(|p| p.online)),
    )
    .await
    .unwrap();
    moderator
        .send(Command::OpenBreakouts {
            rooms: 4,
            duration_minutes: None,
        })
        .await
        .unwrap();
    moderator
        .send(Command::SetFreeMovement { on: true })
        .await
        .unwrap();
    let rooms: Vec<Location> = moderator
        .snapshot()
        .rooms
        .iter()
        .map(|r| Location::Room(r.id))
        .collect();
    let mut rng = Lcg(42);
    for step in 0..steps {
        let state = moderator.snapshot();
        let target = rooms[rng.below(rooms.len())];
        let result = match rng.below(6) {
            0 => {
                let seed = rng.below(1000) as u64;
                let command = Command::AutoAssign(AutoAssign {
                    seed,
                    ..AutoAssign::default()
                });
                moderator.send(command).await
            }
            1 => {
                let who = state.participants[rng.below(state.participants.len())].id;
                moderator
                    .send(Command::Move {
                        participant: who,
                        to: target,
                    })
                    .await
            }
            2 => {
                let text = format!("step {step}");
                let command = Command::CallToAction {
                    text,
                    link: None,
                    target: RoomSelection::All,
                };
                moderator.send(command).await
            }
            3 if step % 5 == 0 => {
                let command = Command::BringBack {
                    target: RoomSelection::Rooms(vec![match target {
                        Location::Room(r) => r,
                        Location::Main => unreachable!("rooms only"),
                    }]),
                };
                moderator.send(command).await
            }
            _ => {
                let client = &clients[rng.below(clients.len())];
                let me = client.me();
                client
                    .send(Command::Move {
                        participant: me,
                        to: target,
                    })
                    .await
            }
        };
        // Moves to where someone already is, or a bring-back of an empty room, are fine no-ops;
        // nothing in this mix may be refused.
        result.unwrap_or_else(|e| panic!("step {step}: {e}"));
    }
    // The moderator's own last command is acked after every earlier event reached it, so its state
    // is then the endpoint's latest.
    moderator
        .send(Command::SetFreeMovement { on: false })
        .await
        .unwrap();
    let server_state = moderator.snapshot();
    let version = server_state.version;
    for client in &clients {
        let seen = within(
            "a client catching up",
            client.wait_until(support::WAIT, |s| s.version >= version),
        )
        .await
        .unwrap();
        assert_eq!(
            Some((*seen).clone()),
            view_for(&server_state, client.me()),
            "client {} differs from its view of the server state",
            client.me()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_converge() {
    converge(2, 40).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_clients_converge() {
    converge(50, 120).await;
}

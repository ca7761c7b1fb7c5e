//! Figures for BENCHMARKS.md: auto-assigning 10,000 participants into 1,000 rooms (decide + apply,
//! one event) and serializing a 5,000-participant / 100-room snapshot.
//! Run: `cargo bench -p breakout-core --bench core`.

#![allow(missing_docs)] // criterion_group! generates undocumented functions.

use breakout_core::{
    apply, decide, Actor, AutoAssign, Command, Event, Role, Session, SessionId, Timestamp,
};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use std::hint::black_box;

const NOW: Timestamp = Timestamp(1_700_000_000_000);

fn run(state: &mut Session, actor: Actor, command: Command) {
    for event in decide(state, actor, NOW, &command).expect("bench command is valid") {
        apply(state, &event);
    }
}

/// A session with a moderator, `people` participants and `rooms` open rooms.
fn session(people: usize, rooms: u32) -> Session {
    let mut state = Session::new(SessionId("bench".into()), "Bench".into(), 1);
    let join = |name: String, role| Command::Join { name, role };
    run(
        &mut state,
        Actor::System,
        join("Moderator".into(), Role::Moderator),
    );
    let moderator = Actor::Participant(state.participants[0].id);
    for i in 0..people {
        run(
            &mut state,
            Actor::System,
            join(format!("Participant {i}"), Role::Participant),
        );
    }
    run(
        &mut state,
        moderator,
        Command::OpenBreakouts {
            rooms,
            duration_minutes: None,
        },
    );
    state
}

fn auto_assign(c: &mut Criterion) {
    let state = session(10_000, 1_000);
    let moderator = Actor::Participant(state.participants[0].id);
    let command = Command::AutoAssign(AutoAssign {
        seed: 42,
        ..AutoAssign::default()
    });
    let events = decide(&state, moderator, NOW, &command).unwrap();
    assert!(matches!(
        events.as_slice(),
        [Event::ParticipantsMoved { .. }]
    ));
    let json_len = serde_json::to_vec(&events[0]).unwrap().len();
    println!("auto-assign event: {json_len} bytes of JSON for 10,000 moves");

    c.bench_function("auto-assign 10,000 into 1,000 rooms: decide", |b| {
        b.iter(|| decide(black_box(&state), moderator, NOW, &command).unwrap())
    });
    c.bench_function("auto-assign 10,000 into 1,000 rooms: decide + apply", |b| {
        b.iter_batched(
            || state.clone(),
            |mut s| {
                for e in decide(&s, moderator, NOW, &command).unwrap() {
                    apply(&mut s, &e);
                }
                s
            },
            BatchSize::LargeInput,
        )
    });
}

fn snapshot(c: &mut Criterion) {
    let mut state = session(5_000, 100);
    let moderator = Actor::Participant(state.participants[0].id);
    run(
        &mut state,
        moderator,
        Command::AutoAssign(AutoAssign {
            seed: 7,
            ..AutoAssign::default()
        }),
    );
    let bytes = serde_json::to_vec(&state).unwrap().len();
    println!("snapshot 5,000 participants / 100 rooms: {bytes} bytes of JSON");
    c.bench_function("snapshot 5,000 participants / 100 rooms: serialize", |b| {
        b.iter(|| serde_json::to_vec(black_box(&state)).unwrap())
    });
}

criterion_group!(benches, auto_assign, snapshot);
criterion_main!(benches);

//! Shared fixtures for the integration tests of `breakout-core`. Sessions are built only through the
//! public API (`decide` + `apply`), so every fixture is a state that real commands can reach.

// Each test crate uses its own subset of these helpers.
#![allow(dead_code)]

use breakout_core::{
    apply, decide, invariants, Actor, Command, Event, Location, ParticipantId, Rejection, Role,
    RoomId, Session, SessionId, Timestamp,
};

/// The "current time" tests pass to `decide` unless they are about time.
pub const NOW: Timestamp = Timestamp(1_700_000_000_000);

/// A session plus the ids of the people the fixture put in it.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// The session, as the server holds it.
    pub state: Session,
    /// Joined first.
    pub moderator: ParticipantId,
    /// Joined second.
    pub co_moderator: ParticipantId,
    /// Plain participants, in join order (ids ascending).
    pub participants: Vec<ParticipantId>,
}

/// The command author for a participant of the session.
pub fn by(id: ParticipantId) -> Actor {
    Actor::Participant(id)
}

/// Apply events in order, without checking invariants (for building large fixtures fast).
pub fn apply_all(state: &mut Session, events: &[Event]) {
    for event in events {
        apply(state, event);
    }
}

impl Fixture {
    /// A moderator, a co-moderator and `participants` participants, all in the main room; breakout
    /// rooms closed, free movement off.
    pub fn new(participants: usize) -> Fixture {
        let mut state = Session::new(SessionId("test".into()), "Test session".into(), 1);
        let mut join = |name: String, role: Role| {
            let command = Command::Join { name, role };
            let events = decide(&state, Actor::System, NOW, &command).expect("fixture join");
            apply_all(&mut state, &events);
            state.participants.last().expect("just joined").id
        };
        let moderator = join("Moderator".into(), Role::Moderator);
        let co_moderator = join("Co-moderator".into(), Role::CoModerator);
        let participants = (1..=participants)
            .map(|i| join(format!("Participant {i}"), Role::Participant))
            .collect();
        Fixture {
            state,
            moderator,
            co_moderator,
            participants,
        }
    }

    /// Like [`Fixture::new`], with `rooms` breakout rooms open (no end time).
    pub fn with_open_rooms(participants: usize, rooms: u32) -> Fixture {
        let mut fixture = Fixture::new(participants);
        fixture.run(
            by(fixture.moderator),
            Command::OpenBreakouts {
                rooms,
                duration_minutes: None,
            },
        );
        fixture
    }

    /// The ids of the breakout rooms, in display order.
    pub fn rooms(&self) -> Vec<RoomId> {
        self.state.rooms.iter().map(|r| r.id).collect()
    }

    /// What `decide` says about `command` from `actor` now.
    pub fn decide(&self, actor: Actor, command: &Command) -> Result<Vec<Event>, Rejection> {
        decide(&self.state, actor, NOW, command)
    }

    /// Decide `command` at `now`; if accepted, apply its events and check the session invariants.
    pub fn try_run_at(
        &mut self,
        actor: Actor,
        now: Timestamp,
        command: Command,
    ) -> Result<Vec<Event>, Rejection> {
        let events = decide(&self.state, actor, now, &command)?;
        apply_all(&mut self.state, &events);
        if let Err(broken) = invariants::check(&self.state) {
            panic!("{command:?} broke an invariant: {broken}");
        }
        Ok(events)
    }

    /// [`Fixture::try_run_at`] at [`NOW`].
    pub fn try_run(&mut self, actor: Actor, command: Command) -> Result<Vec<Event>, Rejection> {
        self.try_run_at(actor, NOW, command)
    }

    /// Run a command that must be accepted; return its events.
    pub fn run(&mut self, actor: Actor, command: Command) -> Vec<Event> {
        let described = format!("{command:?} by {actor:?}");
        self.try_run(actor, command)
            .unwrap_or_else(|rejection| panic!("{described} was rejected: {rejection:?}"))
    }

    /// The moderator moves `who` to `to`.
    pub fn put(&mut self, who: ParticipantId, to: Location) {
        self.run(
            by(self.moderator),
            Command::Move {
                participant: who,
                to,
            },
        );
    }

    /// Where `who` is now.
    pub fn location(&self, who: ParticipantId) -> Location {
        self.state
            .participant(who)
            .unwrap_or_else(|| panic!("{who} is not in the session"))
            .location
    }

    /// Who is at `location` now, by id.
    pub fn people_at(&self, location: Location) -> Vec<ParticipantId> {
        self.state
            .participants
            .iter()
            .filter(|p| p.location == location)
            .map(|p| p.id)
            .collect()
    }
}

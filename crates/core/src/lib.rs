//! breakout-core: the domain model of Breakout and its wire protocol.
//!
//! Pure by design — no I/O, no async, no clock reads (time is passed in) — so the same code decides
//! on the server and replays in every client, and tests run in microseconds.
//!
//! The flow: a [`Command`] from an [`Actor`] goes through [`decide`], which checks roles and state and
//! returns [`Event`]s or a [`Rejection`]; [`apply`] folds each event into a [`Session`]. What a
//! viewer may see is [`view::view_for`]; what travels over the wire is in [`protocol`].

mod actor;
mod apply;
mod assign;
mod command;
mod decide;
mod event;
mod ids;
pub mod invariants;
pub mod limits;
pub mod plan;
pub mod protocol;
mod rejection;
mod rng;
mod session;
pub mod validate;
pub mod view;

pub use actor::Actor;
pub use apply::apply;
pub use command::{AssignRules, AutoAssign, Command};
pub use decide::decide;
pub use event::{BrokenRule, Event, Placement};
pub use ids::{CallId, DocumentId, HelpId, ParticipantId, RoomId, SessionId, Timestamp};
pub use rejection::Rejection;
pub use session::{
    Breakouts, CallToAction, Document, HelpRequest, HelpState, Location, NextIds, Participant,
    Role, Room, RoomSelection, Session, Sharing,
};

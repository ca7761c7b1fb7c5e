//! Automatic assignment of participants to breakout rooms.
//!
//! Deterministic for a seed; each unit (a person, or a keep-together group) goes to the emptiest room
//! that respects the rules, so with no rules room sizes differ by at most one and no room gets a
//! second person before every room has one. Rules that cannot be met are reported, not hidden.
//!
//! People are handled by their slot (index in `Session::participants`, which is sorted by id), so the
//! per-person bookkeeping of a 10,000-person assignment is plain arrays rather than hash maps.

use crate::command::{AssignRules, AutoAssign};
use crate::event::{BrokenRule, Placement};
use crate::ids::{ParticipantId, RoomId};
use crate::rng::SplitMix64;
use crate::session::{Location, Role, Session};
use rooms_by_size::RoomsBySize;
use std::collections::{BTreeSet, HashMap};
use units::{build_units, Units};

mod rooms_by_size;
mod units;

/// The outcome: who moves where, and which rules broke.
pub(crate) struct Assignment {
    pub(crate) placements: Vec<Placement>,
    pub(crate) broken_rules: Vec<BrokenRule>,
}

/// Compute an assignment. The caller has checked that rooms are open and rule ids exist.
pub(crate) fn auto_assign(state: &Session, params: &AutoAssign) -> Assignment {
    let room_index: HashMap<_, _> = state
        .rooms
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id, i))
        .collect();
    let cap = params.rules.max_per_room.map_or(usize::MAX, |c| c as usize);

    let apart_of = index_groups(state, &params.rules.apart);
    let mut sizes = vec![0usize; state.rooms.len()];
    let mut apart_in_room: Vec<BTreeSet<u32>> = vec![BTreeSet::new(); state.rooms.len()];
    // The room index each person ends up in: kept people from the start, the pool as placed.
    let mut room_of: Vec<Option<usize>> = vec![None; state.participants.len()];
    let mut pooled = vec![false; state.participants.len()];
    let mut pool = Vec::new();
    for (slot, p) in state.participants.iter().enumerate() {
        if p.role != Role::Participant {
            continue;
        }
        match (params.keep_existing, p.location) {
            (true, Location::Room(room)) => {
                let i = room_index[&room];
                sizes[i] += 1;
                room_of[slot] = Some(i);
                apart_in_room[i].extend(apart_of.get(&slot).into_iter().flatten());
            }
            _ => {
                pooled[slot] = true;
                pool.push(slot);
            }
        }
    }
    SplitMix64::new(params.seed).shuffle(&mut pool);

    let Units { members, mut units } =
        build_units(state, &pool, &params.rules.together, &room_of, cap);
    // Largest units first, so groups find room before singles fill it; ties keep the shuffled order.
    units.sort_by_key(|u| std::cmp::Reverse(u.members.len()));

    let mut rooms = RoomsBySize::new(sizes);
    let mut unplaced = 0u32;
    for unit in units {
        let unit_members = &members[unit.members];
        let len = unit_members.len();
        let groups: BTreeSet<u32> = unit_members
            .iter()
            .flat_map(|m| apart_of.get(m).into_iter().flatten().copied())
            .collect();
        let fits = |room: usize| rooms.size(room) + len <= cap;
        let clashes = |room: usize| apart_in_room[room].intersection(&groups).copied();
        let chosen = unit
            .pinned_room
            .filter(|&r| fits(r))
            .or_else(|| {
                rooms
                    .emptiest_first()
                    .find(|&r| fits(r) && clashes(r).next().is_none())
            })
            .or_else(|| rooms.emptiest_first().find(|&r| fits(r)));
        let Some(room) = chosen else {
            unplaced += len as u32;
            continue;
        };
        rooms.grow(room, len);
        apart_in_room[room].extend(groups);
        for &m in unit_members {
            room_of[m] = Some(room);
        }
    }

    // Slots follow id order, so every list below comes out sorted.
    let mut to_rooms: Vec<Vec<ParticipantId>> = vec![Vec::new(); state.rooms.len()];
    let mut to_main = Vec::new();
    for (slot, p) in state.participants.iter().enumerate() {
        if !pooled[slot] {
            continue;
        }
        match room_of[slot] {
            Some(room) if p.location != Location::Room(state.rooms[room].id) => {
                to_rooms[room].push(p.id)
            }
            None if p.location != Location::Main => to_main.push(p.id),
            _ => {}
        }
    }
    let mut placements: Vec<Placement> = to_rooms
        .into_iter()
        .zip(&state.rooms)
        .filter(|(participants, _)| !participants.is_empty())
        .map(|(participants, room)| Placement {
            to: Location::Room(room.id),
            participants,
        })
        .collect();
    if !to_main.is_empty() {
        placements.push(Placement {
            to: Location::Main,
            participants: to_main,
        });
    }
    let rooms_over: Vec<RoomId> = rooms
        .sizes()
        .iter()
        .zip(&state.rooms)
        .filter(|(size, _)| **size > cap)
        .map(|(_, room)| room.id)
        .collect();
    let final_room = |id: &ParticipantId| state.slot_of(*id).and_then(|slot| room_of[slot]);
    Assignment {
        placements,
        broken_rules: broken_rules(state, &params.rules, final_room, unplaced, rooms_over),
    }
}

/// Check the final layout against every rule: whatever the reason (kept people, a group larger than
/// the cap, more apart members than rooms, contradicting rules), what is broken gets reported.
fn broken_rules(
    state: &Session,
    rules: &AssignRules,
    final_room: impl Fn(&ParticipantId) -> Option<usize>,
    unplaced: u32,
    rooms_over: Vec<RoomId>,
) -> Vec<BrokenRule> {
    let assignable = |id: &&ParticipantId| {
        state
            .participant(**id)
            .is_some_and(|p| p.role == Role::Participant)
    };
    let mut broken = Vec::new();
    for (group, members) in rules.together.iter().enumerate() {
        let places: BTreeSet<Option<usize>> =
            members.iter().filter(assignable).map(&final_room).collect();
        if places.len() > 1 {
            broken.push(BrokenRule::Together {
                group: group as u32,
            });
        }
    }
    for (group, members) in rules.apart.iter().enumerate() {
        let members: BTreeSet<&ParticipantId> = members.iter().filter(assignable).collect();
        let mut seen = BTreeSet::new();
        if members
            .into_iter()
            .filter_map(&final_room)
            .any(|room| !seen.insert(room))
        {
            broken.push(BrokenRule::Apart {
                group: group as u32,
            });
        }
    }
    if unplaced > 0 || !rooms_over.is_empty() {
        broken.push(BrokenRule::MaxPerRoom {
            unplaced,
            rooms_over,
        });
    }
    broken
}

/// For each participant slot in a rule group, the indices of the groups it belongs to.
fn index_groups(state: &Session, groups: &[Vec<ParticipantId>]) -> HashMap<usize, Vec<u32>> {
    let mut of: HashMap<usize, Vec<u32>> = HashMap::new();
    for (g, members) in groups.iter().enumerate() {
        for slot in members.iter().filter_map(|m| state.slot_of(*m)) {
            let list = of.entry(slot).or_default();
            if list.last() != Some(&(g as u32)) {
                list.push(g as u32);
            }
        }
    }
    of
}

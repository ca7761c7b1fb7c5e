//! Automatic assignment of participants to breakout rooms.
//!
//! Deterministic for a seed; each unit (a person, or a keep-together group) goes to the emptiest room
//! that respects the rules, so with no rules room sizes differ by at most one and no room gets a
//! second person before every room has one. Rules that cannot be met are reported, not hidden.

use crate::command::{AssignRules, AutoAssign};
use crate::event::{BrokenRule, Placement};
use crate::ids::{ParticipantId, RoomId};
use crate::rng::SplitMix64;
use crate::session::{Location, Role, Session};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The outcome: who moves where, and which rules broke.
pub(crate) struct Assignment {
    pub(crate) placements: Vec<Placement>,
    pub(crate) broken_rules: Vec<BrokenRule>,
}

/// People who must land in the same room, plus where some of them already are (if kept).
struct Unit {
    members: Vec<ParticipantId>,
    pinned_room: Option<usize>,
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

    let apart_of = index_groups(&params.rules.apart);
    let mut sizes = vec![0usize; state.rooms.len()];
    let mut apart_in_room: Vec<BTreeSet<u32>> = vec![BTreeSet::new(); state.rooms.len()];
    let mut kept_room: HashMap<ParticipantId, usize> = HashMap::new();
    let mut pool = Vec::new();
    for p in state
        .participants
        .iter()
        .filter(|p| p.role == Role::Participant)
    {
        match (params.keep_existing, p.location) {
            (true, Location::Room(room)) => {
                let i = room_index[&room];
                sizes[i] += 1;
                kept_room.insert(p.id, i);
                apart_in_room[i].extend(apart_of.get(&p.id).into_iter().flatten());
            }
            _ => pool.push(p.id),
        }
    }
    SplitMix64::new(params.seed).shuffle(&mut pool);

    let mut units = build_units(&pool, &params.rules.together, &kept_room, cap);
    // Largest units first, so groups find room before singles fill it; ties keep the shuffled order.
    units.sort_by_key(|u| std::cmp::Reverse(u.members.len()));

    let mut by_size: BTreeSet<(usize, usize)> = sizes.iter().copied().zip(0..).collect();
    let mut destination: HashMap<ParticipantId, usize> = HashMap::with_capacity(pool.len());
    let mut unplaced = 0u32;
    for unit in units {
        let len = unit.members.len();
        let groups: BTreeSet<u32> = unit
            .members
            .iter()
            .flat_map(|m| apart_of.get(m).into_iter().flatten().copied())
            .collect();
        let fits = |room: usize| sizes[room] + len <= cap;
        let clashes = |room: usize| apart_in_room[room].intersection(&groups).copied();
        let chosen = unit
            .pinned_room
            .filter(|&r| fits(r))
            .or_else(|| {
                by_size
                    .iter()
                    .map(|&(_, r)| r)
                    .find(|&r| fits(r) && clashes(r).next().is_none())
            })
            .or_else(|| by_size.iter().map(|&(_, r)| r).find(|&r| fits(r)));
        let Some(room) = chosen else {
            unplaced += len as u32;
            continue;
        };
        by_size.remove(&(sizes[room], room));
        sizes[room] += len;
        by_size.insert((sizes[room], room));
        apart_in_room[room].extend(groups);
        for m in unit.members {
            destination.insert(m, room);
        }
    }

    let mut to_rooms: BTreeMap<usize, Vec<ParticipantId>> = BTreeMap::new();
    let mut to_main = Vec::new();
    for &id in &pool {
        let current = state.participant(id).map(|p| p.location);
        match destination.get(&id) {
            Some(&room) if current != Some(Location::Room(state.rooms[room].id)) => {
                to_rooms.entry(room).or_default().push(id)
            }
            None if current != Some(Location::Main) => to_main.push(id),
            _ => {}
        }
    }
    let mut placements: Vec<Placement> = to_rooms
        .into_iter()
        .map(|(room, mut participants)| {
            participants.sort();
            Placement {
                to: Location::Room(state.rooms[room].id),
                participants,
            }
        })
        .collect();
    if !to_main.is_empty() {
        to_main.sort();
        placements.push(Placement {
            to: Location::Main,
            participants: to_main,
        });
    }
    let final_room =
        |id: &ParticipantId| kept_room.get(id).or_else(|| destination.get(id)).copied();
    let rooms_over: Vec<RoomId> = sizes
        .iter()
        .zip(&state.rooms)
        .filter(|(size, _)| **size > cap)
        .map(|(_, room)| room.id)
        .collect();
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

/// For each participant, the indices of the rule groups they belong to.
fn index_groups(groups: &[Vec<ParticipantId>]) -> HashMap<ParticipantId, Vec<u32>> {
    let mut of: HashMap<ParticipantId, Vec<u32>> = HashMap::new();
    for (g, members) in groups.iter().enumerate() {
        for m in members {
            let list = of.entry(*m).or_default();
            if list.last() != Some(&(g as u32)) {
                list.push(g as u32);
            }
        }
    }
    of
}

/// Merge overlapping keep-together groups (union–find) into units, splitting any unit bigger than the
/// room cap (the final check reports that group as broken). Units keep the pool's shuffled order.
fn build_units(
    pool: &[ParticipantId],
    together: &[Vec<ParticipantId>],
    kept_room: &HashMap<ParticipantId, usize>,
    cap: usize,
) -> Vec<Unit> {
    let position: HashMap<ParticipantId, usize> =
        pool.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut parent: Vec<usize> = (0..pool.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut pinned: HashMap<usize, usize> = HashMap::new();
    for members in together {
        let in_pool: Vec<usize> = members
            .iter()
            .filter_map(|m| position.get(m))
            .copied()
            .collect();
        let Some(&first) = in_pool.first() else {
            continue;
        };
        for &other in &in_pool[1..] {
            let (a, b) = (root(&mut parent, first), root(&mut parent, other));
            if a != b {
                parent[b] = a;
                if let Some(room) = pinned.remove(&b) {
                    pinned.entry(a).or_insert(room);
                }
            }
        }
        let r = root(&mut parent, first);
        if let Some(&room) = members.iter().find_map(|m| kept_room.get(m)) {
            pinned.entry(r).or_insert(room);
        }
    }

    let mut units: Vec<Unit> = Vec::new();
    let mut unit_of_root: HashMap<usize, usize> = HashMap::new();
    for (i, id) in pool.iter().enumerate() {
        let r = root(&mut parent, i);
        let u = *unit_of_root.entry(r).or_insert_with(|| {
            units.push(Unit {
                members: Vec::new(),
                pinned_room: pinned.get(&r).copied(),
            });
            units.len() - 1
        });
        units[u].members.push(*id);
    }

    let mut split = Vec::with_capacity(units.len());
    for unit in units {
        if unit.members.len() <= cap {
            split.push(unit);
            continue;
        }
        for chunk in unit.members.chunks(cap) {
            split.push(Unit {
                members: chunk.to_vec(),
                pinned_room: unit.pinned_room,
            });
        }
    }
    split
}

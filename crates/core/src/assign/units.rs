//! Keep-together groups turned into the units auto-assign places: overlapping groups merged, groups
//! bigger than the room cap split, each unit's members stored one after another in one list.

use crate::ids::ParticipantId;
use crate::session::Session;
use std::collections::HashMap;
use std::ops::Range;

/// People who must land in the same room (a range of [`Units::members`]), plus where some of them
/// already are (if kept).
pub(super) struct Unit {
    pub(super) members: Range<usize>,
    pub(super) pinned_room: Option<usize>,
}

/// Every unit, their members (slots) stored one after another.
pub(super) struct Units {
    pub(super) members: Vec<usize>,
    pub(super) units: Vec<Unit>,
}

/// Merge overlapping keep-together groups (union–find) into units, splitting any unit bigger than the
/// room cap (the final check reports that group as broken). Units keep the pool's shuffled order.
pub(super) fn build_units(
    state: &Session,
    pool: &[usize],
    together: &[Vec<ParticipantId>],
    room_of: &[Option<usize>],
    cap: usize,
) -> Units {
    const NONE: usize = usize::MAX;
    // Each slot's position in the pool (NONE when not in it).
    let mut position = vec![NONE; state.participants.len()];
    for (i, &slot) in pool.iter().enumerate() {
        position[slot] = i;
    }
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
        let slots: Vec<usize> = members.iter().filter_map(|m| state.slot_of(*m)).collect();
        let in_pool: Vec<usize> = slots
            .iter()
            .map(|&slot| position[slot])
            .filter(|&i| i != NONE)
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
        let kept = slots.iter().find_map(|&slot| room_of[slot]);
        if let Some(room) = kept {
            pinned.entry(r).or_insert(room);
        }
    }

    // Number the units in pool order by their root, count their members, then lay members out.
    let mut unit_of_root = vec![NONE; pool.len()];
    let mut unit_of = Vec::with_capacity(pool.len());
    let mut sizes: Vec<usize> = Vec::new();
    let mut pinned_of_unit = Vec::new();
    for i in 0..pool.len() {
        let r = root(&mut parent, i);
        if unit_of_root[r] == NONE {
            unit_of_root[r] = sizes.len();
            sizes.push(0);
            pinned_of_unit.push(pinned.get(&r).copied());
        }
        unit_of.push(unit_of_root[r]);
        sizes[unit_of_root[r]] += 1;
    }
    let mut starts = Vec::with_capacity(sizes.len());
    let mut next = 0;
    for &size in &sizes {
        starts.push(next);
        next += size;
    }
    let mut members = vec![0; pool.len()];
    let mut filled = starts.clone();
    for (&slot, &u) in pool.iter().zip(&unit_of) {
        members[filled[u]] = slot;
        filled[u] += 1;
    }

    let mut units = Vec::with_capacity(sizes.len());
    for ((start, size), pinned_room) in starts.into_iter().zip(sizes).zip(pinned_of_unit) {
        // A unit bigger than the cap is split into cap-sized pieces, in order.
        let mut from = start;
        while from < start + size {
            let to = from.saturating_add(cap).min(start + size);
            units.push(Unit {
                members: from..to,
                pinned_room,
            });
            from = to;
        }
    }
    Units { members, units }
}

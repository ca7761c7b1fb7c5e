//! Rooms ordered by how many people they hold, for auto-assign's "emptiest room that fits" search.
//!
//! A bucket per size (rooms only ever grow during an assignment) instead of an ordered set: the usual
//! step — take the emptiest room, add one person — touches the front of one bucket and the back of
//! the next, with no tree search. Equal sizes keep room order at first, then the order in which rooms
//! reached that size, which keeps the result deterministic.

use std::collections::VecDeque;

pub(super) struct RoomsBySize {
    sizes: Vec<usize>,
    /// `buckets[n]`: the rooms holding `n` people.
    buckets: Vec<VecDeque<usize>>,
    /// No bucket below this one holds a room.
    lowest: usize,
}

impl RoomsBySize {
    /// Rooms `0..sizes.len()` holding `sizes[room]` people each.
    pub(super) fn new(sizes: Vec<usize>) -> RoomsBySize {
        let largest = sizes.iter().copied().max().unwrap_or(0);
        let mut buckets = vec![VecDeque::new(); largest + 1];
        for (room, &size) in sizes.iter().enumerate() {
            buckets[size].push_back(room);
        }
        let lowest = sizes.iter().copied().min().unwrap_or(0);
        RoomsBySize {
            sizes,
            buckets,
            lowest,
        }
    }

    /// How many people `room` holds.
    pub(super) fn size(&self, room: usize) -> usize {
        self.sizes[room]
    }

    /// Every room's size, by room.
    pub(super) fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// Rooms from emptiest to fullest.
    pub(super) fn emptiest_first(&self) -> impl Iterator<Item = usize> + '_ {
        self.buckets[self.lowest..].iter().flatten().copied()
    }

    /// Put `people` more into `room`.
    pub(super) fn grow(&mut self, room: usize, people: usize) {
        let old = self.sizes[room];
        let bucket = &mut self.buckets[old];
        let at = bucket
            .iter()
            .position(|&r| r == room)
            .expect("every room is in the bucket of its size");
        bucket.remove(at);
        let new = old + people;
        if self.buckets.len() <= new {
            self.buckets.resize_with(new + 1, VecDeque::new);
        }
        self.buckets[new].push_back(room);
        self.sizes[room] = new;
        while self.buckets[self.lowest].is_empty() && self.lowest < new {
            self.lowest += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RoomsBySize;

    #[test]
    fn the_emptiest_room_comes_first_and_ties_keep_their_order() {
        let mut rooms = RoomsBySize::new(vec![2, 0, 1, 0]);
        assert_eq!(rooms.emptiest_first().collect::<Vec<_>>(), [1, 3, 2, 0]);
        rooms.grow(1, 1);
        assert_eq!(rooms.emptiest_first().collect::<Vec<_>>(), [3, 2, 1, 0]);
        rooms.grow(3, 3);
        assert_eq!(rooms.emptiest_first().collect::<Vec<_>>(), [2, 1, 0, 3]);
        assert_eq!(rooms.sizes(), [2, 1, 1, 3]);
        assert_eq!(rooms.size(3), 3);
    }

    #[test]
    fn no_rooms_is_fine() {
        let rooms = RoomsBySize::new(vec![]);
        assert_eq!(rooms.emptiest_first().count(), 0);
    }
}

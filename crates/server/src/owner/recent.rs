//! Command ids recently applied, so a command retried after a reconnect is applied once. Bounded:
//! the oldest ids are forgotten first (retries come within seconds, not after thousands of commands).

use std::collections::{HashMap, VecDeque};

/// Keys are "participant:command id"; values are the session version the command reached.
pub(crate) struct RecentCommands {
    versions: HashMap<String, u64>,
    order: VecDeque<String>,
    capacity: usize,
}

impl RecentCommands {
    pub(crate) fn new(capacity: usize) -> Self {
        RecentCommands {
            versions: HashMap::new(),
            order: VecDeque::new(),
            capacity,
        }
    }

    /// The version a command with this key reached, if it was applied recently.
    pub(crate) fn get(&self, key: &str) -> Option<u64> {
        self.versions.get(key).copied()
    }

    /// Remember that the command `key` brought the session to `version`.
    pub(crate) fn insert(&mut self, key: String, version: u64) {
        if self.versions.insert(key.clone(), version).is_none() {
            self.order.push_back(key);
        }
        while self.order.len() > self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.versions.remove(&old);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RecentCommands;

    #[test]
    fn remembers_the_latest_ids_only() {
        let mut recent = RecentCommands::new(2);
        recent.insert("a".into(), 1);
        recent.insert("b".into(), 2);
        recent.insert("b".into(), 3);
        recent.insert("c".into(), 4);
        assert_eq!(recent.get("a"), None);
        assert_eq!(recent.get("b"), Some(3));
        assert_eq!(recent.get("c"), Some(4));
    }
}

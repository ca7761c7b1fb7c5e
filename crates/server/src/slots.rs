//! Which sessions are in memory. Each session has a slot with its own async lock, so loading one
//! session (a slow disk read) never holds up requests for any other: the map's lock is only held to
//! find, add or drop a slot, never across a load. A slot's lock orders everything that happens to its
//! session — loading it, its owner leaving memory when idle, deleting it for retention — so two
//! requests for the same stored session get one owner, and a session is never deleted while loaded.

use crate::error::HttpError;
use crate::owner::SessionHandle;
use breakout_core::SessionId;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

/// One session's place: its owner's handle while it is in memory.
type Slot = Arc<tokio::sync::Mutex<Option<SessionHandle>>>;

/// Asked by an idle owner: may it leave memory? True means yes, and from then on nobody can reach it
/// (its slot holds no handle any more and no other handle exists), so it must write nothing else.
pub(crate) type Retire = Box<dyn Fn() -> bool + Send + Sync>;

/// The slots of every session that is loaded, loading or being deleted.
#[derive(Default)]
pub(crate) struct Slots {
    map: Mutex<HashMap<SessionId, Slot>>,
}

impl Slots {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<SessionId, Slot>> {
        self.map
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The slot of `id`, added if there is none.
    fn slot(&self, id: &SessionId) -> Slot {
        self.map().entry(id.clone()).or_default().clone()
    }

    /// Drop `slot` from the map if it is empty and nobody else holds it.
    fn forget(&self, id: &SessionId, slot: Slot) {
        let mut map = self.map();
        // The map's reference and ours: nobody is waiting on it, and nobody can start to while the
        // map is locked.
        let alone = Arc::strong_count(&slot) == 2;
        let empty = slot.try_lock().is_ok_and(|handle| handle.is_none());
        if alone && empty && map.get(id).is_some_and(|s| Arc::ptr_eq(s, &slot)) {
            map.remove(id);
        }
    }

    /// The running owner of `id`, or the one `load` starts (None: no such session). Requests for
    /// the same session wait for one load; requests for other sessions do not wait at all.
    pub(crate) async fn get_or_load<F, Fut>(
        self: &Arc<Self>,
        id: &SessionId,
        load: F,
    ) -> Result<Option<SessionHandle>, HttpError>
    where
        F: FnOnce(Retire) -> Fut,
        Fut: Future<Output = Result<Option<SessionHandle>, HttpError>>,
    {
        let slot = self.slot(id);
        let mut current = slot.lock().await;
        // An owner that stopped (idle, or after a storage failure) has closed its mailbox.
        if let Some(handle) = current.as_ref().filter(|h| !h.tx.is_closed()) {
            return Ok(Some(handle.clone()));
        }
        let loaded = load(self.retire(id, &slot)).await;
        *current = loaded.as_ref().ok().cloned().flatten();
        if current.is_none() {
            drop(current);
            self.forget(id, slot);
        }
        loaded
    }

    /// Keep the owner `start` starts for a session just created.
    pub(crate) fn insert(
        self: &Arc<Self>,
        id: &SessionId,
        start: impl FnOnce(Retire) -> Result<SessionHandle, HttpError>,
    ) -> Result<SessionHandle, HttpError> {
        let slot = Slot::default();
        let handle = start(self.retire(id, &slot))?;
        *slot.try_lock().expect("a new slot is free") = Some(handle.clone());
        self.map().insert(id.clone(), slot);
        Ok(handle)
    }

    /// Run `work` on session `id` while it is not in memory and cannot be loaded; None (and `work`
    /// is not run) when it is loaded or loading.
    pub(crate) async fn while_unloaded<T>(
        &self,
        id: &SessionId,
        work: impl Future<Output = T>,
    ) -> Option<T> {
        let slot = {
            let mut map = self.map();
            if map.contains_key(id) {
                return None;
            }
            map.entry(id.clone()).or_default().clone()
        };
        let guard = slot.lock().await;
        let out = work.await;
        drop(guard);
        self.forget(id, slot);
        Some(out)
    }

    /// How the owner in `slot` asks to leave memory: only while nothing else holds its handle (no
    /// connection, no request in flight) and its mailbox is empty.
    fn retire(self: &Arc<Self>, id: &SessionId, slot: &Slot) -> Retire {
        let (slots, slot, id) = (Arc::downgrade(self), Arc::downgrade(slot), id.clone());
        Box::new(move || {
            let (Some(slots), Some(slot)) = (slots.upgrade(), slot.upgrade()) else {
                return true;
            };
            // Holding the slot's lock: nobody can take a copy of the handle from it meanwhile.
            let Ok(mut current) = slot.try_lock() else {
                return false;
            };
            let unused = current.as_ref().is_some_and(|handle| {
                handle.tx.strong_count() == 1 && handle.tx.capacity() == handle.tx.max_capacity()
            });
            if !unused {
                return false;
            }
            current.take();
            drop(current);
            slots.forget(&id, slot);
            true
        })
    }
}

//! The implementation of module `cache.lru`: a hash map from keys to slots of a vector
//! that holds a doubly linked list in recency order, so every operation is O(1).

use std::collections::HashMap;
use std::fmt;

const NIL: usize = usize::MAX; // no slot: the end of the list

struct Slot {
    key: String,
    value: String,
    newer: usize, // the next more recently used slot
    older: usize, // the next less recently used slot
}

/// Holds at most `capacity` entries. `get` and `put` count as uses of a key; `peek`,
/// `len` and `keys` do not. Its `Debug` output shows the capacity and the entries
/// from the most to the least recently used.
pub struct LruCache {
    capacity: usize,
    index: HashMap<String, usize>,
    slots: Vec<Slot>,
    /// Slots freed by `remove`, reused by `put`.
    free: Vec<usize>,
    newest: usize,
    oldest: usize,
}

impl LruCache {
    pub fn new(capacity: i64) -> Self {
        LruCache {
            // `requires capacity > 0`; a capacity beyond memory is as good as unbounded.
            capacity: usize::try_from(capacity).unwrap_or(usize::MAX).max(1),
            index: HashMap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            newest: NIL,
            oldest: NIL,
        }
    }

    pub fn get(&mut self, key: &str) -> Option<String> {
        let i = *self.index.get(key)?;
        self.touch(i);
        Some(self.slots[i].value.clone())
    }

    pub fn peek(&self, key: &str) -> Option<String> {
        self.index.get(key).map(|&i| self.slots[i].value.clone())
    }

    /// Inserts or replaces the value of `key`, making it the most recently used.
    /// Returns the key it evicted to make room, if any.
    pub fn put(&mut self, key: &str, value: &str) -> Option<String> {
        if let Some(&i) = self.index.get(key) {
            self.slots[i].value = value.to_string();
            self.touch(i);
            return None;
        }
        let evicted = (self.index.len() >= self.capacity).then(|| {
            let oldest = self.slots[self.oldest].key.clone();
            self.remove(&oldest);
            oldest
        });
        let slot = Slot {
            key: key.to_string(),
            value: value.to_string(),
            newer: NIL,
            older: NIL,
        };
        // A slot freed by `remove` is reused; otherwise a new one goes at the end.
        let i = self.free.pop().unwrap_or(self.slots.len());
        match self.slots.get_mut(i) {
            Some(free) => *free = slot,
            None => self.slots.push(slot),
        }
        self.index.insert(key.to_string(), i);
        self.push_newest(i);
        evicted
    }

    /// Removes `key`; returns its value.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        let i = self.index.remove(key)?;
        self.unlink(i);
        self.free.push(i);
        Some(std::mem::take(&mut self.slots[i].value))
    }

    pub fn len(&self) -> i64 {
        i64::try_from(self.index.len()).unwrap_or(i64::MAX)
    }

    /// The keys, most recently used first.
    pub fn keys(&self) -> Vec<String> {
        self.entries().map(|s| s.key.clone()).collect()
    }

    /// The entries from the most to the least recently used.
    fn entries(&self) -> impl Iterator<Item = &Slot> {
        let mut i = self.newest;
        std::iter::from_fn(move || {
            let slot = self.slots.get(i)?;
            i = slot.older;
            Some(slot)
        })
    }

    /// Makes slot `i` the most recently used.
    fn touch(&mut self, i: usize) {
        self.unlink(i);
        self.push_newest(i);
    }

    /// Takes slot `i` out of the recency list.
    fn unlink(&mut self, i: usize) {
        let (newer, older) = (self.slots[i].newer, self.slots[i].older);
        match self.slots.get_mut(newer) {
            Some(s) => s.older = older,
            None => self.newest = older,
        }
        match self.slots.get_mut(older) {
            Some(s) => s.newer = newer,
            None => self.oldest = newer,
        }
    }

    /// Puts slot `i` at the most recently used end.
    fn push_newest(&mut self, i: usize) {
        self.slots[i].newer = NIL;
        self.slots[i].older = self.newest;
        match self.slots.get_mut(self.newest) {
            Some(s) => s.newer = i,
            None => self.oldest = i,
        }
        self.newest = i;
    }
}

impl fmt::Debug for LruCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries: Vec<(&String, &String)> = self.entries().map(|s| (&s.key, &s.value)).collect();
        f.debug_struct("LruCache")
            .field("capacity", &self.capacity)
            .field("entries", &entries)
            .finish()
    }
}

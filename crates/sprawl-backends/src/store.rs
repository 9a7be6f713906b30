//! Where the orchestrator keeps answers, its call log and the money spent.

use sprawl_store::{CachedResult, CallRecord, StoreError, WorldFile};
use std::collections::HashMap;
use std::sync::Mutex;

/// Storage of the orchestrator's cache, call log and spending. Failures to
/// store are logged and otherwise ignored: the cache saves time and money,
/// it never decides an answer.
pub trait ResultStore: Send + Sync {
    /// The cached answer of request `key`.
    fn get(&self, key: &str) -> Option<CachedResult>;
    /// Stores an answer.
    fn put(&self, entry: CachedResult);
    /// Appends to the call log.
    fn record(&self, calls: &[CallRecord]);
    /// Money spent so far (over the world's life, for a world file).
    fn spent(&self) -> f64;
}

/// A store in memory, e.g. while `sprawl new` has no world file yet; its
/// contents can be saved into one afterwards with [`MemoryStore::save_into`].
#[derive(Debug, Default)]
pub struct MemoryStore {
    cache: Mutex<HashMap<String, CachedResult>>,
    calls: Mutex<Vec<CallRecord>>,
}

impl MemoryStore {
    /// Writes everything held into `world` (answers and call log).
    pub fn save_into(&self, world: &WorldFile) -> Result<(), StoreError> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let mut entries: Vec<&CachedResult> = cache.values().collect();
        entries.sort_by(|a, b| a.key.cmp(&b.key));
        for e in entries {
            world.backend_cache_put(e)?;
        }
        let calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        world.record_backend_calls(&calls)
    }

    /// The call log held.
    pub fn calls(&self) -> Vec<CallRecord> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl ResultStore for MemoryStore {
    fn get(&self, key: &str) -> Option<CachedResult> {
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
    }
    fn put(&self, entry: CachedResult) {
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(entry.key.clone(), entry);
    }
    fn record(&self, calls: &[CallRecord]) {
        self.calls
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(calls);
    }
    fn spent(&self) -> f64 {
        self.calls
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|c| c.cost)
            .sum()
    }
}

/// A store in a world file: answers survive reloads, and so does the money spent.
#[derive(Debug)]
pub struct WorldStore {
    world: Mutex<WorldFile>,
}

impl WorldStore {
    /// Keeps the cache in `world`.
    pub fn new(world: WorldFile) -> Self {
        Self {
            world: Mutex::new(world),
        }
    }

    /// Gives the world file back.
    pub fn into_inner(self) -> WorldFile {
        self.world.into_inner().unwrap_or_else(|p| p.into_inner())
    }

    fn with<R>(&self, f: impl FnOnce(&WorldFile) -> Result<R, StoreError>) -> Option<R> {
        let w = self.world.lock().unwrap_or_else(|p| p.into_inner());
        match f(&w) {
            Ok(r) => Some(r),
            Err(e) => {
                tracing::warn!(error = %e, "backend cache in the world file");
                None
            }
        }
    }
}

impl ResultStore for WorldStore {
    fn get(&self, key: &str) -> Option<CachedResult> {
        self.with(|w| w.backend_cache_get(key)).flatten()
    }
    fn put(&self, entry: CachedResult) {
        self.with(|w| w.backend_cache_put(&entry));
    }
    fn record(&self, calls: &[CallRecord]) {
        self.with(|w| w.record_backend_calls(calls));
    }
    fn spent(&self) -> f64 {
        self.with(WorldFile::backend_spent).unwrap_or(0.0)
    }
}

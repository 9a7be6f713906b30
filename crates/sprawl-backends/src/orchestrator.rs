//! The orchestrator: routes requests to backends and never makes the caller wait.
//!
//! [`Orchestrator::request`] returns a [`Pending`] at once. Its
//! [`immediate`](Pending::immediate) answer is the procedural one (or a
//! backend's answer from the cache); when the task's route has backends, a
//! task works down the route in the background and the better answer
//! arrives through [`Pending::better`] / [`Pending::try_better`]. On the way:
//!
//! - **cache**: a stable hash of the request keys the store; a hit is
//!   served at once and no backend is asked (a world file's cache survives
//!   reloads);
//! - **de-duplication**: an identical request already in flight is joined,
//!   not repeated;
//! - **circuit breaker** per backend: skipped while open;
//! - **budget**: a call that would overspend the world's budget is skipped;
//! - **concurrency**: at most `concurrency` calls per backend at once;
//! - **deadline** per attempt (`timeout_s`), covering the whole answer;
//! - **retries** of retryable failures with exponential backoff and full
//!   jitter, never sooner than a server's `Retry-After` (a longer
//!   `Retry-After` than `max_retry_after_s` moves on instead);
//! - **validation** of every answer by its task before use;
//! - **fallback** down the route; when every backend fails, the procedural
//!   answer stands and the failures are reported;
//! - **provenance** (backend, model, version, request hash) on every answer,
//!   and **metrics** and a call log for every attempt.

use crate::backend::Backend;
use crate::breaker::{Breaker, BreakerState};
use crate::config::{BackendConfig, Config, PROCEDURAL};
use crate::error::BackendError;
use crate::metrics::{BackendStats, CallOutcome, Metrics, RequestStats};
use crate::retry::{Jitter, RetryPolicy};
use crate::store::ResultStore;
use crate::task::{Failure, Outcome, Source, Task, TaskKind, request_key};
use sprawl_store::{CachedResult, CallRecord};
use sprawl_world::Provenance;
use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, watch};

type Shared = Arc<dyn Any + Send + Sync>;

/// Every backend of a route failed or was skipped; the procedural answer stands.
#[derive(Debug, Clone, PartialEq, serde::Serialize, thiserror::Error)]
#[error("no backend answered ({}); the procedural answer stands", summary(.failures))]
pub struct RouteError {
    /// What happened at each backend, in route order.
    pub failures: Vec<Failure>,
}

fn summary(failures: &[Failure]) -> String {
    if failures.is_empty() {
        return "the background task ended unexpectedly".into();
    }
    failures
        .iter()
        .map(|f| f.message.clone())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The answer to a request: the immediate one now, maybe a better one later.
pub struct Pending<T> {
    immediate: Outcome<T>,
    rx: Option<watch::Receiver<Option<Shared>>>,
}

impl<T: std::fmt::Debug> std::fmt::Debug for Pending<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("immediate", &self.immediate)
            .field("pending", &self.rx.is_some())
            .finish()
    }
}

impl<T: Clone + Send + Sync + 'static> Pending<T> {
    fn ready(immediate: Outcome<T>) -> Self {
        Self {
            immediate,
            rx: None,
        }
    }

    /// The answer available now: procedural, or a cached backend answer.
    pub fn immediate(&self) -> &Outcome<T> {
        &self.immediate
    }

    /// Whether a better answer may still come.
    pub fn is_pending(&self) -> bool {
        self.rx.is_some()
    }

    fn decode(shared: Option<Shared>) -> Result<Outcome<T>, RouteError> {
        let lost = || RouteError {
            failures: Vec::new(),
        };
        let shared = shared.ok_or_else(lost)?;
        shared
            .downcast_ref::<Result<Outcome<T>, RouteError>>()
            .cloned()
            .unwrap_or_else(|| Err(lost()))
    }

    /// The better answer if it has arrived, without waiting. `None` while
    /// it is still coming or when none is pending; after it returns `Some`
    /// once, nothing is pending any more.
    pub fn try_better(&mut self) -> Option<Result<Outcome<T>, RouteError>> {
        let rx = self.rx.as_mut()?;
        let value = rx.borrow().clone();
        match value {
            Some(v) => {
                self.rx = None;
                Some(Self::decode(Some(v)))
            }
            None if rx.has_changed().is_err() => {
                self.rx = None;
                Some(Self::decode(None))
            }
            None => None,
        }
    }

    /// Waits for the better answer. `None` when none is pending.
    pub async fn better(&mut self) -> Option<Result<Outcome<T>, RouteError>> {
        let mut rx = self.rx.take()?;
        let result = rx.wait_for(Option::is_some).await.map(|v| v.clone());
        Some(Self::decode(result.ok().flatten()))
    }

    /// Waits for the route to finish and returns the best answer: the
    /// backend's, or the immediate one with the route's failures attached.
    pub async fn settle(mut self) -> Outcome<T> {
        match self.better().await {
            Some(Ok(better)) => better,
            Some(Err(e)) => {
                let mut o = self.immediate;
                o.failures = e.failures;
                o
            }
            None => self.immediate,
        }
    }
}

/// One backend as the orchestrator runs it.
struct Slot {
    name: String,
    backend: Result<Arc<dyn Backend>, String>,
    cfg: BackendConfig,
    semaphore: Semaphore,
    breaker: Breaker,
    policy: RetryPolicy,
}

struct Inner {
    routes: BTreeMap<TaskKind, Vec<Arc<Slot>>>,
    slots: BTreeMap<String, Arc<Slot>>,
    store: Arc<dyn ResultStore>,
    budget: Option<f64>,
    spent: Mutex<f64>,
    inflight: Mutex<HashMap<String, watch::Receiver<Option<Shared>>>>,
    metrics: Metrics,
    handle: tokio::runtime::Handle,
    jitter: Mutex<Jitter>,
}

/// Status of one configured backend, for displays.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BackendStatus {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// Model, if any.
    pub model: Option<String>,
    /// Why it cannot be used in this run, if it cannot.
    pub unavailable: Option<String>,
    /// Breaker state: `closed`, `open` or `half_open`.
    pub breaker: &'static str,
}

/// Routes requests to backends. Cheap to clone (shared state).
#[derive(Clone)]
pub struct Orchestrator {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Orchestrator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Orchestrator")
            .field("backends", &self.inner.slots.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl Orchestrator {
    /// Builds every configured backend and the routes. A backend that
    /// cannot be built (its key variable is unset, say) is kept as
    /// unavailable and skipped, with the reason in [`statuses`](Self::statuses).
    /// Background work runs on `handle`.
    pub fn new(
        config: &Config,
        store: Arc<dyn ResultStore>,
        handle: tokio::runtime::Handle,
    ) -> Self {
        Self::with_env(config, store, handle, &crate::config::process_env)
    }

    /// Like [`new`](Self::new), with keys looked up by `lookup` instead of
    /// in the process environment (tests, embedding applications).
    pub fn with_env(
        config: &Config,
        store: Arc<dyn ResultStore>,
        handle: tokio::runtime::Handle,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Self {
        let mut slots = BTreeMap::new();
        for (name, cfg) in &config.backends {
            let backend = cfg
                .api_key_with(lookup)
                .and_then(|key| crate::registry::build(name, cfg, key));
            if let Err(why) = &backend {
                tracing::warn!(backend = %name, reason = %why, "backend unavailable");
            }
            slots.insert(
                name.clone(),
                Arc::new(Slot {
                    name: name.clone(),
                    backend,
                    semaphore: Semaphore::new(cfg.concurrency() as usize),
                    breaker: Breaker::new(cfg.breaker_failures(), cfg.breaker_cooldown()),
                    policy: RetryPolicy {
                        retries: cfg.retries(),
                        base: cfg.backoff(),
                        max: cfg.max_backoff(),
                        max_retry_after: cfg.max_retry_after(),
                    },
                    cfg: cfg.clone(),
                }),
            );
        }
        let mut routes = BTreeMap::new();
        for task in TaskKind::ALL {
            let route: Vec<Arc<Slot>> = config
                .route(task)
                .iter()
                .filter(|n| n.as_str() != PROCEDURAL)
                .filter_map(|n| slots.get(n).cloned())
                .collect();
            routes.insert(task, route);
        }
        let spent = store.spent();
        Self {
            inner: Arc::new(Inner {
                routes,
                slots,
                budget: config.budget.max_cost,
                spent: Mutex::new(spent),
                store,
                inflight: Mutex::new(HashMap::new()),
                metrics: Metrics::default(),
                handle,
                jitter: Mutex::new(Jitter::new(0x5350_5257)),
            }),
        }
    }

    /// Asks for `input`: the immediate answer at once, and the route's
    /// answer later. Fails only when the input itself is unusable (the
    /// embedded interpreter refuses it).
    pub fn request<T: Task>(&self, input: T::Input) -> Result<Pending<T::Output>, BackendError> {
        let inner = &self.inner;
        let key = request_key::<T>(&input)?;
        let immediate = T::procedural(&input, &key)?;
        inner.metrics.requests(|r| r.requests += 1);
        if let Some(hit) = inner.cached::<T>(&input, &key) {
            inner.metrics.requests(|r| r.cache_hits += 1);
            return Ok(Pending::ready(hit));
        }
        let route = inner.routes.get(&T::KIND).cloned().unwrap_or_default();
        if route.is_empty() {
            return Ok(Pending::ready(immediate));
        }
        let mut inflight = inner.inflight.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(rx) = inflight.get(&key) {
            inner.metrics.requests(|r| r.deduplicated += 1);
            return Ok(Pending {
                immediate,
                rx: Some(rx.clone()),
            });
        }
        let (tx, rx) = watch::channel(None);
        inflight.insert(key.clone(), rx.clone());
        drop(inflight);
        let task_inner = Arc::clone(inner);
        let baseline = immediate.value.clone();
        inner.handle.spawn(async move {
            let result = task_inner
                .run_route::<T>(&route, &input, &key, &baseline)
                .await;
            task_inner
                .inflight
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&key);
            let _ = tx.send(Some(Arc::new(result) as Shared));
        });
        Ok(Pending {
            immediate,
            rx: Some(rx),
        })
    }

    /// Figures per backend for this run.
    pub fn backend_stats(&self) -> Vec<BackendStats> {
        self.inner.metrics.snapshot()
    }

    /// Request counters for this run.
    pub fn request_stats(&self) -> RequestStats {
        self.inner.metrics.request_stats()
    }

    /// Prometheus text of this run's metrics.
    pub fn prometheus(&self) -> String {
        let mut text = self.inner.metrics.prometheus();
        let spent = *self.inner.spent.lock().unwrap_or_else(|p| p.into_inner());
        text.push_str(&format!(
            "# HELP sprawl_budget_spent Money spent on backends (world's life).\n\
             # TYPE sprawl_budget_spent gauge\nsprawl_budget_spent {spent}\n"
        ));
        if let Some(b) = self.inner.budget {
            text.push_str(&format!(
                "# HELP sprawl_budget_max The world's budget.\n\
                 # TYPE sprawl_budget_max gauge\nsprawl_budget_max {b}\n"
            ));
        }
        text
    }

    /// Money spent (world's life when the store is a world file) and the budget.
    pub fn spending(&self) -> (f64, Option<f64>) {
        (
            *self.inner.spent.lock().unwrap_or_else(|p| p.into_inner()),
            self.inner.budget,
        )
    }

    /// Every configured backend with its availability and breaker state.
    pub fn statuses(&self) -> Vec<BackendStatus> {
        self.inner
            .slots
            .values()
            .map(|s| BackendStatus {
                name: s.name.clone(),
                kind: s.cfg.kind.clone(),
                model: s.cfg.model.clone(),
                unavailable: s.backend.as_ref().err().cloned(),
                breaker: match s.breaker.state() {
                    BreakerState::Closed => "closed",
                    BreakerState::Open => "open",
                    BreakerState::HalfOpen => "half_open",
                },
            })
            .collect()
    }

    /// The runtime its background work runs on.
    pub fn handle(&self) -> &tokio::runtime::Handle {
        &self.inner.handle
    }

    /// Names of the backends on `task`'s route (procedural left out).
    pub fn route(&self, task: TaskKind) -> Vec<String> {
        self.inner
            .routes
            .get(&task)
            .map(|r| r.iter().map(|s| s.name.clone()).collect())
            .unwrap_or_default()
    }
}

impl Inner {
    fn cached<T: Task>(&self, input: &T::Input, key: &str) -> Option<Outcome<T::Output>> {
        let hit = self.store.get(key)?;
        let value = match serde_json::from_str::<T::Output>(&hit.value) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(key, error = %e, "ignoring a cached answer that does not decode");
                return None;
            }
        };
        if let Err(e) = T::check(input, &value) {
            tracing::warn!(key, error = %e, "ignoring a cached answer that fails its checks");
            return None;
        }
        Some(Outcome {
            value,
            provenance: hit.provenance,
            source: Source::Cache,
            failures: Vec::new(),
        })
    }

    fn log(
        &self,
        slot: &Slot,
        task: TaskKind,
        outcome: CallOutcome,
        latency: Duration,
        cost: f64,
        error: Option<&BackendError>,
    ) {
        let ms = latency.as_secs_f64() * 1000.0;
        self.metrics.record(&slot.name, outcome, ms, cost);
        self.store.record(&[CallRecord {
            at_ms: now_ms(),
            task: task.name().to_owned(),
            backend: slot.name.clone(),
            model: slot.cfg.model.clone(),
            outcome: outcome.name().to_owned(),
            latency_ms: ms,
            cost,
            detail: error.map(ToString::to_string),
        }]);
    }

    fn reserve(&self, cost: f64) -> Result<(), (f64, f64)> {
        let mut spent = self.spent.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(budget) = self.budget
            && cost > 0.0
            && *spent + cost > budget + 1e-12
        {
            return Err((*spent, budget));
        }
        *spent += cost;
        Ok(())
    }

    async fn run_route<T: Task>(
        &self,
        route: &[Arc<Slot>],
        input: &T::Input,
        key: &str,
        baseline: &T::Output,
    ) -> Result<Outcome<T::Output>, RouteError> {
        let mut failures = Vec::new();
        for slot in route {
            match self.try_slot::<T>(slot, input, key, baseline).await {
                Ok(mut outcome) => {
                    outcome.failures = failures;
                    match serde_json::to_string(&outcome.value) {
                        Ok(value) => self.store.put(CachedResult {
                            key: key.to_owned(),
                            task: T::KIND.name().to_owned(),
                            provenance: outcome.provenance.clone(),
                            at_ms: now_ms(),
                            value,
                        }),
                        Err(e) => tracing::warn!(error = %e, "cannot cache an answer"),
                    }
                    self.metrics.requests(|r| r.upgraded += 1);
                    tracing::info!(task = T::KIND.name(), backend = %slot.name, "backend answered");
                    return Ok(outcome);
                }
                Err(e) => {
                    tracing::warn!(task = T::KIND.name(), backend = %slot.name, error = %e, "falling back");
                    failures.push(Failure::new(&slot.name, &e));
                }
            }
        }
        self.metrics.requests(|r| r.procedural_fallbacks += 1);
        Err(RouteError { failures })
    }

    async fn try_slot<T: Task>(
        &self,
        slot: &Slot,
        input: &T::Input,
        key: &str,
        baseline: &T::Output,
    ) -> Result<Outcome<T::Output>, BackendError> {
        let task = T::KIND;
        let skip = |e: BackendError| {
            self.log(
                slot,
                task,
                CallOutcome::Skipped,
                Duration::ZERO,
                0.0,
                Some(&e),
            );
            Err(e)
        };
        let backend = match &slot.backend {
            Ok(b) => Arc::clone(b),
            Err(reason) => {
                return skip(BackendError::Unavailable {
                    backend: slot.name.clone(),
                    reason: reason.clone(),
                });
            }
        };
        let mut retry = 0;
        loop {
            if let Err(failures) = slot.breaker.allow() {
                return skip(BackendError::CircuitOpen {
                    backend: slot.name.clone(),
                    failures,
                });
            }
            let cost = slot.cfg.cost_per_call();
            if let Err((spent, budget)) = self.reserve(cost) {
                slot.breaker.release();
                return skip(BackendError::Budget {
                    backend: slot.name.clone(),
                    cost,
                    spent,
                    budget,
                });
            }
            let permit = slot.semaphore.acquire().await;
            let start = Instant::now();
            let deadline = slot.cfg.timeout();
            let result = match T::call(backend.as_ref(), input, baseline) {
                None => Err(BackendError::Unsupported {
                    backend: slot.name.clone(),
                    task: task.name(),
                }),
                Some(fut) => match tokio::time::timeout(deadline, fut).await {
                    Ok(r) => r,
                    Err(_) => Err(BackendError::Timeout {
                        backend: slot.name.clone(),
                        after: deadline,
                    }),
                },
            };
            drop(permit);
            let latency = start.elapsed();
            let result = result.and_then(|v| match T::check(input, &v) {
                Ok(()) => Ok(v),
                Err(message) => Err(BackendError::Invalid {
                    backend: slot.name.clone(),
                    message,
                }),
            });
            match result {
                Ok(mut value) => {
                    slot.breaker.success();
                    self.log(slot, task, CallOutcome::Ok, latency, cost, None);
                    let provenance = Provenance {
                        generator: format!("{}:{}", backend.kind(), slot.name),
                        version: backend.version().to_owned(),
                        model: backend.model().map(str::to_owned),
                        inputs_hash: key.to_owned(),
                    };
                    T::stamp(&mut value, &provenance);
                    return Ok(Outcome {
                        value,
                        provenance,
                        source: Source::Backend {
                            name: slot.name.clone(),
                        },
                        failures: Vec::new(),
                    });
                }
                Err(e) => {
                    self.log(slot, task, CallOutcome::Failed, latency, cost, Some(&e));
                    if e.counts_as_failure() {
                        slot.breaker.failure();
                    } else {
                        slot.breaker.release();
                    }
                    tracing::warn!(backend = %slot.name, attempt = retry + 1, error = %e, "attempt failed");
                    if e.is_retryable() && retry < slot.policy.retries {
                        let unit = self.jitter.lock().unwrap_or_else(|p| p.into_inner()).unit();
                        if let Some(wait) = slot.policy.delay(retry, e.retry_after(), unit) {
                            tokio::time::sleep(wait).await;
                            retry += 1;
                            continue;
                        }
                    }
                    self.log(
                        slot,
                        task,
                        CallOutcome::Fallback,
                        Duration::ZERO,
                        0.0,
                        Some(&e),
                    );
                    return Err(e);
                }
            }
        }
    }
}

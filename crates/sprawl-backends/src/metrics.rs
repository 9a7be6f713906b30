//! Per-backend metrics: calls, failures, fallbacks, latency percentiles, cost.
//!
//! The orchestrator counts every attempt here and also appends it to the
//! world file's call log ([`CallRecord`]), so the same figures can be
//! computed for the current run ([`Metrics::snapshot`]) or for a world's
//! whole life ([`stats_from_records`]).

use sprawl_store::CallRecord;
use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write;
use std::sync::Mutex;

/// Latency samples kept per backend for percentiles.
const WINDOW: usize = 4096;

/// What happened to one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallOutcome {
    /// A usable answer.
    Ok,
    /// The attempt failed (it may be retried).
    Failed,
    /// The route gave up on this backend and moved on (or gave up).
    Fallback,
    /// Not attempted (circuit open, budget, unavailable).
    Skipped,
}

impl CallOutcome {
    /// The name stored in the call log.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Failed => "failed",
            Self::Fallback => "fallback",
            Self::Skipped => "skipped",
        }
    }
}

/// Figures of one backend.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct BackendStats {
    /// Backend name.
    pub backend: String,
    /// Attempts made (ok + failed).
    pub calls: u64,
    /// Attempts that gave a usable answer.
    pub ok: u64,
    /// Attempts that failed.
    pub failures: u64,
    /// Times the route moved past this backend after it failed.
    pub fallbacks: u64,
    /// Times it was skipped without a call (breaker, budget, no key).
    pub skipped: u64,
    /// Median latency of attempts (milliseconds).
    pub p50_ms: Option<f64>,
    /// 99th-percentile latency of attempts (milliseconds).
    pub p99_ms: Option<f64>,
    /// Money charged.
    pub cost: f64,
}

#[derive(Debug, Default)]
struct Acc {
    stats: BackendStats,
    latencies: VecDeque<f64>,
}

impl Acc {
    fn add(&mut self, outcome: &str, latency_ms: f64, cost: f64) {
        match outcome {
            "ok" => {
                self.stats.calls += 1;
                self.stats.ok += 1;
            }
            "failed" => {
                self.stats.calls += 1;
                self.stats.failures += 1;
            }
            "fallback" => self.stats.fallbacks += 1,
            _ => self.stats.skipped += 1,
        }
        if matches!(outcome, "ok" | "failed") && latency_ms.is_finite() {
            if self.latencies.len() == WINDOW {
                self.latencies.pop_front();
            }
            self.latencies.push_back(latency_ms);
        }
        self.stats.cost += cost;
    }

    fn finish(&self) -> BackendStats {
        let mut s = self.stats.clone();
        let mut v: Vec<f64> = self.latencies.iter().copied().collect();
        v.sort_by(f64::total_cmp);
        s.p50_ms = percentile(&v, 0.50);
        s.p99_ms = percentile(&v, 0.99);
        s
    }
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// Counters of requests as a whole (not per backend).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RequestStats {
    /// Requests made to the orchestrator.
    pub requests: u64,
    /// Answered from the cache.
    pub cache_hits: u64,
    /// Joined an identical request already in flight.
    pub deduplicated: u64,
    /// Ended with a backend's answer.
    pub upgraded: u64,
    /// Ended with the procedural answer after every backend failed or was skipped.
    pub procedural_fallbacks: u64,
}

/// Live metrics of one orchestrator.
#[derive(Debug, Default)]
pub struct Metrics {
    backends: Mutex<BTreeMap<String, Acc>>,
    requests: Mutex<RequestStats>,
}

impl Metrics {
    /// Counts one event of `backend`.
    pub fn record(&self, backend: &str, outcome: CallOutcome, latency_ms: f64, cost: f64) {
        let mut m = self.backends.lock().unwrap_or_else(|p| p.into_inner());
        m.entry(backend.to_owned())
            .or_insert_with(|| Acc {
                stats: BackendStats {
                    backend: backend.to_owned(),
                    ..BackendStats::default()
                },
                latencies: VecDeque::new(),
            })
            .add(outcome.name(), latency_ms, cost);
    }

    /// Updates the request counters.
    pub fn requests(&self, f: impl FnOnce(&mut RequestStats)) {
        f(&mut self.requests.lock().unwrap_or_else(|p| p.into_inner()));
    }

    /// Figures per backend, sorted by name.
    pub fn snapshot(&self) -> Vec<BackendStats> {
        let m = self.backends.lock().unwrap_or_else(|p| p.into_inner());
        m.values().map(Acc::finish).collect()
    }

    /// Request counters.
    pub fn request_stats(&self) -> RequestStats {
        *self.requests.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Prometheus text exposition (version 0.0.4) of everything.
    pub fn prometheus(&self) -> String {
        prometheus_text(&self.snapshot(), &self.request_stats())
    }
}

/// Figures per backend from a call log (e.g. a world file's, over all runs).
pub fn stats_from_records(records: &[CallRecord]) -> Vec<BackendStats> {
    let mut m: BTreeMap<&str, Acc> = BTreeMap::new();
    for r in records {
        m.entry(&r.backend)
            .or_insert_with(|| Acc {
                stats: BackendStats {
                    backend: r.backend.clone(),
                    ..BackendStats::default()
                },
                latencies: VecDeque::new(),
            })
            .add(&r.outcome, r.latency_ms, r.cost);
    }
    m.values().map(Acc::finish).collect()
}

fn label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Prometheus text for backend and request figures.
pub fn prometheus_text(backends: &[BackendStats], requests: &RequestStats) -> String {
    let mut out = String::new();
    type Counter = (&'static str, &'static str, fn(&BackendStats) -> f64);
    let counters: [Counter; 6] = [
        (
            "sprawl_backend_calls_total",
            "Attempts made to a backend.",
            |s| s.calls as f64,
        ),
        (
            "sprawl_backend_failures_total",
            "Attempts that failed.",
            |s| s.failures as f64,
        ),
        (
            "sprawl_backend_fallbacks_total",
            "Times a route moved past the backend.",
            |s| s.fallbacks as f64,
        ),
        (
            "sprawl_backend_skipped_total",
            "Times the backend was skipped without a call.",
            |s| s.skipped as f64,
        ),
        (
            "sprawl_backend_cost_total",
            "Money charged by the backend.",
            |s| s.cost,
        ),
        (
            "sprawl_backend_ok_total",
            "Attempts that gave a usable answer.",
            |s| s.ok as f64,
        ),
    ];
    for (name, help, get) in counters {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
        for s in backends {
            let _ = writeln!(
                out,
                "{name}{{backend=\"{}\"}} {}",
                label(&s.backend),
                get(s)
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP sprawl_backend_latency_ms Attempt latency percentiles (milliseconds).\n\
         # TYPE sprawl_backend_latency_ms gauge"
    );
    for s in backends {
        for (q, v) in [("0.5", s.p50_ms), ("0.99", s.p99_ms)] {
            if let Some(v) = v {
                let _ = writeln!(
                    out,
                    "sprawl_backend_latency_ms{{backend=\"{}\",quantile=\"{q}\"}} {v}",
                    label(&s.backend)
                );
            }
        }
    }
    for (name, help, v) in [
        (
            "sprawl_requests_total",
            "Requests to the orchestrator.",
            requests.requests,
        ),
        (
            "sprawl_cache_hits_total",
            "Requests answered from the cache.",
            requests.cache_hits,
        ),
        (
            "sprawl_deduplicated_total",
            "Requests that joined one in flight.",
            requests.deduplicated,
        ),
        (
            "sprawl_upgraded_total",
            "Requests answered by a backend.",
            requests.upgraded,
        ),
        (
            "sprawl_procedural_fallbacks_total",
            "Requests left with the procedural answer after every backend failed.",
            requests.procedural_fallbacks,
        ),
    ] {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}"
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_text() {
        let m = Metrics::default();
        for i in 1..=100 {
            m.record("llm", CallOutcome::Ok, f64::from(i), 0.01);
        }
        m.record("llm", CallOutcome::Failed, 1000.0, 0.01);
        m.record("llm", CallOutcome::Fallback, 0.0, 0.0);
        let s = &m.snapshot()[0];
        assert_eq!((s.calls, s.ok, s.failures, s.fallbacks), (101, 100, 1, 1));
        assert_eq!(s.p50_ms, Some(51.0));
        assert_eq!(s.p99_ms, Some(100.0));
        assert!((s.cost - 1.01).abs() < 1e-9);
        let text = m.prometheus();
        assert!(
            text.contains("sprawl_backend_calls_total{backend=\"llm\"} 101"),
            "{text}"
        );
        assert!(text.contains("quantile=\"0.99\"} 100"), "{text}");
    }
}

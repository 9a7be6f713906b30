//! A circuit breaker per backend: after a run of failures the backend is
//! skipped for a cool-down, then one trial call decides whether it is back.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// State of a breaker, for status displays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls go through.
    Closed,
    /// Calls are skipped until the cool-down ends.
    Open,
    /// The cool-down ended; one trial call is allowed.
    HalfOpen,
}

#[derive(Debug)]
struct Inner {
    failures: u32,
    open_until: Option<Instant>,
    trial_in_flight: bool,
}

/// A circuit breaker. See the [module documentation](self).
#[derive(Debug)]
pub struct Breaker {
    threshold: u32,
    cooldown: Duration,
    inner: Mutex<Inner>,
}

impl Breaker {
    /// Opens after `threshold` failures in a row, for `cooldown`.
    pub fn new(threshold: u32, cooldown: Duration) -> Self {
        Self {
            threshold: threshold.max(1),
            cooldown,
            inner: Mutex::new(Inner {
                failures: 0,
                open_until: None,
                trial_in_flight: false,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a call may go through now (`Err` with the failure count when
    /// open). In the half-open state only one caller gets `Ok`.
    pub fn allow(&self) -> Result<(), u32> {
        let mut s = self.lock();
        match s.open_until {
            None => Ok(()),
            Some(t) if Instant::now() < t => Err(s.failures),
            Some(_) if s.trial_in_flight => Err(s.failures),
            Some(_) => {
                s.trial_in_flight = true;
                Ok(())
            }
        }
    }

    /// Records a success: closes the breaker.
    pub fn success(&self) {
        let mut s = self.lock();
        s.failures = 0;
        s.open_until = None;
        s.trial_in_flight = false;
    }

    /// Records a failure: opens the breaker at the threshold, and again
    /// after a failed trial.
    pub fn failure(&self) {
        let mut s = self.lock();
        s.failures = s.failures.saturating_add(1);
        if s.failures >= self.threshold || s.trial_in_flight {
            s.open_until = Some(Instant::now() + self.cooldown);
        }
        s.trial_in_flight = false;
    }

    /// Releases a half-open trial that ended without a verdict (e.g. the
    /// call was skipped for budget).
    pub fn release(&self) {
        self.lock().trial_in_flight = false;
    }

    /// The state now.
    pub fn state(&self) -> BreakerState {
        let s = self.lock();
        match s.open_until {
            None => BreakerState::Closed,
            Some(t) if Instant::now() < t => BreakerState::Open,
            Some(_) => BreakerState::HalfOpen,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_cools_down_and_closes() {
        let b = Breaker::new(2, Duration::from_millis(30));
        assert!(b.allow().is_ok());
        b.failure();
        assert!(b.allow().is_ok());
        b.failure();
        assert_eq!(b.state(), BreakerState::Open);
        assert_eq!(b.allow(), Err(2));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(b.state(), BreakerState::HalfOpen);
        assert!(b.allow().is_ok());
        assert!(b.allow().is_err(), "only one trial at a time");
        b.failure();
        assert_eq!(b.state(), BreakerState::Open);
        std::thread::sleep(Duration::from_millis(40));
        assert!(b.allow().is_ok());
        b.success();
        assert_eq!(b.state(), BreakerState::Closed);
        assert!(b.allow().is_ok());
    }
}

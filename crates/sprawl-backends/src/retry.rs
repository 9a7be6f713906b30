//! Retries with exponential backoff and full jitter, honouring `Retry-After`.

use std::time::Duration;

/// When to try a backend again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts after the first.
    pub retries: u32,
    /// First delay; doubled each retry.
    pub base: Duration,
    /// Longest delay.
    pub max: Duration,
    /// A server's `Retry-After` longer than this is not waited for: the
    /// route moves on to the next backend instead.
    pub max_retry_after: Duration,
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0 for the first retry), or
    /// `None` when the server asked for a longer wait than
    /// [`max_retry_after`](Self::max_retry_after). `unit` is a random
    /// number in `[0, 1)`: the delay is drawn uniformly from zero to the
    /// exponential cap ("full jitter"), so that many clients that failed
    /// together do not retry together; a server's `Retry-After` is a floor.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>, unit: f64) -> Option<Duration> {
        if let Some(ra) = retry_after
            && ra > self.max_retry_after
        {
            return None;
        }
        let cap = self
            .base
            .checked_mul(1u32 << retry.min(20))
            .unwrap_or(self.max)
            .min(self.max);
        let jittered = cap.mul_f64(unit.clamp(0.0, 1.0));
        Some(retry_after.map_or(jittered, |ra| ra.max(jittered)))
    }
}

/// A small, fast, non-cryptographic random source for jitter (SplitMix64),
/// seeded from the clock and a counter so that processes differ.
#[derive(Debug)]
pub struct Jitter(u64);

impl Jitter {
    /// A generator seeded from the clock, the process id and `salt`.
    pub fn new(salt: u64) -> Self {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        Self(t ^ u64::from(std::process::id()).rotate_left(32) ^ salt)
    }

    /// A number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let z = sprawl_world::hash::mix64(self.0);
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_capped_jittered_and_floored_by_retry_after() {
        let p = RetryPolicy {
            retries: 5,
            base: Duration::from_millis(100),
            max: Duration::from_millis(1000),
            max_retry_after: Duration::from_secs(5),
        };
        assert_eq!(p.delay(0, None, 0.999_999).map(|d| d.as_millis()), Some(99));
        assert_eq!(p.delay(2, None, 0.5), Some(Duration::from_millis(200)));
        assert_eq!(p.delay(10, None, 0.5), Some(Duration::from_millis(500)));
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(2)), 0.5),
            Some(Duration::from_secs(2))
        );
        assert_eq!(p.delay(0, Some(Duration::from_secs(6)), 0.5), None);
        let mut j = Jitter::new(1);
        for _ in 0..1000 {
            let u = j.unit();
            assert!((0.0..1.0).contains(&u));
        }
    }
}

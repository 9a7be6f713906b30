//! Frame-time figures: the last few seconds of frames, as percentiles.

use bevy::prelude::*;
use std::collections::VecDeque;

/// Frame times of the most recent frames (wall clock).
#[derive(Resource, Debug, Clone)]
pub struct FrameStats {
    window: VecDeque<f32>,
    capacity: usize,
    /// Frames since start.
    pub frames: u64,
}

impl Default for FrameStats {
    fn default() -> Self {
        Self::with_capacity(240)
    }
}

/// Percentiles of a set of frame times (milliseconds).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Percentiles {
    /// Frames counted.
    pub frames: usize,
    /// Median.
    pub p50: f32,
    /// 99th percentile.
    pub p99: f32,
    /// Longest.
    pub max: f32,
    /// Mean.
    pub mean: f32,
}

/// Percentiles of `ms` (nearest-rank).
pub fn percentiles(ms: &[f32]) -> Percentiles {
    if ms.is_empty() {
        return Percentiles::default();
    }
    let mut v = ms.to_vec();
    v.sort_by(f32::total_cmp);
    let rank = |q: f32| v[((q * v.len() as f32).ceil() as usize).clamp(1, v.len()) - 1];
    Percentiles {
        frames: v.len(),
        p50: rank(0.5),
        p99: rank(0.99),
        max: v[v.len() - 1],
        mean: v.iter().sum::<f32>() / v.len() as f32,
    }
}

impl FrameStats {
    /// Keeps the last `capacity` frames.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            window: VecDeque::with_capacity(capacity),
            capacity: capacity.max(1),
            frames: 0,
        }
    }

    /// Records one frame.
    pub fn push(&mut self, ms: f32) {
        if self.window.len() == self.capacity {
            self.window.pop_front();
        }
        self.window.push_back(ms);
        self.frames += 1;
    }

    /// Percentiles over the window.
    pub fn percentiles(&self) -> Percentiles {
        let v: Vec<f32> = self.window.iter().copied().collect();
        percentiles(&v)
    }
}

/// Records frame times.
#[derive(Default)]
pub struct FrameStatsPlugin;

impl Plugin for FrameStatsPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<FrameStats>().add_systems(First, record);
    }
}

fn record(time: Res<Time<Real>>, mut stats: ResMut<FrameStats>) {
    let dt = time.delta_secs();
    if dt > 0.0 {
        stats.push(dt * 1000.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let ms: Vec<f32> = (1..=100).map(|i| i as f32).collect();
        let p = percentiles(&ms);
        assert_eq!((p.p50, p.p99, p.max, p.frames), (50.0, 99.0, 100.0, 100));
        assert_eq!(percentiles(&[]).frames, 0);
        let mut s = FrameStats::with_capacity(3);
        for v in [9.0, 1.0, 2.0, 3.0] {
            s.push(v);
        }
        assert_eq!(s.percentiles().max, 3.0);
        assert_eq!(s.frames, 4);
    }
}

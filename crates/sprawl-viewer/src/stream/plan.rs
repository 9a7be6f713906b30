//! Streaming decisions: which chunks the camera needs, at which level of
//! detail, in which order, and which to drop. Pure functions of the camera
//! and what is loaded, so they are tested without a window or threads.

use crate::mesher::Lod;
use bevy::math::{Vec2, Vec3};
use sprawl_world::ChunkCoord;
use std::collections::HashMap;

/// How far the city is drawn and how fast it streams. Defaults are tuned for
/// a software rasteriser on two cores; a GPU can afford larger radii.
#[derive(Debug, Clone, PartialEq, bevy::prelude::Resource)]
pub struct StreamConfig {
    /// Farthest distance (metres) drawn at each [`Lod`], finest first. The
    /// last one is the horizon: beyond it the fog is complete.
    pub lod_radius: [f32; 3],
    /// Chunks this much beyond the horizon are generated ahead of need.
    pub prefetch: f32,
    /// A chunk is dropped once it is this much beyond the horizon (so that
    /// turning around does not reload it at once).
    pub drop_margin: f32,
    /// A chunk switches to a coarser level only this far past its radius.
    pub lod_hysteresis: f32,
    /// Most chunks turned into GPU meshes per frame.
    pub max_uploads_per_frame: usize,
    /// Most triangles uploaded per frame (at least one chunk always goes).
    pub max_upload_triangles: usize,
    /// Most jobs queued for the workers at once (the best ones).
    pub max_queued_jobs: usize,
    /// Seconds of camera motion to look ahead when ranking chunks.
    pub lookahead: f32,
    /// Background threads that generate and bake chunks.
    pub workers: usize,
}

impl Default for StreamConfig {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            lod_radius: [320.0, 800.0, 1750.0],
            prefetch: 160.0,
            drop_margin: 256.0,
            lod_hysteresis: 48.0,
            max_uploads_per_frame: 48,
            max_upload_triangles: 300_000,
            max_queued_jobs: 32,
            lookahead: 1.0,
            workers: cores.saturating_sub(1).clamp(1, 4),
        }
    }
}

impl StreamConfig {
    /// The horizon: the radius of the farthest level.
    pub fn horizon(&self) -> f32 {
        self.lod_radius[2]
    }

    /// The level a chunk at effective distance `d` should have, or `None`
    /// beyond the horizon.
    pub fn desired_lod(&self, d: f32) -> Option<Lod> {
        Lod::ALL
            .into_iter()
            .zip(self.lod_radius)
            .find(|(_, r)| d <= *r)
            .map(|(lod, _)| lod)
    }
}

/// Where the camera is and where it is going.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewpoint {
    /// Camera position (metres).
    pub position: Vec3,
    /// Unit view direction.
    pub forward: Vec3,
    /// Velocity (metres per second).
    pub velocity: Vec3,
    /// Height of the ground under the camera (metres).
    pub ground: f32,
    /// Half the horizontal field of view (radians).
    pub half_fov: f32,
}

impl Viewpoint {
    /// A camera at `position` looking along `forward`, standing still.
    pub fn looking(position: Vec3, forward: Vec3) -> Self {
        Self {
            position,
            forward: forward.normalize_or(Vec3::NEG_Z),
            velocity: Vec3::ZERO,
            ground: 0.0,
            half_fov: 0.9,
        }
    }
}

/// Horizontal distance from `p` to the square of chunk `c` (0 inside it).
pub fn distance_to_chunk(c: ChunkCoord, size: f32, p: Vec2) -> f32 {
    let (x0, z0) = (c.x as f32 * size, c.z as f32 * size);
    let dx = (x0 - p.x).max(p.x - (x0 + size)).max(0.0);
    let dz = (z0 - p.y).max(p.y - (z0 + size)).max(0.0);
    (dx * dx + dz * dz).sqrt()
}

/// Distance that decides detail: flying high makes everything farther.
pub fn effective_distance(horizontal: f32, altitude: f32) -> f32 {
    let up = (altitude - 40.0).max(0.0);
    (horizontal * horizontal + up * up).sqrt()
}

/// Whether chunk `c` is (roughly) inside the horizontal field of view, or
/// right under the camera.
pub fn in_view(c: ChunkCoord, size: f32, view: &Viewpoint) -> bool {
    let p = Vec2::new(view.position.x, view.position.z);
    if distance_to_chunk(c, size, p) < size * 0.5 {
        return true;
    }
    let f = Vec2::new(view.forward.x, view.forward.z);
    // Looking nearly straight down: everything around is in view.
    if f.length() < 0.3 {
        return true;
    }
    let f = f.normalize();
    let cos_limit = (view.half_fov + 0.1).min(std::f32::consts::PI).cos();
    let (x0, z0) = (c.x as f32 * size, c.z as f32 * size);
    [
        (0.0, 0.0),
        (size, 0.0),
        (0.0, size),
        (size, size),
        (size * 0.5, size * 0.5),
    ]
    .iter()
    .any(|(dx, dz)| {
        let d = Vec2::new(x0 + dx, z0 + dz) - p;
        d.normalize_or_zero().dot(f) >= cos_limit
    })
}

/// What the streamer knows about one chunk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChunkState {
    /// The level on screen, if any.
    pub loaded: Option<Lod>,
    /// The level being made (queued, generating, or waiting to upload).
    pub pending: Option<Lod>,
    /// The loaded meshes are out of date (an edit changed the chunk).
    pub stale: bool,
}

/// One chunk to make.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Want {
    /// Which chunk.
    pub coord: ChunkCoord,
    /// At which level.
    pub lod: Lod,
    /// Lower is sooner.
    pub priority: f32,
}

/// The outcome of [`plan`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// Chunks to make, best first (not already pending at that level).
    pub wants: Vec<Want>,
    /// Chunks being made (or made and waiting for upload) at the level they
    /// should have, ranked like `wants`: the upload order needs their rank.
    pub in_progress: Vec<Want>,
    /// Loaded chunks to drop.
    pub drops: Vec<ChunkCoord>,
    /// Chunks within the horizon and in view with nothing on screen yet.
    pub missing_in_view: usize,
    /// Chunks in view shown coarser than they should be.
    pub coarse_in_view: usize,
    /// Chunks that should be on screen (within the horizon).
    pub wanted_total: usize,
}

/// Decides what to make and what to drop.
///
/// Every chunk within the horizon plus [`StreamConfig::prefetch`] gets the
/// level its effective distance asks for (finer when the camera heads its
/// way: distance is measured from the nearer of the camera and where it will
/// be in [`StreamConfig::lookahead`] seconds). Ranking: chunks with nothing
/// on screen first, nearest first, and those ahead of the camera count as
/// half as far as those behind; refining a chunk that is already shown
/// comes after filling holes at the same distance; coarsening comes last.
pub fn plan(
    view: &Viewpoint,
    size: f32,
    config: &StreamConfig,
    states: &HashMap<ChunkCoord, ChunkState>,
) -> Plan {
    let here = Vec2::new(view.position.x, view.position.z);
    let ahead = here + Vec2::new(view.velocity.x, view.velocity.z) * config.lookahead;
    let altitude = view.position.y - view.ground;
    let fwd = Vec2::new(view.forward.x, view.forward.z).normalize_or_zero();
    let reach = config.horizon() + config.prefetch;
    let span = (reach / size).ceil() as i32 + 1;
    let centre = ChunkCoord::containing(here.x, here.y, size);
    let mut out = Plan::default();
    for dz in -span..=span {
        for dx in -span..=span {
            let c = ChunkCoord::new(centre.x + dx, centre.z + dz);
            let d_here = distance_to_chunk(c, size, here);
            if d_here > reach {
                continue;
            }
            let d = d_here.min(distance_to_chunk(c, size, ahead));
            let eff = effective_distance(d, altitude);
            let state = states.get(&c).copied().unwrap_or_default();
            let within_horizon = effective_distance(d_here, altitude) <= config.horizon();
            // Beyond the horizon only as prefetch, at the coarsest level.
            let mut want = config.desired_lod(eff).unwrap_or(Lod::Far);
            // Hysteresis: keep a finer level until well past its radius.
            if let Some(have) = state.loaded
                && have < want
                && !state.stale
                && eff <= config.lod_radius[have as usize] + config.lod_hysteresis
            {
                want = have;
            }
            if within_horizon {
                out.wanted_total += 1;
                if in_view(c, size, view) {
                    match state.loaded {
                        None => out.missing_in_view += 1,
                        Some(have) if have > want => out.coarse_in_view += 1,
                        _ => {}
                    }
                }
            }
            let satisfied = state.loaded == Some(want) && !state.stale;
            if satisfied {
                continue;
            }
            let centre_dir = (Vec2::new((c.x as f32 + 0.5) * size, (c.z as f32 + 0.5) * size)
                - here)
                .normalize_or_zero();
            let heading = if d_here < size {
                1.0
            } else {
                centre_dir.dot(fwd)
            };
            let mut priority = eff * (1.0 - 0.5 * heading);
            match state.loaded {
                None => {}
                Some(have) if have > want || state.stale => priority += config.lod_radius[0],
                Some(_) => priority = priority * 2.0 + config.horizon(),
            }
            let w = Want {
                coord: c,
                lod: want,
                priority,
            };
            if state.pending == Some(want) {
                out.in_progress.push(w);
            } else {
                out.wants.push(w);
            }
        }
    }
    let drop_at = config.horizon() + config.prefetch + config.drop_margin;
    for (c, s) in states {
        if s.loaded.is_some() && distance_to_chunk(*c, size, here) > drop_at {
            out.drops.push(*c);
        }
    }
    out.drops.sort();
    out.wants.sort_by(|a, b| {
        a.priority
            .total_cmp(&b.priority)
            .then(a.coord.cmp(&b.coord))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZE: f32 = 128.0;

    fn cfg() -> StreamConfig {
        StreamConfig {
            lod_radius: [200.0, 500.0, 1000.0],
            prefetch: 100.0,
            drop_margin: 200.0,
            ..StreamConfig::default()
        }
    }

    #[test]
    fn distance_is_zero_inside_and_grows_outside() {
        let c = ChunkCoord::new(1, 0);
        assert_eq!(distance_to_chunk(c, SIZE, Vec2::new(130.0, 10.0)), 0.0);
        assert_eq!(distance_to_chunk(c, SIZE, Vec2::new(100.0, 10.0)), 28.0);
        assert_eq!(
            distance_to_chunk(c, SIZE, Vec2::new(256.0 + 3.0, -4.0)),
            5.0
        );
    }

    #[test]
    fn nearest_first_then_coarser_with_distance() {
        let view = Viewpoint::looking(Vec3::new(64.0, 10.0, 64.0), Vec3::NEG_Z);
        let p = plan(&view, SIZE, &cfg(), &HashMap::new());
        assert_eq!(p.wants[0].coord, ChunkCoord::new(0, 0));
        assert_eq!(p.wants[0].lod, Lod::Full);
        assert!(p.drops.is_empty());
        assert!(p.missing_in_view > 0);
        // Every level appears, finer ones nearer.
        for w in &p.wants {
            let d = distance_to_chunk(w.coord, SIZE, Vec2::new(64.0, 64.0));
            let expect = cfg().desired_lod(d).unwrap_or(Lod::Far);
            assert_eq!(w.lod, expect, "{:?} at {d} m", w.coord);
        }
        let far = p.wants.iter().filter(|w| w.lod == Lod::Far).count();
        assert!(far > 0);
    }

    #[test]
    fn chunks_ahead_come_before_chunks_behind() {
        let view = Viewpoint::looking(Vec3::new(64.0, 10.0, 64.0), Vec3::NEG_Z);
        let p = plan(&view, SIZE, &cfg(), &HashMap::new());
        let rank = |c: ChunkCoord| p.wants.iter().position(|w| w.coord == c).unwrap();
        // North (−Z) is ahead.
        assert!(rank(ChunkCoord::new(0, -3)) < rank(ChunkCoord::new(0, 3)));
    }

    #[test]
    fn moving_camera_looks_ahead() {
        let mut view = Viewpoint::looking(Vec3::new(64.0, 10.0, 64.0), Vec3::X);
        view.velocity = Vec3::new(300.0, 0.0, 0.0);
        let p = plan(&view, SIZE, &cfg(), &HashMap::new());
        // Two chunks east is within 300 m of where the camera will be: full detail.
        let w = p
            .wants
            .iter()
            .find(|w| w.coord == ChunkCoord::new(3, 0))
            .unwrap();
        assert_eq!(w.lod, Lod::Full);
    }

    #[test]
    fn loaded_and_pending_chunks_are_not_asked_again_and_far_ones_drop() {
        let view = Viewpoint::looking(Vec3::new(64.0, 10.0, 64.0), Vec3::NEG_Z);
        let mut states = HashMap::new();
        states.insert(
            ChunkCoord::new(0, 0),
            ChunkState {
                loaded: Some(Lod::Full),
                ..Default::default()
            },
        );
        states.insert(
            ChunkCoord::new(1, 0),
            ChunkState {
                pending: Some(Lod::Full),
                ..Default::default()
            },
        );
        states.insert(
            ChunkCoord::new(40, 0),
            ChunkState {
                loaded: Some(Lod::Far),
                ..Default::default()
            },
        );
        let p = plan(&view, SIZE, &cfg(), &states);
        assert!(!p.wants.iter().any(|w| w.coord == ChunkCoord::new(0, 0)));
        assert!(!p.wants.iter().any(|w| w.coord == ChunkCoord::new(1, 0)));
        assert_eq!(p.drops, vec![ChunkCoord::new(40, 0)]);
        // The pending one keeps a rank (for the upload order), the loaded one has none.
        let pending: Vec<_> = p.in_progress.iter().map(|w| w.coord).collect();
        assert_eq!(pending, vec![ChunkCoord::new(1, 0)]);
        let far = p.wants.iter().find(|w| w.lod == Lod::Far).unwrap();
        assert!(p.in_progress[0].priority < far.priority);
    }

    #[test]
    fn holes_fill_before_refinement_and_stale_chunks_reload() {
        let view = Viewpoint::looking(Vec3::new(64.0, 10.0, 64.0), Vec3::NEG_Z);
        let mut states = HashMap::new();
        // Under the camera but shown coarse; its neighbour is a hole.
        states.insert(
            ChunkCoord::new(0, 0),
            ChunkState {
                loaded: Some(Lod::Far),
                ..Default::default()
            },
        );
        let p = plan(&view, SIZE, &cfg(), &states);
        assert_eq!(p.coarse_in_view, 1);
        let rank = |c: ChunkCoord| p.wants.iter().position(|w| w.coord == c).unwrap();
        assert!(rank(ChunkCoord::new(0, -1)) < rank(ChunkCoord::new(0, 0)));

        states.insert(
            ChunkCoord::new(0, 0),
            ChunkState {
                loaded: Some(Lod::Full),
                stale: true,
                ..Default::default()
            },
        );
        let p = plan(&view, SIZE, &cfg(), &states);
        let w = p
            .wants
            .iter()
            .find(|w| w.coord == ChunkCoord::new(0, 0))
            .unwrap();
        assert_eq!(w.lod, Lod::Full);
    }

    #[test]
    fn hysteresis_keeps_detail_just_past_the_radius() {
        let c = ChunkCoord::new(0, 0);
        // 20 m past the Full radius (200 m) from the chunk's east edge.
        let view = Viewpoint::looking(Vec3::new(128.0 + 220.0, 10.0, 64.0), Vec3::X);
        let mut states = HashMap::new();
        states.insert(
            c,
            ChunkState {
                loaded: Some(Lod::Full),
                ..Default::default()
            },
        );
        let p = plan(&view, SIZE, &cfg(), &states);
        assert!(!p.wants.iter().any(|w| w.coord == c));
        let view = Viewpoint::looking(Vec3::new(128.0 + 300.0, 10.0, 64.0), Vec3::X);
        let p = plan(&view, SIZE, &cfg(), &states);
        let w = p.wants.iter().find(|w| w.coord == c).unwrap();
        assert_eq!(w.lod, Lod::Mid);
    }

    #[test]
    fn altitude_coarsens() {
        let low = Viewpoint::looking(Vec3::new(64.0, 10.0, 64.0), Vec3::NEG_Z);
        let high = Viewpoint::looking(Vec3::new(64.0, 700.0, 64.0), Vec3::NEG_Z);
        let lod = |v: &Viewpoint| {
            plan(v, SIZE, &cfg(), &HashMap::new())
                .wants
                .iter()
                .find(|w| w.coord == ChunkCoord::new(0, 0))
                .unwrap()
                .lod
        };
        assert_eq!(lod(&low), Lod::Full);
        assert_eq!(lod(&high), Lod::Far);
    }

    #[test]
    fn view_cone() {
        let view = Viewpoint::looking(Vec3::new(64.0, 10.0, 64.0), Vec3::NEG_Z);
        assert!(in_view(ChunkCoord::new(0, -5), SIZE, &view));
        assert!(!in_view(ChunkCoord::new(0, 5), SIZE, &view));
        assert!(in_view(ChunkCoord::new(0, 0), SIZE, &view));
    }
}

//! Many rays from one point at once (a lidar sweep, a camera image).
//!
//! One box query over the static tree finds every collider the rays can
//! reach; with the moving boxes they are sorted by distance in plan and
//! binned by the azimuths their footprints cover. Each ray then tests only
//! the candidates of its azimuth bin, nearest first, and stops as soon as
//! the next candidate is further than its hit. A hit point lies along the
//! ray's azimuth, inside the candidate's footprint, at least the
//! footprint's plan distance away, so nothing is missed.

use crate::physics::Statics;
use crate::sensors::Mover;
use glam::Vec3;
use sprawl_world::SemanticClass;

#[derive(Clone, Copy)]
enum Geom {
    Leaf(u32),
    Mover(u32),
}

#[derive(Clone, Copy)]
struct Cand {
    near: f32,
    geom: Geom,
    /// Bin range `first..=last` (may wrap), or all bins.
    first: u32,
    last: u32,
    all: bool,
}

/// Scratch space for batched ray casts, reused from call to call.
#[derive(Default)]
pub(crate) struct Caster {
    cands: Vec<Cand>,
    start: Vec<u32>,
    items: Vec<u32>,
    fill: Vec<u32>,
}

/// Period of [`azimuth`]: a full turn.
const TURN: f32 = 4.0;

/// A pseudo-azimuth of a plan direction in `[0, 4)`: increases with the
/// true azimuth `atan2(x, z)` (so bins by it are bins of directions), a
/// half turn apart is exactly 2 apart, and it costs a division instead of
/// an arctangent. `(0, 0)` maps to 0.
#[inline]
fn azimuth(x: f32, z: f32) -> f32 {
    let s = x.abs() + z.abs();
    if s == 0.0 {
        return 0.0;
    }
    let r = z / s; // cos-like, 1 at +Z, −1 at −Z
    if x >= 0.0 { 1.0 - r } else { 3.0 + r }
}

impl Caster {
    /// Casts `dirs` (unit, world frame) from `origin`, each up to `limit[i]`
    /// metres (or `limit[0]` for all when `limit` has one value). Writes the
    /// distance (the limit where nothing is hit) and, when asked, the class
    /// id (0 = nothing). Movers of agent `me` are skipped.
    #[allow(clippy::too_many_arguments)]
    pub fn cast(
        &mut self,
        statics: &Statics,
        movers: &[Mover],
        me: u32,
        origin: Vec3,
        dirs: &[Vec3],
        limit: &[f32],
        out: &mut [f32],
        mut class: Option<&mut [u8]>,
    ) {
        let n = dirs.len();
        let lim = |i: usize| if limit.len() == 1 { limit[0] } else { limit[i] };
        // Bounds of every ray segment.
        let (mut lo, mut hi) = (origin, origin);
        let mut reach = 0.0f32;
        for (i, d) in dirs.iter().enumerate() {
            let l = lim(i);
            let e = origin + *d * l;
            lo = lo.min(e);
            hi = hi.max(e);
            reach = reach.max(l);
        }
        let bins = (n.next_power_of_two().clamp(64, 4096)) as u32;
        let per_bin = TURN / bins as f32;
        let bin_of = |a: f32| ((a / per_bin) as u32).min(bins - 1);
        self.cands.clear();
        let mut add = |geom: Geom, a: Vec3, b: Vec3| {
            // Plan footprint relative to the origin.
            let (x0, x1, z0, z1) = (
                a.x - origin.x,
                b.x - origin.x,
                a.z - origin.z,
                b.z - origin.z,
            );
            let dx = x0.max(0.0).max(-x1);
            let dz = z0.max(0.0).max(-z1);
            let near = (dx * dx + dz * dz).sqrt();
            if near > reach {
                return;
            }
            let inside = x0 <= 1e-3 && x1 >= -1e-3 && z0 <= 1e-3 && z1 >= -1e-3;
            let (mut first, mut last, mut all) = (0, 0, inside);
            if !inside {
                let centre = azimuth(0.5 * (x0 + x1), 0.5 * (z0 + z1));
                let (mut rmin, mut rmax) = (f32::MAX, f32::MIN);
                for (x, z) in [(x0, z0), (x1, z0), (x0, z1), (x1, z1)] {
                    let mut r = azimuth(x, z) - centre;
                    if r > 0.5 * TURN {
                        r -= TURN;
                    } else if r < -0.5 * TURN {
                        r += TURN;
                    }
                    rmin = rmin.min(r);
                    rmax = rmax.max(r);
                }
                if rmax - rmin >= 0.5 * TURN - 1e-3 {
                    all = true;
                } else {
                    let wrap = |a: f32| a.rem_euclid(TURN);
                    first = bin_of(wrap(centre + rmin));
                    last = bin_of(wrap(centre + rmax));
                }
            }
            self.cands.push(Cand {
                near,
                geom,
                first,
                last,
                all,
            });
        };
        statics.leaves_in(lo, hi, |leaf, a, b| add(Geom::Leaf(leaf), a, b));
        for (k, m) in movers.iter().enumerate() {
            if m.agent == me {
                continue;
            }
            let r = Vec3::new(m.half.x.hypot(m.half.z), m.half.y, m.half.x.hypot(m.half.z));
            let (a, b) = (m.centre - r, m.centre + r);
            if a.x <= hi.x
                && b.x >= lo.x
                && a.y <= hi.y
                && b.y >= lo.y
                && a.z <= hi.z
                && b.z >= lo.z
            {
                add(Geom::Mover(k as u32), a, b);
            }
        }
        self.cands.sort_by(|a, b| a.near.total_cmp(&b.near));

        // Bins as compressed rows: counts, offsets, items (nearest first).
        self.start.clear();
        self.start.resize(bins as usize + 1, 0);
        let each = |c: &Cand, f: &mut dyn FnMut(usize)| {
            if c.all {
                (0..bins as usize).for_each(&mut *f);
            } else if c.first <= c.last {
                (c.first as usize..=c.last as usize).for_each(&mut *f);
            } else {
                (c.first as usize..bins as usize).for_each(&mut *f);
                (0..=c.last as usize).for_each(&mut *f);
            }
        };
        for c in &self.cands {
            each(c, &mut |b| self.start[b + 1] += 1);
        }
        for b in 0..bins as usize {
            self.start[b + 1] += self.start[b];
        }
        self.items.clear();
        self.items.resize(self.start[bins as usize] as usize, 0);
        self.fill.clear();
        self.fill.extend_from_slice(&self.start[..bins as usize]);
        for (k, c) in self.cands.iter().enumerate() {
            each(c, &mut |b| {
                self.items[self.fill[b] as usize] = k as u32;
                self.fill[b] += 1;
            });
        }

        let agent = SemanticClass::Agent.id();
        for (i, d) in dirs.iter().enumerate() {
            let b = bin_of(azimuth(d.x, d.z)) as usize;
            let mut best = lim(i);
            let mut id = 0u8;
            for &k in &self.items[self.start[b] as usize..self.start[b + 1] as usize] {
                let c = self.cands[k as usize];
                if c.near >= best {
                    break;
                }
                match c.geom {
                    Geom::Leaf(leaf) => {
                        if let Some(t) = statics.leaf_ray(leaf, origin, *d, best)
                            && t < best
                        {
                            best = t;
                            id = statics.leaf_class(leaf);
                        }
                    }
                    Geom::Mover(m) => {
                        if let Some(t) = movers[m as usize].ray(origin, *d, best)
                            && t < best
                        {
                            best = t;
                            id = agent;
                        }
                    }
                }
            }
            out[i] = best;
            if let Some(c) = class.as_deref_mut() {
                c[i] = id;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::physics::Layer;
    use sprawl_world::{ChunkCoord, WorldSpec};

    /// The batched caster finds exactly what one tree walk per ray finds.
    #[test]
    fn batched_rays_match_single_rays() {
        let spec = WorldSpec {
            seed: 31,
            ..WorldSpec::default()
        };
        let mut statics = Statics::default();
        let mut handles = Vec::new();
        for z in -1..=0 {
            for x in -1..=0 {
                let chunk = sprawl_gen::generate_chunk(&spec, ChunkCoord::new(x, z));
                statics.add_chunk(&chunk, false, &mut handles, &mut Vec::new());
            }
        }
        let mut caster = Caster::default();
        let mut checked = 0;
        for (k, origin) in [
            Vec3::new(3.0, 2.0, -5.0),
            Vec3::new(-60.0, 1.5, 40.0),
            Vec3::new(90.0, 12.0, -70.0),
            Vec3::new(-10.0, 30.0, -100.0),
        ]
        .into_iter()
        .enumerate()
        {
            let dirs: Vec<Vec3> = (0..500)
                .map(|i| {
                    let a = i as f32 * 2.399_963;
                    let el = ((i * 7 + k) % 41) as f32 / 40.0 * 1.4 - 0.9;
                    Vec3::new(a.sin() * el.cos(), el.sin(), a.cos() * el.cos())
                })
                .collect();
            let mut dist = vec![0.0; dirs.len()];
            let mut class = vec![0u8; dirs.len()];
            caster.cast(
                &statics,
                &[],
                u32::MAX,
                origin,
                &dirs,
                &[60.0],
                &mut dist,
                Some(&mut class),
            );
            for (i, d) in dirs.iter().enumerate() {
                let single = statics.cast_ray(Layer::All, origin, *d, 60.0);
                match single {
                    Some((t, c)) => {
                        assert!((t - dist[i]).abs() < 1e-3, "ray {i}: {t} vs {}", dist[i]);
                        assert!(class[i] == c.id() || (t - dist[i]).abs() < 1e-3);
                        checked += 1;
                    }
                    None => assert_eq!(class[i], 0, "ray {i} hit only in the batch"),
                }
            }
        }
        assert!(checked > 500, "only {checked} rays hit anything");
    }
}

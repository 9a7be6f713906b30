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
    /// World bounds, grown by [`SLACK`]: a ray that misses them misses the candidate.
    lo: Vec3,
    hi: Vec3,
    /// Whether its exact test costs more than a box test (terrain, meshes),
    /// so that a ray first checks its bounds.
    costly: bool,
    /// Bin range `first..=last` (may wrap), or all bins.
    first: u32,
    last: u32,
    all: bool,
}

/// Scratch space for batched ray casts, reused from call to call.
#[derive(Default)]
pub(crate) struct Caster {
    cands: Vec<Cand>,
    sorted: Vec<Cand>,
    order: Vec<u64>,
    /// Candidates every ray tests (their footprint surrounds the origin or
    /// spans half a turn), nearest first.
    always: Vec<u32>,
    start: Vec<u32>,
    items: Vec<u32>,
    fill: Vec<u32>,
    /// Static leaves (with bounds) within `near_box`, as of `near_version`:
    /// the tree is queried again only when the rays leave that box or the
    /// static world changes.
    near: Vec<(u32, Vec3, Vec3)>,
    near_box: (Vec3, Vec3),
    near_version: Option<u64>,
}

/// The cached box of static leaves reaches this far beyond the rays (metres).
const NEAR_MARGIN: f32 = 8.0;

/// Bounds are grown by this much (metres) before the slab test, so that
/// rounding never rejects a candidate the exact test would hit.
const SLACK: f32 = 1e-3;

/// Whether the ray `o + t·d`, `t` in `0..=max`, meets the box `lo..hi`
/// (`inv` = 1 / `d` per axis, infinite for a zero component). Conservative:
/// only a certain miss returns `false`.
#[inline]
fn slab(o: Vec3, inv: Vec3, lo: Vec3, hi: Vec3, max: f32) -> bool {
    let (mut t0, mut t1) = (0.0f32, max);
    for k in 0..3 {
        let (a, b) = ((lo[k] - o[k]) * inv[k], (hi[k] - o[k]) * inv[k]);
        // NaN (0 × ∞: the ray runs in a face's plane) keeps the interval as it is.
        let (near, far) = if a <= b {
            (a, b)
        } else if b < a {
            (b, a)
        } else {
            continue;
        };
        if near > t0 {
            t0 = near;
        }
        if far < t1 {
            t1 = far;
        }
    }
    t0 <= t1
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
            let costly = match geom {
                Geom::Leaf(leaf) => statics.leaf_is_costly(leaf),
                Geom::Mover(_) => false,
            };
            self.cands.push(Cand {
                near,
                geom,
                costly,
                lo: a - Vec3::splat(SLACK),
                hi: b + Vec3::splat(SLACK),
                first,
                last,
                all,
            });
        };
        let fresh = self.near_version == Some(statics.version())
            && self.near_box.0.cmple(lo).all()
            && self.near_box.1.cmpge(hi).all();
        if !fresh {
            let (blo, bhi) = (lo - Vec3::splat(NEAR_MARGIN), hi + Vec3::splat(NEAR_MARGIN));
            self.near.clear();
            let near = &mut self.near;
            statics.leaves_in(blo, bhi, |leaf, a, b| near.push((leaf, a, b)));
            self.near_box = (blo, bhi);
            self.near_version = Some(statics.version());
        }
        // The same leaves, in the same order, as querying the tree with `lo..hi`.
        for &(leaf, a, b) in &self.near {
            if a.cmple(hi).all() && b.cmpge(lo).all() {
                add(Geom::Leaf(leaf), a, b);
            }
        }
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
        // Nearest first, ties in the order found: sort small keys (the
        // distance's bits, non-negative so ordered like the distance, then
        // the index), not the candidates themselves.
        self.order.clear();
        self.order.extend(
            self.cands
                .iter()
                .enumerate()
                .map(|(k, c)| (u64::from(c.near.to_bits()) << 32) | k as u64),
        );
        self.order.sort_unstable();
        self.sorted.clear();
        self.sorted.extend(
            self.order
                .iter()
                .map(|o| self.cands[(*o & 0xffff_ffff) as usize]),
        );
        std::mem::swap(&mut self.cands, &mut self.sorted);

        // Bins as compressed rows: counts, offsets, items (nearest first);
        // candidates in every bin are kept apart in `always`.
        self.always.clear();
        self.start.clear();
        self.start.resize(bins as usize + 1, 0);
        // The bins a candidate covers, as one or two (wrapping) ranges.
        let spans = |c: &Cand| -> [(usize, usize); 2] {
            if c.first <= c.last {
                [(c.first as usize, c.last as usize + 1), (0, 0)]
            } else {
                [(c.first as usize, bins as usize), (0, c.last as usize + 1)]
            }
        };
        for (k, c) in self.cands.iter().enumerate() {
            if c.all {
                self.always.push(k as u32);
            } else {
                for (a, b) in spans(c) {
                    for n in &mut self.start[a + 1..b + 1] {
                        *n += 1;
                    }
                }
            }
        }
        for b in 0..bins as usize {
            self.start[b + 1] += self.start[b];
        }
        self.items.clear();
        self.items.resize(self.start[bins as usize] as usize, 0);
        self.fill.clear();
        self.fill.extend_from_slice(&self.start[..bins as usize]);
        for (k, c) in self.cands.iter().enumerate() {
            if !c.all {
                for (a, b) in spans(c) {
                    for f in &mut self.fill[a..b] {
                        self.items[*f as usize] = k as u32;
                        *f += 1;
                    }
                }
            }
        }

        let agent = SemanticClass::Agent.id();
        let cands = &self.cands;
        for (i, d) in dirs.iter().enumerate() {
            let b = bin_of(azimuth(d.x, d.z)) as usize;
            let mut best = lim(i);
            let mut id = 0u8;
            let inv = d.recip();
            // Tests candidate `k`; breaks out of the list once candidates
            // are beyond the best hit. (A macro, so that the exact tests inline.)
            macro_rules! test {
                ($k:expr) => {{
                    let c = &cands[$k as usize];
                    if c.near >= best {
                        break;
                    }
                    if c.costly && !slab(origin, inv, c.lo, c.hi, best) {
                        continue;
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
                }};
            }
            for &k in &self.always {
                test!(k);
            }
            for &k in &self.items[self.start[b] as usize..self.start[b + 1] as usize] {
                test!(k);
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
                statics.add_chunk(&chunk, false, true, &mut handles, &mut Vec::new());
            }
        }
        let mut caster = Caster::default();
        let mut checked = 0;
        let mut check = |caster: &mut Caster, statics: &Statics, k: usize, origin: Vec3| {
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
                statics,
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
        };
        // Far apart, then a step within the cached box (the cache is reused).
        for (k, origin) in [
            Vec3::new(3.0, 2.0, -5.0),
            Vec3::new(-60.0, 1.5, 40.0),
            Vec3::new(90.0, 12.0, -70.0),
            Vec3::new(-10.0, 30.0, -100.0),
            Vec3::new(-7.0, 29.0, -97.0),
        ]
        .into_iter()
        .enumerate()
        {
            check(&mut caster, &statics, k, origin);
        }
        // The static world changes under the cache: every collider moves 2 m.
        for h in &handles {
            if let Some(c) = statics.collider(*h) {
                let mut p = *c.position();
                p.translation.x += 2.0;
                statics.set_pose(*h, p);
            }
        }
        check(&mut caster, &statics, 5, Vec3::new(-7.0, 29.0, -97.0));
        assert!(checked > 500, "only {checked} rays hit anything");
    }
}

//! The global street network: every road segment near a chunk, as a pure
//! function of the spec, before the chunk clips it.
//!
//! Streets sit on a lattice of blocks (`block_size` apart, offset by half a
//! block so they rarely fall on chunk edges). The pattern moves and thins the
//! lattice (organic) or adds avenues and rings around centres (radial: the
//! origin's, and a town centre every few kilometres).
//! A sketch replaces the lattice inside its rectangle with its traced roads,
//! joined to the lattice by a ring road along the sketch border.

use super::centres::{self, MAIN_RINGS};
use super::fields::{Fields, WaterKind};
use super::noise::{hash_key, unit, unit_n};
use glam::DVec2;
use sprawl_world::{DistrictKind, Region, RoadClass, StreetPattern};
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// One straight road segment of the global network, endpoints in a canonical
/// order (lexicographic) so that every chunk computes the same crossings.
#[derive(Debug, Clone, Copy)]
pub struct Seg {
    pub a: DVec2,
    pub b: DVec2,
    pub class: RoadClass,
    /// Stable key of the segment (ids of its objects derive from it).
    pub key: u64,
    /// Which way traffic may run, relative to `a → b`.
    pub flow: Flow,
    /// Whether the road goes straight on past `a` and past `b` in another
    /// segment of the same road (a bend of a traced line, a piece of a
    /// ring): such an end may lie over water, on a bridge, where a road's
    /// true end or junction may not.
    pub continues: [bool; 2],
}

/// A map keyed by lattice indices, with a multiply-rotate hash: the
/// standard SipHash cost more than the lookups saved.
type LatticeMap<K, V> = HashMap<K, V, BuildHasherDefault<LatticeHasher>>;

/// FxHash's mixing step over the integers of a lattice key; not for keys
/// an adversary chooses.
#[derive(Default)]
struct LatticeHasher(u64);

impl Hasher for LatticeHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn write_i64(&mut self, v: i64) {
        self.write_u64(v as u64);
    }

    fn write_u8(&mut self, v: u8) {
        self.write_u64(u64::from(v));
    }
}

/// Which way traffic may run along a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Both ways, half the lanes each.
    Both,
    /// One way, from `a` to `b`, on all the lanes.
    AToB,
    /// One way, from `b` to `a`, on all the lanes.
    BToA,
}

impl Seg {
    fn new(p: DVec2, q: DVec2, class: RoadClass, key: u64) -> Self {
        let (a, b) = if (p.x, p.y) <= (q.x, q.y) {
            (p, q)
        } else {
            (q, p)
        };
        Self {
            a,
            b,
            class,
            key,
            flow: Flow::Both,
            continues: [false; 2],
        }
    }

    /// The same segment, marked as going on past `p` and/or `q` (the
    /// points it was made from) in another segment of the same road.
    fn continuing(self, p: DVec2, at_p: bool, at_q: bool) -> Self {
        let continues = if self.a == p {
            [at_p, at_q]
        } else {
            [at_q, at_p]
        };
        Self { continues, ..self }
    }

    /// A one-way segment whose traffic runs from `p` to `q`.
    fn one_way(p: DVec2, q: DVec2, class: RoadClass, key: u64) -> Self {
        let s = Self::new(p, q, class, key);
        Self {
            flow: if s.a == p { Flow::AToB } else { Flow::BToA },
            ..s
        }
    }

    /// Lanes running `a → b` and `b → a`.
    pub fn lanes(&self) -> (u8, u8) {
        let l = self.class.lanes_per_direction();
        match self.flow {
            Flow::Both => (l, l),
            Flow::AToB => (2 * l, 0),
            Flow::BToA => (0, 2 * l),
        }
    }

    pub fn len(&self) -> f64 {
        (self.b - self.a).length()
    }

    /// The point at parameter `t` (0 at `a`, 1 at `b`, both exact).
    pub fn at(&self, t: f64) -> DVec2 {
        if t >= 1.0 {
            self.b
        } else {
            self.a + (self.b - self.a) * t
        }
    }

    /// Distance (metres) from `p` to the segment.
    pub fn distance(&self, p: DVec2) -> f64 {
        let d = self.b - self.a;
        let l2 = d.length_squared();
        let t = if l2 > 0.0 {
            ((p - self.a).dot(d) / l2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        (self.a + d * t - p).length()
    }
}

/// Width of the paved carriageway (metres): lanes plus, on local streets, a
/// 2.2 m parking lane each side.
pub fn surface_width(class: RoadClass) -> f64 {
    f64::from(class.width()) + if class == RoadClass::Local { 4.4 } else { 0.0 }
}

/// Longest bridge a street may need (metres).
pub const MAX_BRIDGE: f64 = 150.0;

/// Sidewalk width (metres) beside every road.
pub const SIDEWALK: f64 = 2.5;

/// The street layout of a world.
pub struct Network<'a> {
    fields: &'a Fields<'a>,
    seed: u64,
    block: f64,
    arterial_every: i64,
    pattern: StreetPattern,
    sketch: Option<Region>,
    /// Whether the world has any water at all, to skip sampling roads when not.
    any_water: bool,
    /// Lattice nodes found wet or dry so far: each is asked about by every
    /// street that meets it, and sampling the water is costly.
    wet: RefCell<LatticeMap<(i64, i64), bool>>,
    /// Lattice edges made so far (see [`Network::lattice_edge`]).
    edges: RefCell<LatticeMap<(i64, i64, bool), Option<Seg>>>,
}

const TAG_H: u64 = 1;
const TAG_V: u64 = 2;
const TAG_SPOKE: u64 = 3;
const TAG_RING: u64 = 4;
const TAG_SKETCH: u64 = 5;
const TAG_BORDER: u64 = 6;
const TAG_JITTER: u64 = 7;
const TAG_DROP: u64 = 8;
const TAG_BRIDGE: u64 = 9;
/// Length of one avenue segment (metres).
const SPOKE_STEP: f64 = 120.0;
/// Radius of the plaza left open at a centre (metres).
const PLAZA: f64 = 60.0;

impl<'a> Network<'a> {
    pub fn new(fields: &'a Fields<'a>) -> Self {
        let spec = fields.spec;
        let block = f64::from(spec.block_size);
        Self {
            fields,
            seed: spec.seed,
            block,
            arterial_every: ((520.0 / block).round() as i64).max(2),
            pattern: spec.streets,
            sketch: spec.sketch.as_ref().map(|s| s.region()),
            any_water: spec.water.coast.is_some()
                || spec.water.lakes > 0.0
                || spec.water.river_width.is_some()
                || spec.sketch.is_some(),
            wet: RefCell::default(),
            edges: RefCell::default(),
        }
    }

    /// Block size (metres).
    pub fn block(&self) -> f64 {
        self.block
    }

    /// World position of lattice node `(i, j)`.
    pub fn node(&self, i: i64, j: i64) -> DVec2 {
        let base = DVec2::new((i as f64 + 0.5) * self.block, (j as f64 + 0.5) * self.block);
        if self.pattern == StreetPattern::Organic {
            let h = hash_key(self.seed, TAG_JITTER, i, j);
            let amp = 0.22 * self.block;
            base + DVec2::new(
                (unit_n(h, 1) * 2.0 - 1.0) * amp,
                (unit_n(h, 2) * 2.0 - 1.0) * amp,
            )
        } else {
            base
        }
    }

    /// The lattice edge from `(i, j)` east (`vertical = false`) or south
    /// (`vertical = true`), or `None` where the pattern leaves it out.
    pub fn lattice_edge(&self, i: i64, j: i64, vertical: bool) -> Option<Seg> {
        // Blocks ask for each edge of theirs and of their neighbours many
        // times over; deciding one samples water and districts.
        if let Some(known) = self.edges.borrow().get(&(i, j, vertical)) {
            return *known;
        }
        let edge = self.make_lattice_edge(i, j, vertical);
        self.edges.borrow_mut().insert((i, j, vertical), edge);
        edge
    }

    fn make_lattice_edge(&self, i: i64, j: i64, vertical: bool) -> Option<Seg> {
        let (tag, line) = if vertical { (TAG_V, i) } else { (TAG_H, j) };
        let arterial = line.rem_euclid(self.arterial_every) == 0;
        let key = hash_key(self.seed, tag, i, j);
        if self.pattern == StreetPattern::Organic
            && !arterial
            && unit(hash_key(self.seed, TAG_DROP ^ tag, i, j)) < 0.16
        {
            return None;
        }
        let class = if arterial {
            RoadClass::Arterial
        } else {
            RoadClass::Local
        };
        // A street never starts in the water; where its next junction would
        // be in a river it bridges over to the one after (at most two hops).
        if self.wet_node(i, j) {
            return None;
        }
        let step = |(a, b): (i64, i64)| if vertical { (a, b + 1) } else { (a + 1, b) };
        let mut end = step((i, j));
        let mut hops = 0;
        while self.wet_node(end.0, end.1) {
            hops += 1;
            if hops > 2 {
                return None;
            }
            end = step(end);
        }
        // Every arterial crosses; about one local street in three gets a bridge.
        if hops > 0 && !arterial && unit(hash_key(self.seed, TAG_BRIDGE ^ tag, i, j)) > 0.35 {
            return None;
        }
        let (p, q) = (self.node(i, j), self.node(end.0, end.1));
        if !arterial && hops == 0 && self.one_way_street(p, q, (i, j), end) {
            // Alternate lines run opposite ways, as in a downtown grid:
            // even lines east or south, odd lines west or north.
            let (p, q) = if line.rem_euclid(2) == 0 {
                (p, q)
            } else {
                (q, p)
            };
            return Some(Seg::one_way(p, q, class, key));
        }
        Some(Seg::new(p, q, class, key))
    }

    /// Whether the local street between lattice nodes `n0` and `n1` (at `p`
    /// and `q`) is one-way: in the dense districts of a straight grid
    /// (grid and radial patterns), and never by water, where a missing
    /// bridge could leave it a dead end that traffic would have to leave
    /// against its direction.
    fn one_way_street(&self, p: DVec2, q: DVec2, n0: (i64, i64), n1: (i64, i64)) -> bool {
        if self.pattern == StreetPattern::Organic {
            return false;
        }
        let mid = (p + q) * 0.5;
        if !matches!(
            self.fields.district(mid.x, mid.y),
            DistrictKind::Downtown | DistrictKind::Midrise
        ) {
            return false;
        }
        let near = [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)];
        ![n0, n1]
            .into_iter()
            .any(|(i, j)| near.iter().any(|(di, dj)| self.wet_node(i + di, j + dj)))
    }

    /// Whether lattice node `(i, j)` lies in water.
    fn wet_node(&self, i: i64, j: i64) -> bool {
        if !self.any_water {
            return false;
        }
        *self.wet.borrow_mut().entry((i, j)).or_insert_with(|| {
            let p = self.node(i, j);
            self.fields.water(p.x, p.y) != WaterKind::Land
        })
    }

    /// Whether a road segment cannot be built: it runs into open water (sea,
    /// lake), one of its ends that is a junction or a dead end lies in water,
    /// or it would need a bridge longer than [`MAX_BRIDGE`] metres.
    fn drowned(&self, s: &Seg) -> bool {
        if !self.any_water {
            return false;
        }
        let n = (s.len() / 8.0).ceil().max(1.0) as u32;
        let step = s.len() / f64::from(n);
        let mut wet = 0.0;
        for k in 0..=n {
            let p = s.at(f64::from(k) / f64::from(n));
            match self.fields.water(p.x, p.y) {
                WaterKind::Land => {}
                WaterKind::Open => return true,
                WaterKind::Crossable if k == 0 && !s.continues[0] => return true,
                WaterKind::Crossable if k == n && !s.continues[1] => return true,
                WaterKind::Crossable => wet += step,
            }
        }
        wet > MAX_BRIDGE
    }

    /// Every network segment that comes within `margin` metres of `area`.
    pub fn segments_near(&self, area: Region, margin: f64) -> Vec<Seg> {
        let (x0, z0) = (f64::from(area.x0) - margin, f64::from(area.z0) - margin);
        let (x1, z1) = (f64::from(area.x1) + margin, f64::from(area.z1) + margin);
        let near = |s: &Seg| {
            s.a.x.min(s.b.x) <= x1
                && s.a.x.max(s.b.x) >= x0
                && s.a.y.min(s.b.y) <= z1
                && s.a.y.max(s.b.y) >= z0
        };
        let mut procedural = Vec::new();
        let i0 = (x0 / self.block).floor() as i64 - 2;
        let i1 = (x1 / self.block).ceil() as i64 + 1;
        let j0 = (z0 / self.block).floor() as i64 - 2;
        let j1 = (z1 / self.block).ceil() as i64 + 1;
        for j in j0..=j1 {
            for i in i0..=i1 {
                for vertical in [false, true] {
                    if let Some(s) = self.lattice_edge(i, j, vertical).filter(near) {
                        procedural.push(s);
                    }
                }
            }
        }
        if self.pattern == StreetPattern::Radial {
            self.radial(&mut procedural, x0, z0, x1, z1);
            procedural.retain(near);
        }
        let mut out = Vec::with_capacity(procedural.len() + 8);
        for s in procedural {
            match self.sketch {
                Some(r) => out.extend(subtract_rect(&s, r).into_iter().filter(near)),
                None => out.push(s),
            }
        }
        if let Some(r) = self.sketch {
            self.sketch_roads(&mut out, r);
            out.retain(near);
        }
        out.retain(|s| s.len() > 0.01 && !self.drowned(s));
        out
    }

    /// Avenues and ring roads around every centre that reaches the area.
    fn radial(&self, out: &mut Vec<Seg>, x0: f64, z0: f64, x1: f64, z1: f64) {
        let reach = MAIN_RINGS[MAIN_RINGS.len() - 1] + 10.0;
        for (i, j) in centres::cells_near(x0, z0, x1, z1, reach) {
            self.centre(i, j).roads(out, x0, z0, x1, z1);
        }
    }

    /// The avenues and rings of the radial centre of lattice cell `(i, j)`
    /// (see [`centres::site`]): the main one at the origin for `(0, 0)`,
    /// elsewhere a smaller town centre.
    fn centre(&self, i: i64, j: i64) -> Centre {
        let site = centres::site(self.seed, i, j);
        if site.main {
            return Centre {
                at: site.at,
                rings: MAIN_RINGS.to_vec(),
                spokes: 8,
                turn: std::f64::consts::PI / 8.0,
                corners: 64,
                seed: self.seed,
            };
        }
        let h = site.hash;
        let scale = centres::town_scale(h);
        let spokes = if unit_n(h, 4) < 0.5 { 6 } else { 8 };
        let corners = 8 * spokes;
        let first = (unit_n(h, 5) * f64::from(corners))
            .floor()
            .min(f64::from(corners - 1));
        Centre {
            at: site.at,
            rings: MAIN_RINGS[..2].iter().map(|r| r * scale).collect(),
            spokes,
            turn: first / f64::from(corners) * std::f64::consts::TAU,
            corners,
            seed: h,
        }
    }

    /// The sketch's traced roads plus a ring along its border.
    fn sketch_roads(&self, out: &mut Vec<Seg>, r: Region) {
        let Some(sketch) = self.fields.spec.sketch.as_ref() else {
            return;
        };
        let (x0, z0, x1, z1) = (
            f64::from(r.x0),
            f64::from(r.z0),
            f64::from(r.x1),
            f64::from(r.z1),
        );
        let snap = f64::from(sketch.metres_per_pixel) * 2.0 + 1.0;
        let snap_point = |p: DVec2| {
            let mut p = p;
            if p.x - x0 < snap {
                p.x = x0
            } else if x1 - p.x < snap {
                p.x = x1
            }
            if p.y - z0 < snap {
                p.y = z0
            } else if z1 - p.y < snap {
                p.y = z1
            }
            p
        };
        for (li, line) in sketch.roads.iter().enumerate() {
            let last = line.len().saturating_sub(1);
            for (k, w) in line.windows(2).enumerate() {
                let mut p = DVec2::new(f64::from(w[0][0]), f64::from(w[0][1]));
                let mut q = DVec2::new(f64::from(w[1][0]), f64::from(w[1][1]));
                if k == 0 {
                    p = snap_point(p);
                }
                if k + 1 == last {
                    q = snap_point(q);
                }
                out.push(
                    Seg::new(
                        p,
                        q,
                        RoadClass::Local,
                        hash_key(self.seed, TAG_SKETCH, li as i64, k as i64),
                    )
                    .continuing(p, k > 0, k + 1 < last),
                );
            }
        }
        let corners = [
            DVec2::new(x0, z0),
            DVec2::new(x1, z0),
            DVec2::new(x1, z1),
            DVec2::new(x0, z1),
        ];
        for side in 0..4 {
            let (p, q) = (corners[side], corners[(side + 1) % 4]);
            let n = ((p - q).length() / 64.0).ceil().max(1.0) as i64;
            for k in 0..n {
                let a = p + (q - p) * (k as f64 / n as f64);
                let b = if k + 1 == n {
                    q
                } else {
                    p + (q - p) * ((k + 1) as f64 / n as f64)
                };
                // The border ring has no ends: every piece goes on.
                out.push(
                    Seg::new(
                        a,
                        b,
                        RoadClass::Arterial,
                        hash_key(self.seed, TAG_BORDER, side as i64, k),
                    )
                    .continuing(a, true, true),
                );
            }
        }
    }
}

/// The parts of `s` outside rectangle `r` (zero, one or two segments).
fn subtract_rect(s: &Seg, r: Region) -> Vec<Seg> {
    let rect = [
        f64::from(r.x0),
        f64::from(r.z0),
        f64::from(r.x1),
        f64::from(r.z1),
    ];
    let Some(c) = clip(s, rect) else {
        return vec![*s];
    };
    let mut out = Vec::new();
    // The cut ends meet the road around the rectangle.
    if c.t0 > 1e-9 {
        out.push(Seg {
            b: c.p0,
            continues: [s.continues[0], false],
            ..*s
        });
    }
    if c.t1 < 1.0 - 1e-9 {
        out.push(Seg {
            a: c.p1,
            key: s.key ^ 0x5a5a,
            continues: [false, s.continues[1]],
            ..*s
        });
    }
    out
}

/// A segment clipped to a closed rectangle: parameters and exact endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Clip {
    pub t0: f64,
    pub t1: f64,
    pub p0: DVec2,
    pub p1: DVec2,
}

/// A rectangle side: whether it is an x = const plane, and the constant.
type Plane = (bool, f64);

/// Clips `s` to the closed rectangle `[x0, z0, x1, z1]`. Crossing points on
/// a rectangle side are computed from that side's coordinate alone, so the
/// two chunks that share a side get bit-identical points.
pub fn clip(s: &Seg, rect: [f64; 4]) -> Option<Clip> {
    let [x0, z0, x1, z1] = rect;
    let d = s.b - s.a;
    let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
    // The side that set each bound: (is an x plane, plane coordinate).
    let (mut e0, mut e1): (Option<Plane>, Option<Plane>) = (None, None);
    // (is_x_plane, plane coordinate, start, delta, lower bound?)
    for (is_x, plane, start, delta, lower) in [
        (true, x0, s.a.x, d.x, true),
        (true, x1, s.a.x, d.x, false),
        (false, z0, s.a.y, d.y, true),
        (false, z1, s.a.y, d.y, false),
    ] {
        if delta == 0.0 {
            let outside = if lower { start < plane } else { start > plane };
            if outside {
                return None;
            }
            continue;
        }
        let t = (plane - start) / delta;
        let entering = (delta > 0.0) == lower;
        if entering {
            if t > t0 {
                t0 = t;
                e0 = Some((is_x, plane));
            }
        } else if t < t1 {
            t1 = t;
            e1 = Some((is_x, plane));
        }
    }
    if t0 > t1 {
        return None;
    }
    let point = |t: f64, e: Option<Plane>| match e {
        None if t == 0.0 => s.a,
        None => s.b,
        Some((true, x)) => DVec2::new(x, s.a.y + (x - s.a.x) * d.y / d.x),
        Some((false, z)) => DVec2::new(s.a.x + (z - s.a.y) * d.x / d.y, z),
    };
    Some(Clip {
        t0,
        t1,
        p0: point(t0, e0),
        p1: point(t1, e1),
    })
}

/// One radial centre: avenues out from it and ring roads around it.
struct Centre {
    /// Where it is (world metres, `x, z`).
    at: DVec2,
    /// Ring radii (metres), inner first; the avenues end at the last.
    rings: Vec<f64>,
    /// Number of avenues.
    spokes: u32,
    /// Angle of the first avenue (radians): on a corner of the rings, so
    /// that every avenue ends exactly on a corner of the outer ring.
    turn: f64,
    /// Corners of each ring polygon (a multiple of `spokes`), the first at
    /// angle 0.
    corners: u32,
    /// Seed of its segment keys (the spec's seed for the main centre).
    seed: u64,
}

impl Centre {
    /// Adds the segments that may come near the rectangle `x0..x1, z0..z1`.
    fn roads(&self, out: &mut Vec<Seg>, x0: f64, z0: f64, x1: f64, z1: f64) {
        let reach = self.rings.last().copied().unwrap_or(0.0);
        // Distances from the centre to the rectangle's nearest and farthest points.
        let (ax0, ax1, az0, az1) = (
            x0 - self.at.x,
            x1 - self.at.x,
            z0 - self.at.y,
            z1 - self.at.y,
        );
        let gap = |lo: f64, hi: f64| {
            if lo > 0.0 {
                lo
            } else if hi < 0.0 {
                -hi
            } else {
                0.0
            }
        };
        let near = gap(ax0, ax1).hypot(gap(az0, az1));
        let far = ax0.abs().max(ax1.abs()).hypot(az0.abs().max(az1.abs()));
        if near > reach + 10.0 {
            return;
        }
        for k in 0..self.spokes {
            let ang = self.turn + f64::from(k) * std::f64::consts::TAU / f64::from(self.spokes);
            let dir = DVec2::new(ang.cos(), ang.sin());
            let m0 = ((near - PLAZA) / SPOKE_STEP).floor().max(0.0) as i64;
            let m1 = ((far.min(reach) - PLAZA) / SPOKE_STEP).ceil() as i64;
            for m in m0..=m1 {
                let r0 = PLAZA + m as f64 * SPOKE_STEP;
                let r1 = (r0 + SPOKE_STEP).min(reach);
                if r1 <= r0 {
                    break;
                }
                let (p, q) = (self.at + dir * r0, self.at + dir * r1);
                out.push(
                    Seg::new(
                        p,
                        q,
                        RoadClass::Arterial,
                        hash_key(self.seed, TAG_SPOKE, i64::from(k), m),
                    )
                    .continuing(p, m > 0, r1 < reach),
                );
            }
        }
        for (ri, radius) in self.rings.iter().copied().enumerate() {
            if radius + 10.0 < near || radius - 10.0 > far {
                continue;
            }
            let n = self.corners;
            for k in 0..n {
                let a0 = f64::from(k) / f64::from(n) * std::f64::consts::TAU;
                let a1 = f64::from(k + 1) / f64::from(n) * std::f64::consts::TAU;
                let p = self.at + DVec2::new(a0.cos(), a0.sin()) * radius;
                let q = self.at + DVec2::new(a1.cos(), a1.sin()) * radius;
                out.push(
                    Seg::new(
                        p,
                        q,
                        RoadClass::Arterial,
                        hash_key(self.seed, TAG_RING, ri as i64, i64::from(k)),
                    )
                    .continuing(p, true, true),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_points_agree_between_neighbours() {
        let s = Seg::new(
            DVec2::new(100.3, 17.1),
            DVec2::new(171.9, 40.77),
            RoadClass::Local,
            0,
        );
        let a = clip(&s, [0.0, 0.0, 128.0, 128.0]).expect("crosses");
        let b = clip(&s, [128.0, 0.0, 256.0, 128.0]).expect("crosses");
        assert_eq!(a.p1, b.p0);
        assert_eq!(a.p1.x, 128.0);
    }
}

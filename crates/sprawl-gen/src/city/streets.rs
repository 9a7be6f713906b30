//! A chunk's streets: the road graph (split at crossings, continuous across
//! chunk edges), road and sidewalk surfaces, and bridge decks over water.

use super::fields::{Fields, WaterKind};
use super::network::{SIDEWALK, Seg, clip, surface_width};
use super::noise::hash_key;
use super::{Builder, shapes};
use glam::{DVec2, Vec3};
use sprawl_world::{
    MaterialId, MaterialKind, MeshData, PhysicsShape, RoadEdge, RoadGraph, RoadNode, SemanticClass,
};
use std::cell::RefCell;
use std::collections::HashMap;

/// Longest straight run of a road mesh before it is re-draped on the ground (metres).
const DRAPE_STEP: f64 = 4.0;

/// Ground and road heights along one piece, each evaluated once: the road
/// strip, both sidewalks, both kerbs, the bridge decks and the water test
/// all ask for the same points (a centreline point, or a point at one of
/// four lateral offsets). Pure memoisation: the values are the fields' own.
struct Ground<'a> {
    fields: &'a Fields<'a>,
    point: &'a dyn Fn(f64) -> DVec2,
    side: DVec2,
    /// The lateral offsets asked for (metres).
    offsets: [f64; 4],
    /// Per parameter `t` (sorted): ground height at the centreline, then at
    /// each offset; NaN until asked.
    memo: RefCell<Vec<(f64, [f64; 5])>>,
}

impl Ground<'_> {
    fn entry(&self, t: f64, slot: usize, q: impl FnOnce() -> DVec2) -> f64 {
        let mut memo = self.memo.borrow_mut();
        let k = match memo.binary_search_by(|e| e.0.total_cmp(&t)) {
            Ok(k) => k,
            Err(k) => {
                memo.insert(k, (t, [f64::NAN; 5]));
                k
            }
        };
        let v = &mut memo[k].1[slot];
        if v.is_nan() {
            let q = q();
            *v = self.fields.height(q.x, q.y);
        }
        *v
    }

    /// Ground height at the centreline point of `t`.
    fn centre(&self, t: f64) -> f64 {
        self.entry(t, 0, || (self.point)(t))
    }

    /// `fields.road_height` at the centreline point of `t`.
    fn road(&self, t: f64) -> f64 {
        self.fields.road_height_over(self.centre(t))
    }

    /// Ground height `o` metres right of the centreline point of `t`.
    fn edge(&self, t: f64, o: f64) -> f64 {
        let q = || (self.point)(t) + self.side * o;
        match self.offsets.iter().position(|x| *x == o) {
            Some(i) => self.entry(t, i + 1, q),
            None => {
                let q = q();
                self.fields.height(q.x, q.y)
            }
        }
    }
}

/// A segment's part inside the chunk.
struct Piece {
    seg: usize,
    t0: f64,
    t1: f64,
    p0: DVec2,
    p1: DVec2,
}

/// Builds the road graph and street objects of the chunk.
pub fn generate(fields: &Fields, segs: &[Seg], out: &mut Builder) -> RoadGraph {
    let (pieces, touches) = pieces(segs, out);
    for p in &pieces {
        surfaces(fields, segs, &segs[p.seg], p, out);
    }
    graph(fields, segs, &pieces, &touches, out)
}

/// The road graph of the chunk alone, as [`generate`] makes it, without
/// the street objects.
pub fn graph_only(fields: &Fields, segs: &[Seg], out: &Builder) -> RoadGraph {
    let (pieces, touches) = pieces(segs, out);
    graph(fields, segs, &pieces, &touches, out)
}

/// The pieces of the segments inside the chunk, and the points where a
/// segment only touches it.
fn pieces(segs: &[Seg], out: &Builder) -> (Vec<Piece>, Vec<DVec2>) {
    let mut pieces = Vec::new();
    let mut touches = Vec::new();
    for (i, s) in segs.iter().enumerate() {
        // A segment lying exactly on a shared edge belongs to the chunk east/south of it.
        let d = s.b - s.a;
        if (d.x == 0.0 && s.a.x == out.rect[2]) || (d.y == 0.0 && s.a.y == out.rect[3]) {
            continue;
        }
        let Some(c) = clip(s, out.rect) else { continue };
        if (c.p1 - c.p0).length() < 0.01 {
            touches.push(c.p0);
        } else {
            pieces.push(Piece {
                seg: i,
                t0: c.t0,
                t1: c.t1,
                p0: c.p0,
                p1: c.p1,
            });
        }
    }
    (pieces, touches)
}

fn graph(
    fields: &Fields,
    segs: &[Seg],
    pieces: &[Piece],
    touches: &[DVec2],
    out: &Builder,
) -> RoadGraph {
    // Split points per piece: crossings, T-junctions and points where a road
    // of a neighbour chunk touches this one.
    let mut splits: Vec<Vec<(f64, DVec2)>> = pieces.iter().map(|_| Vec::new()).collect();
    let param_of = |p: &Piece, q: DVec2| -> Option<f64> {
        let d = p.p1 - p.p0;
        let t = (q - p.p0).dot(d) / d.length_squared();
        (t > 1e-7 && t < 1.0 - 1e-7 && (p.p0 + d * t - q).length() < 0.01).then_some(t)
    };
    for i in 0..pieces.len() {
        for j in (i + 1)..pieces.len() {
            let (a, b) = (&pieces[i], &pieces[j]);
            let (r, s) = (a.p1 - a.p0, b.p1 - b.p0);
            let den = r.perp_dot(s);
            if den.abs() > 1e-12 {
                let t = (b.p0 - a.p0).perp_dot(s) / den;
                let u = (b.p0 - a.p0).perp_dot(r) / den;
                let inner = |v: f64| v > 1e-7 && v < 1.0 - 1e-7;
                if inner(t) && inner(u) {
                    let x = a.p0 + r * t;
                    splits[i].push((t, x));
                    splits[j].push((u, x));
                    continue;
                }
            }
            for q in [b.p0, b.p1] {
                if let Some(t) = param_of(a, q) {
                    splits[i].push((t, q));
                }
            }
            for q in [a.p0, a.p1] {
                if let Some(u) = param_of(b, q) {
                    splits[j].push((u, q));
                }
            }
        }
        for q in touches {
            if let Some(t) = param_of(&pieces[i], *q) {
                splits[i].push((t, *q));
            }
        }
    }

    let mut g = RoadGraph::default();
    let mut index: HashMap<(i64, i64), u32> = HashMap::new();
    let mut node = |g: &mut RoadGraph, p: DVec2| -> u32 {
        let key = ((p.x * 100.0).round() as i64, (p.y * 100.0).round() as i64);
        *index.entry(key).or_insert_with(|| {
            g.nodes.push(RoadNode {
                position: [p.x as f32, fields.road_height(p.x, p.y) as f32, p.y as f32],
                boundary: false,
            });
            (g.nodes.len() - 1) as u32
        })
    };
    let mut seen = std::collections::HashSet::new();
    let mut ends: Vec<(DVec2, DVec2)> = Vec::new();
    for (k, p) in pieces.iter().enumerate() {
        let mut pts = vec![(0.0, p.p0)];
        let mut sp = splits[k].clone();
        sp.sort_by(|x, y| x.0.total_cmp(&y.0));
        pts.extend(sp);
        pts.push((1.0, p.p1));
        let class = segs[p.seg].class;
        for w in pts.windows(2) {
            let (a, b) = (w[0].1, w[1].1);
            if (b - a).length() < 0.01 {
                continue;
            }
            let (from, to) = (node(&mut g, a), node(&mut g, b));
            if from == to || !seen.insert((from.min(to), from.max(to))) {
                continue;
            }
            let mid = (a + b) * 0.5;
            // Pieces and their splits run along the segment's `a → b`.
            let (lanes_forward, lanes_backward) = segs[p.seg].lanes();
            g.edges.push(RoadEdge {
                from,
                to,
                class,
                lanes_forward,
                lanes_backward,
                bridge: fields.water(mid.x, mid.y) != WaterKind::Land,
            });
            ends.push((a, b));
        }
    }
    // A boundary node is where a road leaves the chunk: it lies on an edge
    // and some network segment through it goes on beyond that edge.
    let [x0, z0, x1, z1] = out.rect;
    // "Beyond" by more than the 1 cm under which a piece counts as a mere touch.
    let beyond = |p: DVec2, q: DVec2| {
        (p.x == x0 && q.x < x0 - 0.01)
            || (p.x == x1 && q.x > x1 + 0.01)
            || (p.y == z0 && q.y < z0 - 0.01)
            || (p.y == z1 && q.y > z1 + 0.01)
    };
    for node in &mut g.nodes {
        let p = DVec2::new(f64::from(node.position[0]), f64::from(node.position[2]));
        let exact = ends
            .iter()
            .flat_map(|(a, b)| [*a, *b])
            .find(|e| (*e - p).length() < 0.02);
        let Some(p) = exact else { continue };
        node.boundary = segs
            .iter()
            .any(|s| s.distance(p) < 0.01 && (beyond(p, s.a) || beyond(p, s.b)));
    }
    g
}

/// Road surface, sidewalks and bridge decks of one piece.
fn surfaces(fields: &Fields, segs: &[Seg], seg: &Seg, p: &Piece, out: &mut Builder) {
    let len = seg.len();
    let dir = (seg.b - seg.a) / len;
    let side = DVec2::new(-dir.y, dir.x);
    let half = surface_width(seg.class) * 0.5;
    // Sample parameters: the piece ends plus a fixed global spacing, so that
    // vertices line up whichever chunk draws them.
    let dt = DRAPE_STEP / len;
    let mut ts = vec![p.t0];
    let mut k = (p.t0 / dt).floor() + 1.0;
    while k * dt < p.t1 - 1e-9 {
        ts.push(k * dt);
        k += 1.0;
    }
    ts.push(p.t1);
    let point = |t: f64| {
        if t == p.t0 {
            p.p0
        } else if t == p.t1 {
            p.p1
        } else {
            seg.at(t)
        }
    };

    let ground = Ground {
        fields,
        point: &point,
        side,
        offsets: [-half - SIDEWALK, -half, half, half + SIDEWALK],
        memo: RefCell::new(Vec::with_capacity(ts.len() + 2)),
    };
    let mut road = shapes::mesh(MaterialId::of(MaterialKind::Asphalt));
    strip(&mut road, out, &ground, &ts, -half, half, 0.0, len);
    let key = seg.key ^ ((p.t0 * 1e6) as i64 as u64).wrapping_mul(0x9e37_79b9);
    out.push_trimesh(
        hash_key(out.seed, 0x20ad, key as i64, 0),
        SemanticClass::Road,
        road,
    );

    // Sidewalks stop where they reach the carriageway of the widest road
    // that meets this segment at each end, so the corners close up.
    let trim_at = |end: DVec2| {
        segs.iter()
            .filter(|o| !std::ptr::eq(*o, seg) && (o.a == end || o.b == end))
            .map(|o| surface_width(o.class) * 0.5)
            .fold(0.0, f64::max)
            / len
    };
    let (s0, s1) = (p.t0.max(trim_at(seg.a)), p.t1.min(1.0 - trim_at(seg.b)));
    if s1 > s0 {
        let walk_ts: Vec<f64> = std::iter::once(s0)
            .chain(ts.iter().copied().filter(|t| *t > s0 && *t < s1))
            .chain(std::iter::once(s1))
            .collect();
        let mut walk = shapes::mesh(MaterialId::of(MaterialKind::Paving));
        strip(
            &mut walk,
            out,
            &ground,
            &walk_ts,
            half,
            half + SIDEWALK,
            0.15,
            len,
        );
        strip(
            &mut walk,
            out,
            &ground,
            &walk_ts,
            -half - SIDEWALK,
            -half,
            0.15,
            len,
        );
        for edge in [half, -half] {
            kerb(&mut walk, out, &ground, &walk_ts, edge);
        }
        out.push_trimesh(
            hash_key(out.seed, 0x51de, key as i64, 0),
            SemanticClass::Sidewalk,
            walk,
        );
    }

    // Bridge decks under the stretches over water.
    let wet: Vec<bool> = ts
        .iter()
        .map(|t| {
            // `fields.water` is `Land` whenever the ground is at or above the level.
            ground.centre(*t) < fields.level && {
                let q = point(*t);
                fields.water(q.x, q.y) != WaterKind::Land
            }
        })
        .collect();
    let mut k = 0;
    while k < ts.len() {
        if !wet[k] {
            k += 1;
            continue;
        }
        let start = k.saturating_sub(1);
        while k < ts.len() && wet[k] {
            k += 1;
        }
        let end = k.min(ts.len() - 1);
        if end > start {
            deck(&ground, &ts[start..=end], half, key, start, out);
        }
    }
}

/// Adds a strip between lateral offsets `o0..o1` (metres, right of the
/// direction), raised `lift` metres above the road surface.
#[allow(clippy::too_many_arguments)]
fn strip(
    mesh: &mut MeshData,
    out: &Builder,
    ground: &Ground,
    ts: &[f64],
    o0: f64,
    o1: f64,
    lift: f64,
    len: f64,
) {
    let base = mesh.positions.len() as u32;
    for t in ts {
        let c = (ground.point)(*t);
        for o in [o0, o1] {
            let q = c + ground.side * o;
            let y = ground.road(*t).max(ground.edge(*t, o) + 0.05) + lift;
            let v = out.local(q, y);
            mesh.push_vertex(v.to_array(), [0.0, 1.0, 0.0], [o as f32, (t * len) as f32]);
        }
    }
    for k in 0..ts.len() as u32 - 1 {
        let (a, b, c, d) = (
            base + 2 * k,
            base + 2 * k + 1,
            base + 2 * k + 2,
            base + 2 * k + 3,
        );
        // Winding for +Y normals given `side` is the right-hand normal of the direction.
        mesh.indices.extend_from_slice(&[a, b, c, b, d, c]);
    }
    if out.meshes() {
        fix_normals(mesh, base);
    }
}

/// The kerb: a vertical face along a sidewalk's road edge, from the sidewalk
/// surface down below the road, so no gap shows under the sidewalk.
/// `offset` is the lateral offset of the kerb (metres, signed).
fn kerb(mesh: &mut MeshData, out: &Builder, ground: &Ground, ts: &[f64], offset: f64) {
    let edge = ground.side * offset;
    for pair in ts.windows(2) {
        let (a, b) = ((ground.point)(pair[0]), (ground.point)(pair[1]));
        let (qa, qb) = (a + edge, b + edge);
        let top = |t: f64| ground.road(t).max(ground.edge(t, offset) + 0.05) + 0.15;
        let (ta, tb) = (top(pair[0]), top(pair[1]));
        let quad = [
            out.local(qa, ta - 0.45),
            out.local(qb, tb - 0.45),
            out.local(qb, tb),
            out.local(qa, ta),
        ];
        // Face the road: the inside of the kerb is away from the centreline.
        let away = out.local(a + edge * 1.5, ta);
        shapes::face(mesh, &quad, away);
    }
}

/// Replaces the placeholder normals from `base` on with area-weighted face normals, facing up.
fn fix_normals(mesh: &mut MeshData, base: u32) {
    let first_tri = mesh
        .indices
        .iter()
        .position(|i| *i >= base)
        .unwrap_or(mesh.indices.len())
        / 3;
    let mut acc = vec![Vec3::ZERO; mesh.positions.len() - base as usize];
    for t in mesh.indices[first_tri * 3..].chunks_exact(3) {
        let [a, b, c] = [t[0], t[1], t[2]].map(|i| Vec3::from(mesh.positions[i as usize]));
        let mut n = (b - a).cross(c - a);
        if n.y < 0.0 {
            n = -n;
        }
        for i in t {
            acc[(*i - base) as usize] += n;
        }
    }
    for (k, n) in acc.into_iter().enumerate() {
        mesh.normals[base as usize + k] = n.try_normalize().unwrap_or(Vec3::Y).to_array();
    }
}

fn deck(ground: &Ground, ts: &[f64], half: f64, key: u64, start: usize, out: &mut Builder) {
    let side = ground.side;
    let mut mesh = shapes::mesh(MaterialId::of(MaterialKind::Concrete));
    let w = half + 0.6;
    for pair in ts.windows(2) {
        let (a, b) = ((ground.point)(pair[0]), (ground.point)(pair[1]));
        let (ya, yb) = (ground.road(pair[0]) - 0.05, ground.road(pair[1]) - 0.05);
        let corners = |y_off: f64| {
            [
                out.local(a - side * w, ya + y_off),
                out.local(a + side * w, ya + y_off),
                out.local(b + side * w, yb + y_off),
                out.local(b - side * w, yb + y_off),
            ]
        };
        let (top, bot) = (corners(0.0), corners(-1.0));
        let inside = (top.iter().chain(&bot).copied().sum::<Vec3>()) / 8.0;
        for k in 0..4 {
            shapes::face(
                &mut mesh,
                &[bot[k], bot[(k + 1) % 4], top[(k + 1) % 4], top[k]],
                inside,
            );
        }
        shapes::face(&mut mesh, &bot, inside);
        // Parapets: low walls along both edges.
        for s in [-1.0, 1.0] {
            let e0 = a + side * w * s;
            let e1 = b + side * w * s;
            let inn = -side * 0.3 * s;
            let ring = [
                out.local(e0, ya),
                out.local(e1, yb),
                out.local(e1 + inn, yb),
                out.local(e0 + inn, ya),
            ];
            shapes::prism(&mut mesh, &ring, 1.0, false);
        }
    }
    let key = hash_key(out.seed, 0xb41d, key as i64, start as i64);
    if mesh.is_empty() {
        let transform = out.chunk_transform();
        out.push(
            key,
            SemanticClass::Bridge,
            transform,
            PhysicsShape::None,
            mesh,
        );
    } else {
        out.push_trimesh(key, SemanticClass::Bridge, mesh);
    }
}

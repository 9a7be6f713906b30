//! The road network stitched over chunks, lane and sidewalk geometry, and
//! routes along it.
//!
//! Each chunk's graph has boundary nodes exactly on its edges, at the same
//! bits as the neighbour's, so nodes are merged by position (to the
//! centimetre). Choices (which way to turn) are hashed from the seed and
//! sorted by a stable edge key, so they do not depend on the order chunks
//! arrived in.

use glam::Vec3;
use sprawl_world::hash::mix64;
use sprawl_world::{ChunkCoord, RoadClass, RoadGraph, lane_offset};
use std::collections::{HashMap, HashSet};

/// Width of a sidewalk (metres); `sprawl-gen`'s `network::SIDEWALK`.
pub(crate) const SIDEWALK: f32 = 2.5;

/// Half the paved width between the sidewalks (metres): the carriageway plus,
/// on local streets, the parking lanes (`sprawl-gen`'s `network::surface_width`).
pub(crate) fn surface_half_width(class: RoadClass) -> f32 {
    0.5 * (class.width() + if class == RoadClass::Local { 4.4 } else { 0.0 })
}

/// Offset of a sidewalk's centre line from the road centre line (metres).
pub(crate) fn sidewalk_offset(class: RoadClass) -> f32 {
    surface_half_width(class) + 0.5 * SIDEWALK
}

/// One edge of the stitched network.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NetEdge {
    /// Start node.
    pub a: u32,
    /// End node.
    pub b: u32,
    /// Road class.
    pub class: RoadClass,
    /// Lanes `a → b`.
    pub fwd: u8,
    /// Lanes `b → a`.
    pub bwd: u8,
    /// Length in plan (metres).
    pub len: f32,
    /// Stable key: owning chunk and index in its graph.
    pub key: (ChunkCoord, u32),
}

impl NetEdge {
    /// Carriageway width (metres), parking lanes excluded.
    pub fn width_m(&self) -> f32 {
        self.class.lane_width() * f32::from(self.fwd + self.bwd)
    }
}

/// A directed way along an edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Way {
    /// Edge index.
    pub edge: u32,
    /// Whether it runs `a → b`.
    pub forward: bool,
}

/// The stitched road network of every chunk added so far.
#[derive(Default)]
pub(crate) struct RoadNet {
    /// Node positions (metres; `y` is the road surface).
    pub nodes: Vec<Vec3>,
    /// Whether a node lies on a chunk edge (a road goes on in the neighbour).
    pub boundary: Vec<bool>,
    node_of: HashMap<(i64, i64), u32>,
    /// Edges.
    pub edges: Vec<NetEdge>,
    /// Edges touching each node, sorted by key.
    pub incident: Vec<Vec<u32>>,
    /// Edges owned by each chunk.
    pub by_chunk: HashMap<ChunkCoord, Vec<u32>>,
    chunks: HashSet<ChunkCoord>,
}

impl RoadNet {
    /// Whether chunk `c`'s graph is in.
    pub fn has(&self, c: ChunkCoord) -> bool {
        self.chunks.contains(&c)
    }

    /// Adds a chunk's road graph (once).
    pub fn add(&mut self, coord: ChunkCoord, g: &RoadGraph) {
        if !self.chunks.insert(coord) {
            return;
        }
        let ids: Vec<u32> = g
            .nodes
            .iter()
            .map(|n| {
                let p = Vec3::from(n.position);
                let key = ((p.x * 100.0).round() as i64, (p.z * 100.0).round() as i64);
                let id = *self.node_of.entry(key).or_insert_with(|| {
                    self.nodes.push(p);
                    self.boundary.push(false);
                    self.incident.push(Vec::new());
                    (self.nodes.len() - 1) as u32
                });
                if n.boundary {
                    self.boundary[id as usize] = true;
                }
                id
            })
            .collect();
        let mut mine = Vec::with_capacity(g.edges.len());
        for (i, e) in g.edges.iter().enumerate() {
            let (a, b) = (ids[e.from as usize], ids[e.to as usize]);
            if a == b {
                continue;
            }
            let (pa, pb) = (self.nodes[a as usize], self.nodes[b as usize]);
            let len = ((pb.x - pa.x).powi(2) + (pb.z - pa.z).powi(2)).sqrt();
            let id = self.edges.len() as u32;
            self.edges.push(NetEdge {
                a,
                b,
                class: e.class,
                fwd: e.lanes_forward,
                bwd: e.lanes_backward,
                len,
                key: (coord, i as u32),
            });
            for n in [a, b] {
                let list = &mut self.incident[n as usize];
                list.push(id);
                let edges = &self.edges;
                list.sort_by_key(|k| edges[*k as usize].key);
            }
            mine.push(id);
        }
        self.by_chunk.insert(coord, mine);
    }

    /// Start and end node of a way.
    pub fn ends(&self, w: Way) -> (u32, u32) {
        let e = self.edges[w.edge as usize];
        if w.forward { (e.a, e.b) } else { (e.b, e.a) }
    }

    /// Lanes along a way.
    pub fn lanes(&self, w: Way) -> u8 {
        let e = self.edges[w.edge as usize];
        if w.forward { e.fwd } else { e.bwd }
    }

    /// A line beside a way: `offset` metres to the right of its centre line, start to end.
    pub fn offset_line(&self, w: Way, offset: f32) -> (Vec3, Vec3) {
        let (a, b) = self.ends(w);
        let (pa, pb) = (self.nodes[a as usize], self.nodes[b as usize]);
        let d = Vec3::new(pb.x - pa.x, 0.0, pb.z - pa.z).normalize_or_zero();
        // Right-hand normal of the direction in a Y-up right-handed frame.
        let right = Vec3::new(-d.z, 0.0, d.x);
        (pa + right * offset, pb + right * offset)
    }

    /// Centre line of lane `k` of a way (0 = next to the opposing traffic,
    /// or the left kerb of a one-way street; see [`lane_offset`]).
    pub fn lane_line(&self, w: Way, k: u8) -> (Vec3, Vec3) {
        let e = self.edges[w.edge as usize];
        let (this, opposite) = if w.forward {
            (e.fwd, e.bwd)
        } else {
            (e.bwd, e.fwd)
        };
        self.offset_line(w, lane_offset(e.class.lane_width(), this, opposite, k))
    }

    /// Chunks around a boundary node that may hold the road's continuation.
    pub fn chunks_around(&self, node: u32, chunk_size: f32) -> [ChunkCoord; 4] {
        let p = self.nodes[node as usize];
        let e = 0.5;
        [
            ChunkCoord::containing(p.x - e, p.z - e, chunk_size),
            ChunkCoord::containing(p.x + e, p.z - e, chunk_size),
            ChunkCoord::containing(p.x - e, p.z + e, chunk_size),
            ChunkCoord::containing(p.x + e, p.z + e, chunk_size),
        ]
    }

    /// The ways leaving the end of `w`, in stable order, that have lanes
    /// (`need_lanes`) or any way at all (pedestrians); U-turns excluded.
    pub fn next_ways(&self, w: Way, need_lanes: bool, out: &mut Vec<Way>) {
        out.clear();
        let (_, end) = self.ends(w);
        for &k in &self.incident[end as usize] {
            if k == w.edge {
                continue;
            }
            let e = self.edges[k as usize];
            let nw = Way {
                edge: k,
                forward: e.a == end,
            };
            if !need_lanes || self.lanes(nw) > 0 {
                out.push(nw);
            }
        }
    }

    /// Picks one of the ways leaving `w` from a hash; `None` at a dead end
    /// or where the network is not known yet.
    pub fn pick_next(&self, w: Way, need_lanes: bool, h: u64, buf: &mut Vec<Way>) -> Option<Way> {
        self.next_ways(w, need_lanes, buf);
        if buf.is_empty() {
            None
        } else {
            Some(buf[(mix64(h) % buf.len() as u64) as usize])
        }
    }
}

/// A route: a polyline from the spawn to the goal.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Route {
    /// Points (metres).
    pub points: Vec<Vec3>,
    /// Distance along the route at each point (metres).
    pub cum: Vec<f32>,
    /// Whether distances are measured in 3D (drones) or in plan.
    pub three_d: bool,
}

impl Route {
    /// A route through `points`.
    pub fn new(points: Vec<Vec3>, three_d: bool) -> Self {
        let mut cum = Vec::with_capacity(points.len());
        let mut acc = 0.0;
        for (i, p) in points.iter().enumerate() {
            if i > 0 {
                acc += dist(points[i - 1], *p, three_d);
            }
            cum.push(acc);
        }
        Self {
            points,
            cum,
            three_d,
        }
    }

    /// Total length (metres).
    pub fn length(&self) -> f32 {
        self.cum.last().copied().unwrap_or(0.0)
    }

    /// The goal (last point).
    pub fn goal(&self) -> Vec3 {
        self.points.last().copied().unwrap_or(Vec3::ZERO)
    }

    /// The point `s` metres along the route (clamped) and the direction there.
    pub fn at(&self, s: f32) -> (Vec3, Vec3) {
        let n = self.points.len();
        if n < 2 {
            return (self.goal(), Vec3::NEG_Z);
        }
        let s = s.clamp(0.0, self.length());
        let i = match self.cum.binary_search_by(|c| c.total_cmp(&s)) {
            Ok(i) => i.min(n - 2),
            Err(i) => i.saturating_sub(1).min(n - 2),
        };
        let (a, b) = (self.points[i], self.points[i + 1]);
        let l = (self.cum[i + 1] - self.cum[i]).max(1e-6);
        let t = ((s - self.cum[i]) / l).clamp(0.0, 1.0);
        (a + (b - a) * t, (b - a).normalize_or(Vec3::NEG_Z))
    }
}

fn dist(a: Vec3, b: Vec3, three_d: bool) -> f32 {
    if three_d {
        a.distance(b)
    } else {
        ((b.x - a.x).powi(2) + (b.z - a.z).powi(2)).sqrt()
    }
}

/// Where an agent is along its route.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Tracker {
    /// Current segment.
    pub seg: usize,
    /// Distance along the route of the nearest point (metres).
    pub progress: f32,
    /// Signed distance from the route, positive to the right of it (metres).
    pub lateral: f32,
}

impl Tracker {
    /// Updates from a position, looking at a few segments around the current one.
    pub fn update(&mut self, route: &Route, p: Vec3) {
        let n = route.points.len();
        if n < 2 {
            return;
        }
        let lo = self.seg.saturating_sub(1);
        let hi = (self.seg + 4).min(n - 2);
        let mut best = (f32::INFINITY, self.seg, self.progress, 0.0);
        for i in lo..=hi {
            let (a, b) = (route.points[i], route.points[i + 1]);
            let (mut ab, mut ap) = (b - a, p - a);
            if !route.three_d {
                ab.y = 0.0;
                ap.y = 0.0;
            }
            let l2 = ab.length_squared().max(1e-9);
            let t = (ap.dot(ab) / l2).clamp(0.0, 1.0);
            let d = (ap - ab * t).length_squared();
            if d < best.0 {
                let s = route.cum[i] + (route.cum[i + 1] - route.cum[i]) * t;
                let right = Vec3::new(-ab.z, 0.0, ab.x).normalize_or_zero();
                best = (d, i, s, (ap - ab * t).dot(right));
            }
        }
        self.seg = best.1;
        self.progress = best.2;
        self.lateral = best.3;
    }
}

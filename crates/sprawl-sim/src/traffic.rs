//! Background traffic and pedestrians: cheap kinematic followers of the
//! road network's lanes and sidewalks.
//!
//! When a chunk comes within reach of an agent, followers are placed on its
//! lanes (one slot per 20 m of lane) and sidewalks (one per 15 m) with the
//! configured probability, hashed from the seed and the slot, so the same
//! seed gives the same traffic. Cars keep their gap with the intelligent
//! driver model (to cars and agents ahead in their corridor); at the end of
//! an edge they pick the next one by a hash and drive a straight connector
//! across the junction. Pedestrians walk the right-hand sidewalk and cross
//! at junctions. Followers that reach a chunk no agent is near are removed.
//!
//! Junctions (nodes where three or more roads meet) take one car at a time:
//! a car is in a junction from the moment its front reaches the junction's
//! edge (half the widest road's width plus a metre from the node) until its
//! rear has left it. Of the cars approaching a free junction (within 30 m of
//! its node) the nearest goes, ties broken by a hash; the others, and every
//! car approaching a junction that a car or an agent is in, treat the
//! junction's edge as a standing car and stop there (the intelligent driver
//! model's braking, as for a car ahead). Everything is decided from
//! positions at the start of the step, in a fixed order, so traffic stays
//! deterministic. Pedestrians do not yield and are not yielded to.

use crate::roads::{RoadNet, Way, sidewalk_offset};
use crate::sensors::Mover;
use glam::Vec3;
use sprawl_world::ChunkCoord;
use sprawl_world::hash::{StableHasher, mix64};

/// Half extents of a background car (metres).
pub(crate) const CAR_HALF: Vec3 = Vec3::new(0.9, 0.75, 2.2);
/// Half extents of a background pedestrian (metres).
pub(crate) const WALKER_HALF: Vec3 = Vec3::new(0.3, 0.9, 0.3);

/// Intelligent driver model parameters.
const IDM_ACCEL: f32 = 1.5;
const IDM_BRAKE: f32 = 3.0;
const IDM_GAP: f32 = 2.5;
const IDM_HEADWAY: f32 = 1.2;
/// How far ahead a car looks for a leader (metres).
const LOOK_AHEAD: f32 = 40.0;
/// Cars this close to a junction's node (metres) queue for it.
const APPROACH: f32 = 30.0;

/// One background car or pedestrian.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Follower {
    way: Way,
    lane: u8,
    p0: Vec3,
    p1: Vec3,
    len: f32,
    s: f32,
    /// On a connector across a junction towards `next`.
    connector: bool,
    next: Option<Way>,
    /// Speed and desired speed (m/s).
    v: f32,
    v0: f32,
    /// Position on the ground and heading.
    pub pos: Vec3,
    pub yaw: f32,
    hash: u64,
    turns: u32,
}

impl Follower {
    fn set_line(&mut self, p0: Vec3, p1: Vec3) {
        self.p0 = p0;
        self.p1 = p1;
        self.len = p0.distance(p1).max(1e-3);
        let d = p1 - p0;
        if d.x.abs() + d.z.abs() > 1e-4 {
            self.yaw = (-d.x).atan2(-d.z);
        }
    }

    fn place(&mut self) {
        let t = (self.s / self.len).clamp(0.0, 1.0);
        self.pos = self.p0 + (self.p1 - self.p0) * t;
    }
}

/// All background followers.
#[derive(Default)]
pub(crate) struct Traffic {
    /// Cars.
    pub cars: Vec<Follower>,
    /// Pedestrians.
    pub walkers: Vec<Follower>,
    buf: Vec<Way>,
    gaps: Vec<(f32, f32)>,
    heads: Vec<(f32, f32)>,
    /// Cars' ground positions (x, z) at the start of the step.
    xz: Vec<(f32, f32)>,
    /// Gap to each car ahead of the one being followed (infinite if not ahead).
    ahead: Vec<f32>,
    /// Junction nodes taken this step.
    held: Vec<u32>,
    /// Cars queueing for a junction: (distance to its node, hash, car, node).
    queue: Vec<(f32, u64, usize, u32)>,
}

/// Whether a node is a junction (three or more roads meet).
fn is_junction(net: &RoadNet, node: u32) -> bool {
    net.incident[node as usize].len() >= 3
}

/// Whether car `f` (on a lane, not a connector) is inside a junction.
fn in_junction(net: &RoadNet, f: &Follower) -> bool {
    let (start, end) = net.ends(f.way);
    (is_junction(net, end) && f.len - f.s < junction_radius(net, end) + CAR_HALF.z)
        || (is_junction(net, start) && f.s < junction_radius(net, start) + CAR_HALF.z)
}

/// Distance from a junction's node to its edge (metres): half the widest
/// road's width plus a metre.
fn junction_radius(net: &RoadNet, node: u32) -> f32 {
    net.incident[node as usize]
        .iter()
        .map(|e| 0.5 * net.edges[*e as usize].width_m())
        .fold(0.0f32, f32::max)
        + 1.0
}

fn unit(h: u64) -> f32 {
    (mix64(h) >> 40) as f32 / (1u64 << 24) as f32
}

fn car_line(net: &RoadNet, w: Way, lane: u8) -> (Vec3, Vec3) {
    let lanes = net.lanes(w).max(1);
    net.lane_line(w, lane.min(lanes - 1))
}

fn walk_line(net: &RoadNet, w: Way) -> (Vec3, Vec3) {
    let class = net.edges[w.edge as usize].class;
    net.offset_line(w, sidewalk_offset(class))
}

impl Traffic {
    /// Removes every follower.
    pub fn clear(&mut self) {
        self.cars.clear();
        self.walkers.clear();
    }

    /// Places followers on the lanes and sidewalks of chunk `coord`, away from `avoid`.
    pub fn spawn_chunk(
        &mut self,
        net: &RoadNet,
        coord: ChunkCoord,
        seed: u64,
        car_density: f32,
        walker_density: f32,
        avoid: &[Vec3],
    ) {
        let Some(edges) = net.by_chunk.get(&coord) else {
            return;
        };
        let clear = |p: Vec3, r: f32| {
            avoid
                .iter()
                .all(|a| (a.x - p.x).powi(2) + (a.z - p.z).powi(2) > r * r)
        };
        for &e in edges {
            let edge = net.edges[e as usize];
            for forward in [true, false] {
                let way = Way { edge: e, forward };
                let key = StableHasher::new()
                    .u64(seed)
                    .i64(i64::from(coord.x))
                    .i64(i64::from(coord.z))
                    .u64(u64::from(edge.key.1))
                    .u64(u64::from(forward))
                    .finish();
                if car_density > 0.0 {
                    for lane in 0..net.lanes(way) {
                        let (p0, p1) = car_line(net, way, lane);
                        let slots = (edge.len / 20.0).floor() as u32;
                        for j in 0..slots {
                            let h = mix64(key ^ (u64::from(lane) << 32 | u64::from(j)));
                            if unit(h) >= car_density {
                                continue;
                            }
                            let s = 20.0 * j as f32 + 10.0 * unit(h ^ 1);
                            let mut f = new_follower(way, lane, p0, p1, s, h, true);
                            f.place();
                            if clear(f.pos, 12.0) && !in_junction(net, &f) {
                                self.cars.push(f);
                            }
                        }
                    }
                }
                if walker_density > 0.0 {
                    let (p0, p1) = walk_line(net, way);
                    let slots = (edge.len / 15.0).floor() as u32;
                    for j in 0..slots {
                        let h = mix64(key ^ 0x5eed ^ (u64::from(j) << 8));
                        if unit(h) >= walker_density {
                            continue;
                        }
                        let s = 15.0 * j as f32 + 7.5 * unit(h ^ 1);
                        let mut f = new_follower(way, 0, p0, p1, s, h, false);
                        f.place();
                        if clear(f.pos, 4.0) {
                            self.walkers.push(f);
                        }
                    }
                }
            }
        }
    }

    /// Advances every follower by `dt`; `agents` are the agents' boxes (cars
    /// keep their distance to them); followers outside `keep` chunks are removed.
    pub fn step(
        &mut self,
        net: &RoadNet,
        dt: f32,
        agents: &[Mover],
        chunk_size: f32,
        keep: &[ChunkCoord],
    ) {
        // Leaders first, from positions at the start of the step.
        self.gaps.clear();
        self.heads.clear();
        self.heads.extend(self.cars.iter().map(|c| {
            let (s, co) = c.yaw.sin_cos();
            (-s, -co)
        }));
        self.xz.clear();
        self.xz.extend(self.cars.iter().map(|c| (c.pos.x, c.pos.z)));
        for (i, c) in self.cars.iter().enumerate() {
            let (fx, fz) = self.heads[i];
            // The nearest car ahead within a 1.8 m corridor: the test of
            // `consider` below, for every car at once on contiguous positions
            // and without branches (so that it vectorises: this loop over every
            // pair of cars was most of a step's traffic time in dense cities),
            // then the first car with the smallest gap, as `consider` picks it.
            let (cx, cz) = (c.pos.x, c.pos.z);
            self.ahead.clear();
            self.ahead.extend(self.xz.iter().map(|&(px, pz)| {
                let (dx, dz) = (px - cx, pz - cz);
                let ahead = dx * fx + dz * fz;
                let lateral = (dx * fz - dz * fx).abs();
                let seen = (ahead > 0.0) & (ahead <= LOOK_AHEAD) & (lateral <= 1.8);
                if seen {
                    ahead - CAR_HALF.z - CAR_HALF.z
                } else {
                    f32::INFINITY
                }
            }));
            self.ahead[i] = f32::INFINITY;
            let mut lead = (f32::INFINITY, usize::MAX);
            for (j, &gap) in self.ahead.iter().enumerate() {
                if gap < lead.0 {
                    lead = (gap, j);
                }
            }
            let mut best = (f32::INFINITY, 0.0f32);
            if let Some(o) = self.cars.get(lead.1) {
                let (ox, oz) = self.heads[lead.1];
                best = (lead.0, o.v * (ox * fx + oz * fz));
            }
            let mut consider = |p: Vec3, half_len: f32, v_along: f32, corridor: f32| {
                let (dx, dz) = (p.x - c.pos.x, p.z - c.pos.z);
                let ahead = dx * fx + dz * fz;
                if ahead <= 0.0 || ahead > LOOK_AHEAD {
                    return;
                }
                let lateral = (dx * fz - dz * fx).abs();
                if lateral > corridor {
                    return;
                }
                let gap = ahead - CAR_HALF.z - half_len;
                if gap < best.0 {
                    best = (gap, v_along);
                }
            };
            // Agents are given a wider berth: a car nosing into the lane counts.
            for a in agents {
                consider(a.centre, a.half.z.max(a.half.x), 0.0, 3.0);
            }
            self.gaps.push(best);
        }
        self.yield_at_junctions(net, agents);
        for (c, &(gap, v_lead)) in self.cars.iter_mut().zip(&self.gaps) {
            let free = 1.0 - (c.v / c.v0).powi(4);
            let interact = if gap.is_finite() {
                let s_star = IDM_GAP
                    + (c.v * IDM_HEADWAY
                        + c.v * (c.v - v_lead) / (2.0 * (IDM_ACCEL * IDM_BRAKE).sqrt()))
                    .max(0.0);
                (s_star / gap.max(0.1)).powi(2)
            } else {
                0.0
            };
            let a = (IDM_ACCEL * (free - interact)).max(-9.0);
            c.v = (c.v + a * dt).max(0.0);
        }
        let mut buf = std::mem::take(&mut self.buf);
        for c in &mut self.cars {
            advance(c, net, dt, true, &mut buf);
        }
        for w in &mut self.walkers {
            advance(w, net, dt, false, &mut buf);
        }
        self.buf = buf;
        let inside = |f: &Follower| {
            f.len > 0.0
                && keep
                    .binary_search(&ChunkCoord::containing(f.pos.x, f.pos.z, chunk_size))
                    .is_ok()
        };
        self.cars.retain(inside);
        self.walkers.retain(inside);
    }

    /// Stop lines for cars that must wait at a junction (see the module docs).
    fn yield_at_junctions(&mut self, net: &RoadNet, agents: &[Mover]) {
        self.held.clear();
        self.queue.clear();
        for (i, c) in self.cars.iter().enumerate() {
            let (start, end) = net.ends(c.way);
            if c.connector {
                self.held.push(end);
                continue;
            }
            // The lane runs node to node: its remaining length is the distance to the node.
            let to_end = c.len - c.s;
            if is_junction(net, end) {
                let r = junction_radius(net, end);
                if to_end < r + CAR_HALF.z {
                    self.held.push(end);
                    continue;
                }
                if to_end < APPROACH {
                    self.queue.push((to_end, c.hash, i, end));
                }
            }
            if is_junction(net, start) && c.s < junction_radius(net, start) + CAR_HALF.z {
                self.held.push(start);
            }
        }
        self.queue
            .sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for k in 0..self.queue.len() {
            let (to_end, _, i, node) = self.queue[k];
            let r = junction_radius(net, node);
            let at = net.nodes[node as usize];
            let agent_in = agents.iter().any(|a| {
                let reach = r + a.half.x.hypot(a.half.z);
                (a.centre.y - at.y).abs() < a.half.y + 3.0
                    && (a.centre.x - at.x).powi(2) + (a.centre.z - at.z).powi(2) < reach * reach
            });
            if agent_in || self.held.contains(&node) {
                // The junction's edge is a standing car.
                let gap = to_end - r - CAR_HALF.z;
                if gap < self.gaps[i].0 {
                    self.gaps[i] = (gap, 0.0);
                }
            } else {
                self.held.push(node);
            }
        }
    }

    /// Every follower's box and speed, cars first.
    pub fn states(&self) -> Vec<crate::TrafficState> {
        let one = |f: &Follower, half: Vec3, car: bool| crate::TrafficState {
            centre: (f.pos + Vec3::Y * half.y).to_array(),
            yaw: f.yaw,
            half_extents: half.to_array(),
            speed: f.v,
            car,
        };
        self.cars
            .iter()
            .map(|c| one(c, CAR_HALF, true))
            .chain(self.walkers.iter().map(|w| one(w, WALKER_HALF, false)))
            .collect()
    }

    /// Appends every follower's box to `out`.
    pub fn movers(&self, out: &mut Vec<Mover>) {
        for c in &self.cars {
            out.push(Mover::new(
                c.pos + Vec3::Y * CAR_HALF.y,
                c.yaw,
                CAR_HALF,
                u32::MAX,
                true,
            ));
        }
        for w in &self.walkers {
            out.push(Mover::new(
                w.pos + Vec3::Y * WALKER_HALF.y,
                w.yaw,
                WALKER_HALF,
                u32::MAX,
                false,
            ));
        }
    }
}

fn new_follower(way: Way, lane: u8, p0: Vec3, p1: Vec3, s: f32, h: u64, car: bool) -> Follower {
    let v0 = if car {
        7.0 + 5.0 * unit(h ^ 2)
    } else {
        1.1 + 0.5 * unit(h ^ 2)
    };
    let mut f = Follower {
        way,
        lane,
        p0,
        p1,
        len: 1.0,
        s,
        connector: false,
        next: None,
        v: v0 * 0.8,
        v0,
        pos: p0,
        yaw: 0.0,
        hash: h,
        turns: 0,
    };
    f.set_line(p0, p1);
    f.s = s.min(f.len);
    f
}

/// Moves a follower along its line, onto connectors and next edges.
fn advance(f: &mut Follower, net: &RoadNet, dt: f32, car: bool, buf: &mut Vec<Way>) {
    f.s += f.v * dt;
    let mut guard = 0;
    while f.s >= f.len && guard < 4 {
        guard += 1;
        let over = f.s - f.len;
        if f.connector {
            let w = f.next.take().unwrap_or(f.way);
            f.way = w;
            f.connector = false;
            let (p0, p1) = if car {
                car_line(net, w, f.lane)
            } else {
                walk_line(net, w)
            };
            f.set_line(p0, p1);
            f.s = over;
        } else {
            f.turns += 1;
            let h = f.hash ^ u64::from(f.turns).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            let (_, end) = net.ends(f.way);
            let back = Way {
                edge: f.way.edge,
                forward: !f.way.forward,
            };
            let next = match net.pick_next(f.way, car, h, buf) {
                Some(n) => n,
                // The road goes on in a chunk nobody is near, or a one-way
                // street ends where a car cannot turn round: leave.
                None if net.boundary[end as usize] || (car && net.lanes(back) == 0) => {
                    f.len = 0.0;
                    return;
                }
                None => back,
            };
            let (q0, _) = if car {
                car_line(net, next, f.lane)
            } else {
                walk_line(net, next)
            };
            let from = f.p1;
            f.next = Some(next);
            f.connector = true;
            f.set_line(from, q0);
            f.s = over;
        }
    }
    f.place();
}

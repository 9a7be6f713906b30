//! Fixtures shared by the simulator's tests.
#![allow(dead_code)]

use glam::{Vec2, Vec3};
use sprawl_sim::{EGO_LEN, LidarConfig, ROUTE_LEN, SensorConfig, Sim, SimConfig, WorldSource};
use sprawl_world::{Chunk, ChunkCoord, PhysicsShape, SemanticClass, WorldSpec};

/// A world with no traffic, one agent of `kind`, a 120-beam lidar.
pub fn quiet(kind: &str) -> SimConfig {
    SimConfig {
        world: WorldSource::Spec(Box::default()),
        agents: vec![kind.to_owned()],
        traffic_density: 0.0,
        pedestrian_density: 0.0,
        sensors: SensorConfig {
            lidar: Some(LidarConfig {
                rays: 120,
                channels: 1,
                range: 50.0,
                vertical_fov: 0.0,
            }),
            depth: None,
            semantic: None,
        },
        max_steps: 1000,
        dt: 0.1,
        stream_radius: 60.0,
    }
}

/// A city of downtown only (so its grid's local streets are one-way).
pub fn downtown(seed: u64) -> WorldSpec {
    WorldSpec {
        seed,
        districts: sprawl_world::DistrictMix {
            downtown: 1.0,
            midrise: 0.0,
            residential: 0.0,
            industrial: 0.0,
            park: 0.0,
        },
        ..WorldSpec::default()
    }
}

/// The chunks a sim of the default spec with `seed` has live, as generated.
pub fn live_chunks(sim: &Sim, seed: u64) -> Vec<Chunk> {
    let spec = WorldSpec {
        seed,
        ..WorldSpec::default()
    };
    sim.loaded_chunk_coords()
        .into_iter()
        .map(|c: ChunkCoord| sprawl_gen::generate_chunk(&spec, c))
        .collect()
}

/// Convex hull of plan points (counter-clockwise in x, z).
fn hull2(mut pts: Vec<Vec2>) -> Vec<Vec2> {
    pts.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
    pts.dedup();
    if pts.len() < 3 {
        return pts;
    }
    let cross = |o: Vec2, a: Vec2, b: Vec2| (a - o).perp_dot(b - o);
    let mut lower: Vec<Vec2> = Vec::new();
    for p in &pts {
        while lower.len() >= 2 && cross(lower[lower.len() - 2], lower[lower.len() - 1], *p) <= 0.0 {
            lower.pop();
        }
        lower.push(*p);
    }
    let mut upper: Vec<Vec2> = Vec::new();
    for p in pts.iter().rev() {
        while upper.len() >= 2 && cross(upper[upper.len() - 2], upper[upper.len() - 1], *p) <= 0.0 {
            upper.pop();
        }
        upper.push(*p);
    }
    lower.pop();
    upper.pop();
    lower.extend(upper);
    lower
}

/// A wall of a building: a point in front of it at `distance` metres, the
/// heading that faces the wall from there, the wall's outward normal and
/// midpoint, and the building's height (metres).
#[derive(Debug, Clone, Copy)]
pub struct Wall {
    pub stand: Vec3,
    pub yaw: f32,
    pub normal: Vec2,
    pub mid: Vec2,
    pub height: f32,
}

/// Walls at least 8 m wide of every building in `chunks`, `distance` metres out.
pub fn walls(chunks: &[Chunk], distance: f32) -> Vec<Wall> {
    let mut out = Vec::new();
    for c in chunks {
        for o in &c.objects {
            if o.class != SemanticClass::Building {
                continue;
            }
            let PhysicsShape::ConvexHull { points } = &o.shape else {
                continue;
            };
            let t = o.transform.translation;
            let (lo, hi) = points.iter().fold((f32::MAX, f32::MIN), |(lo, hi), p| {
                (lo.min(p[1]), hi.max(p[1]))
            });
            let ring: Vec<Vec2> = points
                .iter()
                .map(|p| Vec2::new(p[0] + t.x, p[2] + t.z))
                .collect();
            let poly = hull2(ring);
            let centre = poly.iter().copied().sum::<Vec2>() / poly.len() as f32;
            for k in 0..poly.len() {
                let (a, b) = (poly[k], poly[(k + 1) % poly.len()]);
                if a.distance(b) < 8.0 {
                    continue;
                }
                let mid = (a + b) * 0.5;
                let d = (b - a).normalize();
                let mut n = Vec2::new(-d.y, d.x);
                if n.dot(mid - centre) < 0.0 {
                    n = -n;
                }
                let stand = mid + n * distance;
                // Facing −n: forward(yaw) = (−sin, −cos) = −n.
                let yaw = n.x.atan2(n.y);
                out.push(Wall {
                    stand: Vec3::new(stand.x, t.y, stand.y),
                    yaw,
                    normal: n,
                    mid,
                    height: hi - lo,
                });
            }
        }
    }
    out
}

/// The forward lidar beam of agent 0 in metres.
pub fn forward_lidar(sim: &Sim, range: f32) -> f32 {
    let mut obs = vec![0.0; sim.vector_obs_len(0)];
    sim.write_vector_obs(0, &mut obs);
    obs[EGO_LEN + ROUTE_LEN] * range
}

/// Steers agent 0 (a car) along its route at about `speed` m/s.
pub fn follow(sim: &Sim, speed: f32) -> [f32; 3] {
    let mut obs = vec![0.0; sim.vector_obs_len(0)];
    sim.write_vector_obs(0, &mut obs);
    let v = obs[0] * 20.0;
    let steer = (obs[EGO_LEN + 3].atan2(obs[EGO_LEN + 2].max(1e-3)) * 1.5).clamp(-1.0, 1.0);
    let throttle = if v < speed { 0.6 } else { 0.0 };
    let brake = if v > speed + 2.0 { 0.5 } else { 0.0 };
    [throttle, brake, steer]
}

//! Sensors by ray casting: lidar, depth and semantic cameras.
//!
//! Rays are tested first against the moving boxes (agents, traffic,
//! pedestrians), which shortens them, then against the static world through
//! rapier's query pipeline with the shortened length, so the tree walk stops
//! early. Only moving boxes that can be in range are looked at, and for a
//! level lidar only the beams whose azimuth falls on a box.

use crate::config::{CameraConfig, LidarConfig};
use crate::physics::Statics;
use crate::raycast::Caster;
use glam::{Quat, Vec3};

/// Something that moves: an agent's body or a background car or pedestrian,
/// as an upright box turned by `yaw` about +Y.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Mover {
    /// Centre of the box (metres).
    pub centre: Vec3,
    /// Heading (radians, see [`AgentState::yaw`](crate::AgentState::yaw)).
    pub yaw: f32,
    /// Half extents (x across, y up, z along), metres.
    pub half: Vec3,
    /// Agent index, or `u32::MAX` for background traffic.
    pub agent: u32,
    /// Whether it is a vehicle (a pedestrian hit by one is crashed into).
    pub vehicle: bool,
    /// Sine and cosine of `yaw`.
    sin: f32,
    cos: f32,
}

impl Mover {
    /// A box at `centre` (metres) turned by `yaw`.
    pub fn new(centre: Vec3, yaw: f32, half: Vec3, agent: u32, vehicle: bool) -> Self {
        let (sin, cos) = yaw.sin_cos();
        Self {
            centre,
            yaw,
            half,
            agent,
            vehicle,
            sin,
            cos,
        }
    }

    /// Distance along a ray (unit `d`) to the box, if hit within `max`.
    #[inline]
    pub fn ray(&self, o: Vec3, d: Vec3, max: f32) -> Option<f32> {
        let (s, c) = (self.sin, self.cos);
        // World → box: rotate by −yaw about +Y.
        let rel = o - self.centre;
        let lo = Vec3::new(c * rel.x - s * rel.z, rel.y, s * rel.x + c * rel.z);
        let ld = Vec3::new(c * d.x - s * d.z, d.y, s * d.x + c * d.z);
        let mut t0 = 0.0f32;
        let mut t1 = max;
        for k in 0..3 {
            let (o, d, h) = (lo[k], ld[k], self.half[k]);
            if d.abs() < 1e-9 {
                if o.abs() > h {
                    return None;
                }
            } else {
                let inv = 1.0 / d;
                let (mut a, mut b) = ((-h - o) * inv, (h - o) * inv);
                if a > b {
                    std::mem::swap(&mut a, &mut b);
                }
                t0 = t0.max(a);
                t1 = t1.min(b);
                if t0 > t1 {
                    return None;
                }
            }
        }
        Some(t0)
    }

    /// Whether two boxes overlap (separating axes in plan, intervals in height).
    pub fn overlaps(&self, other: &Mover) -> bool {
        if (self.centre.y - other.centre.y).abs() > self.half.y + other.half.y {
            return false;
        }
        let d = other.centre - self.centre;
        let r = self.half.x.hypot(self.half.z) + other.half.x.hypot(other.half.z);
        if d.x * d.x + d.z * d.z > r * r {
            return false;
        }
        // Local +X and +Z in the world (rotation by yaw about +Y).
        let axes = |m: &Mover| [(m.cos, -m.sin), (m.sin, m.cos)];
        let a = axes(self);
        let b = axes(other);
        let project = |ax: (f32, f32), m: &Mover, m_axes: &[(f32, f32); 2]| {
            m.half.x * (ax.0 * m_axes[0].0 + ax.1 * m_axes[0].1).abs()
                + m.half.z * (ax.0 * m_axes[1].0 + ax.1 * m_axes[1].1).abs()
        };
        for ax in a.iter().chain(b.iter()) {
            let dist = (d.x * ax.0 + d.z * ax.1).abs();
            if dist > project(*ax, self, &a) + project(*ax, other, &b) {
                return false;
            }
        }
        true
    }
}

/// Body rotation from heading, nose-up pitch and right-down roll.
pub(crate) fn attitude(yaw: f32, pitch: f32, roll: f32) -> Quat {
    Quat::from_rotation_y(yaw) * Quat::from_rotation_x(pitch) * Quat::from_rotation_z(-roll)
}

/// Precomputed beam directions of a lidar in the body frame (channel-major).
pub(crate) struct Lidar {
    cfg: LidarConfig,
    dirs: Vec<Vec3>,
    world: Vec<Vec3>,
    caster: Caster,
}

impl Lidar {
    /// Beam tables for a configuration.
    pub fn new(cfg: LidarConfig) -> Self {
        let mut dirs = Vec::with_capacity((cfg.rays * cfg.channels) as usize);
        let step = std::f32::consts::TAU / cfg.rays as f32;
        for ch in 0..cfg.channels {
            let el = if cfg.channels > 1 {
                -0.5 * cfg.vertical_fov + cfg.vertical_fov * ch as f32 / (cfg.channels - 1) as f32
            } else {
                0.0
            };
            let (se, ce) = el.sin_cos();
            for r in 0..cfg.rays {
                let az = step * r as f32;
                let (sa, ca) = az.sin_cos();
                // Forward is −Z; counter-clockwise from above turns towards −X.
                dirs.push(Vec3::new(-sa * ce, se, -ca * ce));
            }
        }
        Self {
            cfg,
            dirs,
            world: Vec::new(),
            caster: Caster::default(),
        }
    }

    /// Number of values written by [`scan`](Self::scan).
    pub fn len(&self) -> usize {
        self.dirs.len()
    }

    /// Scans from `origin` with body rotation `rot`, writing each beam's
    /// distance divided by the range (1 = nothing within range) into `out`.
    pub fn scan(
        &mut self,
        statics: &Statics,
        movers: &[Mover],
        me: u32,
        origin: Vec3,
        rot: Quat,
        out: &mut [f32],
    ) {
        let range = self.cfg.range;
        self.world.clear();
        self.world.extend(self.dirs.iter().map(|d| rot * *d));
        self.caster.cast(
            statics,
            movers,
            me,
            origin,
            &self.world,
            &[range],
            out,
            None,
        );
        let inv = 1.0 / range;
        for v in out.iter_mut() {
            *v *= inv;
        }
    }
}

/// A pinhole camera's ray table (body frame) and output buffers.
pub(crate) struct Camera {
    cfg: CameraConfig,
    /// Unit direction per pixel, row-major from the top-left.
    dirs: Vec<Vec3>,
    /// Cosine between each pixel's ray and the optical axis (turns range into depth).
    cos: Vec<f32>,
    /// Ray length that reaches the far plane at each pixel.
    limit: Vec<f32>,
    world: Vec<Vec3>,
    dist: Vec<f32>,
    class: Vec<u8>,
    caster: Caster,
}

impl Camera {
    /// Ray tables for a configuration.
    pub fn new(cfg: CameraConfig) -> Self {
        let (w, h) = (cfg.width as usize, cfg.height as usize);
        let tx = (0.5 * cfg.fov).tan();
        let ty = tx * h as f32 / w as f32;
        let mut dirs = Vec::with_capacity(w * h);
        let mut cos = Vec::with_capacity(w * h);
        for i in 0..h {
            for j in 0..w {
                let x = (2.0 * (j as f32 + 0.5) / w as f32 - 1.0) * tx;
                let y = (1.0 - 2.0 * (i as f32 + 0.5) / h as f32) * ty;
                let d = Vec3::new(x, y, -1.0);
                let n = d.length();
                dirs.push(d / n);
                cos.push(1.0 / n);
            }
        }
        Self {
            cfg,
            limit: cos.iter().map(|c| cfg.range / c).collect(),
            dirs,
            cos,
            world: Vec::new(),
            dist: vec![0.0; w * h],
            class: vec![0; w * h],
            caster: Caster::default(),
        }
    }

    /// Renders depth (metres along the optical axis, `range` where nothing
    /// is hit) and/or class ids from `origin` with rotation `rot`.
    #[allow(clippy::too_many_arguments)]
    pub fn render(
        &mut self,
        statics: &Statics,
        movers: &[Mover],
        me: u32,
        origin: Vec3,
        rot: Quat,
        depth: Option<&mut [f32]>,
        semantic: Option<&mut [u8]>,
    ) {
        let range = self.cfg.range;
        self.world.clear();
        self.world.extend(self.dirs.iter().map(|d| rot * *d));
        self.caster.cast(
            statics,
            movers,
            me,
            origin,
            &self.world,
            &self.limit,
            &mut self.dist,
            Some(&mut self.class),
        );
        if let Some(d) = depth {
            for (i, v) in d.iter_mut().enumerate() {
                *v = if self.class[i] == 0 {
                    range
                } else {
                    (self.dist[i] * self.cos[i]).min(range)
                };
            }
        }
        if let Some(s) = semantic {
            s.copy_from_slice(&self.class[..s.len()]);
        }
    }
}

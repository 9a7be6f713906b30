//! Top-down pictures for training videos, drawn on the CPU: the map of the
//! live chunks (`sprawl_store::export::render_map`) with the route, the goal,
//! traffic and agents on top.

use crate::Sim;
use crate::sensors::Mover;
use glam::Vec3;
use image::{Rgb, RgbImage};
use sprawl_store::export::{class_colour, render_map};
use sprawl_world::{Region, SemanticClass};

/// This agent: cyan, unlike any class colour of the map.
pub const EGO_COLOUR: [u8; 3] = [0, 235, 255];
const OTHER_AGENT: [u8; 3] = [255, 255, 255];
const ROUTE: [u8; 3] = [255, 130, 0];
const GOAL: [u8; 3] = [20, 200, 60];

struct View {
    x0: f32,
    z0: f32,
    px_per_m: f32,
    size: u32,
}

impl View {
    fn px(&self, p: Vec3) -> (f32, f32) {
        (
            (p.x - self.x0) * self.px_per_m,
            (p.z - self.z0) * self.px_per_m,
        )
    }
}

fn put(img: &mut RgbImage, x: i64, y: i64, c: [u8; 3]) {
    if x >= 0 && y >= 0 && (x as u32) < img.width() && (y as u32) < img.height() {
        img.put_pixel(x as u32, y as u32, Rgb(c));
    }
}

fn line(img: &mut RgbImage, a: (f32, f32), b: (f32, f32), c: [u8; 3]) {
    let n = ((b.0 - a.0).abs().max((b.1 - a.1).abs()).ceil() as i64).clamp(1, 4096);
    for k in 0..=n {
        let t = k as f32 / n as f32;
        put(
            img,
            (a.0 + (b.0 - a.0) * t).round() as i64,
            (a.1 + (b.1 - a.1) * t).round() as i64,
            c,
        );
    }
}

/// Fills a mover's footprint (a rotated rectangle), at least 2 px across.
fn footprint(img: &mut RgbImage, view: &View, m: &Mover, c: [u8; 3]) {
    let (s, co) = m.yaw.sin_cos();
    let ax = Vec3::new(co, 0.0, -s) * m.half.x.max(1.0 / view.px_per_m);
    let az = Vec3::new(s, 0.0, co) * m.half.z.max(1.0 / view.px_per_m);
    let corners = [
        m.centre - ax - az,
        m.centre + ax - az,
        m.centre + ax + az,
        m.centre - ax + az,
    ]
    .map(|p| view.px(p));
    let (mut lo, mut hi) = ((f32::MAX, f32::MAX), (f32::MIN, f32::MIN));
    for p in corners {
        lo = (lo.0.min(p.0), lo.1.min(p.1));
        hi = (hi.0.max(p.0), hi.1.max(p.1));
    }
    let (x0, x1) = (
        lo.0.floor().max(0.0) as i64,
        hi.0.ceil().min(view.size as f32) as i64,
    );
    let (y0, y1) = (
        lo.1.floor().max(0.0) as i64,
        hi.1.ceil().min(view.size as f32) as i64,
    );
    for y in y0..y1 {
        for x in x0..x1 {
            let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
            let inside = (0..4).all(|k| {
                let (a, b) = (corners[k], corners[(k + 1) % 4]);
                (b.0 - a.0) * (py - a.1) - (b.1 - a.1) * (px - a.0) >= 0.0
            }) || (0..4).all(|k| {
                let (a, b) = (corners[k], corners[(k + 1) % 4]);
                (b.0 - a.0) * (py - a.1) - (b.1 - a.1) * (px - a.0) <= 0.0
            });
            if inside {
                put(img, x, y, c);
            }
        }
    }
}

impl Sim {
    /// A top-down picture, `size_px` square, of the `metres` around agent
    /// `agent` (north up): the map of the loaded chunks coloured by class,
    /// the agent's route (orange) and goal (green), background traffic and
    /// pedestrians (the `agent` class colour), other agents (white) and this
    /// agent ([`EGO_COLOUR`], cyan). Parts of the view outside the loaded chunks are the map
    /// background. For training videos: no GPU needed.
    pub fn render_top_down(&self, agent: usize, size_px: u32, metres: f32) -> image::RgbImage {
        let size_px = size_px.clamp(1, 4096);
        let metres = if metres.is_finite() && metres > 0.0 {
            metres
        } else {
            100.0
        };
        let centre = Vec3::from(self.agent_state(agent).position);
        let half = 0.5 * metres;
        let region = Region::new(
            centre.x - half,
            centre.z - half,
            centre.x + half,
            centre.z + half,
        );
        let mpp = metres / size_px as f32;
        let map = render_map(self.live_chunks(), region, mpp)
            .unwrap_or_else(|_| RgbImage::new(size_px, size_px));
        let mut img = if map.dimensions() == (size_px, size_px) {
            map
        } else {
            let mut out = RgbImage::new(size_px, size_px);
            image::imageops::replace(&mut out, &map, 0, 0);
            out
        };
        let view = View {
            x0: region.x0,
            z0: region.z0,
            px_per_m: 1.0 / mpp,
            size: size_px,
        };
        let route = self.route(agent);
        for w in route.windows(2) {
            line(&mut img, view.px(w[0]), view.px(w[1]), ROUTE);
        }
        if let Some(goal) = route.last() {
            let (gx, gy) = view.px(*goal);
            let r = (3.0f32).max(2.0 * view.px_per_m) as i64;
            for dy in -r..=r {
                for dx in -r..=r {
                    if dx * dx + dy * dy <= r * r {
                        put(&mut img, gx as i64 + dx, gy as i64 + dy, GOAL);
                    }
                }
            }
        }
        let traffic = class_colour(SemanticClass::Agent);
        for m in self.movers() {
            let c = if m.agent == agent as u32 {
                EGO_COLOUR
            } else if m.agent == u32::MAX {
                traffic
            } else {
                OTHER_AGENT
            };
            if m.agent != agent as u32 {
                footprint(&mut img, &view, m, c);
            }
        }
        if let Some(me) = self.movers().iter().find(|m| m.agent == agent as u32) {
            footprint(&mut img, &view, me, EGO_COLOUR);
        }
        img
    }
}

//! Mesh builders for simple solids, in an object's local frame (metres).

use glam::Vec3;
use sprawl_world::{MaterialId, MeshData};

/// Adds a planar convex polygon, wound so that its normal points away from `inside`.
pub fn face(mesh: &mut MeshData, pts: &[Vec3], inside: Vec3) {
    if pts.len() < 3 {
        return;
    }
    let mut n = (pts[1] - pts[0]).cross(pts[2] - pts[0]);
    if n.length_squared() < 1e-12 {
        n = (pts[2] - pts[0]).cross(pts[pts.len() - 1] - pts[0]);
    }
    let mut n = n.normalize_or_zero();
    if n == Vec3::ZERO {
        return;
    }
    let centre = pts.iter().copied().sum::<Vec3>() / pts.len() as f32;
    let flip = n.dot(centre - inside) < 0.0;
    if flip {
        n = -n;
    }
    // UVs in metres on the face plane: u along the first edge, v across it.
    let u_axis = (pts[1] - pts[0]).normalize_or_zero();
    let v_axis = n.cross(u_axis);
    let base = mesh.positions.len() as u32;
    for p in pts {
        let d = *p - pts[0];
        mesh.push_vertex(p.to_array(), n.to_array(), [d.dot(u_axis), d.dot(v_axis)]);
    }
    for k in 1..pts.len() as u32 - 1 {
        if flip {
            mesh.indices
                .extend_from_slice(&[base, base + k + 1, base + k]);
        } else {
            mesh.indices
                .extend_from_slice(&[base, base + k, base + k + 1]);
        }
    }
}

/// Adds a prism: the convex `ring` (at any heights) extruded up by `height`,
/// with its top and, if `bottom`, its bottom.
pub fn prism(mesh: &mut MeshData, ring: &[Vec3], height: f32, bottom: bool) {
    let up = Vec3::Y * height;
    let inside = walls(mesh, ring, height);
    let top: Vec<Vec3> = ring.iter().map(|p| *p + up).collect();
    face(mesh, &top, inside);
    if bottom {
        face(mesh, ring, inside);
    }
}

/// Adds only the side walls of a prism (no caps), e.g. under a separate
/// roof object that would otherwise share the top face and flicker.
/// Returns the prism's centre.
pub fn walls(mesh: &mut MeshData, ring: &[Vec3], height: f32) -> Vec3 {
    let up = Vec3::Y * height;
    let inside = ring.iter().copied().sum::<Vec3>() / ring.len() as f32 + up * 0.5;
    for k in 0..ring.len() {
        let (a, b) = (ring[k], ring[(k + 1) % ring.len()]);
        face(mesh, &[a, b, b + up, a + up], inside);
    }
    inside
}

/// An axis-aligned box from `min` to `max`.
pub fn cuboid(mesh: &mut MeshData, min: Vec3, max: Vec3) {
    let ring = [
        Vec3::new(min.x, min.y, min.z),
        Vec3::new(min.x, min.y, max.z),
        Vec3::new(max.x, min.y, max.z),
        Vec3::new(max.x, min.y, min.z),
    ];
    prism(mesh, &ring, max.y - min.y, true);
}

/// A regular `sides`-gon ring of `radius` at height `y`.
pub fn ngon(sides: u32, radius: f32, y: f32) -> Vec<Vec3> {
    (0..sides)
        .map(|k| {
            let a = k as f32 / sides as f32 * std::f32::consts::TAU;
            Vec3::new(a.cos() * radius, y, a.sin() * radius)
        })
        .collect()
}

/// A closed double cone (a low-poly tree crown): `sides` around, from `y0` to `y1`, widest at `ym`.
pub fn spindle(mesh: &mut MeshData, sides: u32, radius: f32, y0: f32, ym: f32, y1: f32) {
    let ring = ngon(sides, radius, ym);
    let (bot, top) = (Vec3::Y * y0, Vec3::Y * y1);
    let inside = Vec3::Y * ym;
    for k in 0..ring.len() {
        let (a, b) = (ring[k], ring[(k + 1) % ring.len()]);
        face(mesh, &[a, b, top], inside);
        face(mesh, &[b, a, bot], inside);
    }
}

/// A new empty mesh with material.
pub fn mesh(material: MaterialId) -> MeshData {
    MeshData::new(material)
}

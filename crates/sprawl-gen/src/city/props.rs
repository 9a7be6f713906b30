//! Street furniture and vegetation: trees, lamps, benches and parked cars.
//!
//! Props along a street are spaced along the whole global segment (not the
//! chunk's piece of it) and owned by the chunk their position falls in, so
//! they neither double up nor vanish at chunk edges.

use super::fields::Fields;
use super::network::{SIDEWALK, Seg, surface_width};
use super::noise::{hash_key, unit_n};
use super::{Builder, shapes};
use glam::{DVec2, Quat, Vec3};
use sprawl_world::{
    MaterialId, MaterialKind, MeshData, PhysicsShape, RoadClass, SemanticClass, Transform,
};
use std::sync::OnceLock;

fn place(fields: &Fields, p: DVec2, yaw: f64, scale: f32, on_road: bool) -> Transform {
    let y = if on_road {
        fields.road_height(p.x, p.y)
    } else {
        fields.height(p.x, p.y)
    };
    Transform {
        translation: Vec3::new(p.x as f32, y as f32, p.y as f32),
        rotation: Quat::from_rotation_y(yaw as f32),
        scale: Vec3::splat(scale),
    }
}

fn tree_mesh() -> &'static MeshData {
    static MESH: OnceLock<MeshData> = OnceLock::new();
    MESH.get_or_init(|| {
        let mut m = MeshData::new(MaterialId::of(MaterialKind::Foliage));
        shapes::prism(&mut m, &shapes::ngon(5, 0.18, 0.0), 2.4, false);
        shapes::spindle(&mut m, 7, 2.0, 1.9, 3.6, 7.0);
        m
    })
}

/// A tree at `p` (on the ground), size varied by `key`.
pub fn tree(fields: &Fields, p: DVec2, key: u64, out: &mut Builder) {
    let scale = 0.75 + 0.5 * unit_n(key, 1) as f32;
    let t = place(
        fields,
        p,
        unit_n(key, 2) * std::f64::consts::TAU,
        scale,
        false,
    );
    let shape = PhysicsShape::Box {
        center: [0.0, 1.5, 0.0],
        half_extents: [0.2, 1.5, 0.2],
    };
    out.push(key, SemanticClass::Tree, t, shape, out.mesh_of(tree_mesh()));
}

fn lamp_mesh() -> &'static MeshData {
    static MESH: OnceLock<MeshData> = OnceLock::new();
    MESH.get_or_init(|| {
        let mut m = MeshData::new(MaterialId::of(MaterialKind::Concrete));
        shapes::prism(&mut m, &shapes::ngon(6, 0.09, 0.0), 6.0, false);
        shapes::cuboid(
            &mut m,
            Vec3::new(-0.06, 5.85, -0.06),
            Vec3::new(0.06, 6.0, 1.4),
        );
        shapes::cuboid(
            &mut m,
            Vec3::new(-0.22, 5.75, 1.1),
            Vec3::new(0.22, 5.95, 1.6),
        );
        m
    })
}

fn bench_mesh() -> &'static MeshData {
    static MESH: OnceLock<MeshData> = OnceLock::new();
    MESH.get_or_init(|| {
        let mut m = MeshData::new(MaterialId::of(MaterialKind::Wood));
        shapes::cuboid(
            &mut m,
            Vec3::new(-0.8, 0.42, -0.22),
            Vec3::new(0.8, 0.48, 0.22),
        );
        shapes::cuboid(
            &mut m,
            Vec3::new(-0.8, 0.48, 0.16),
            Vec3::new(0.8, 0.9, 0.22),
        );
        for x in [-0.7, 0.62] {
            shapes::cuboid(
                &mut m,
                Vec3::new(x, 0.0, -0.2),
                Vec3::new(x + 0.08, 0.42, 0.2),
            );
        }
        m
    })
}

/// A bench at `p` facing `yaw` radians.
pub fn bench(fields: &Fields, p: DVec2, yaw: f64, key: u64, out: &mut Builder) {
    let shape = PhysicsShape::Box {
        center: [0.0, 0.45, 0.0],
        half_extents: [0.8, 0.45, 0.22],
    };
    out.push(
        key,
        SemanticClass::Bench,
        place(fields, p, yaw, 1.0, false),
        shape,
        out.mesh_of(bench_mesh()),
    );
}

fn car_mesh(paint: u8) -> MeshData {
    static MESH: OnceLock<MeshData> = OnceLock::new();
    let mut m = MESH
        .get_or_init(|| {
            let mut m = MeshData::new(MaterialId::of(MaterialKind::Metal));
            shapes::cuboid(
                &mut m,
                Vec3::new(-0.9, 0.18, -2.15),
                Vec3::new(0.9, 1.05, 2.15),
            );
            shapes::cuboid(
                &mut m,
                Vec3::new(-0.8, 1.05, -1.1),
                Vec3::new(0.8, 1.55, 0.9),
            );
            m
        })
        .clone();
    m.material = Some(MaterialId {
        kind: MaterialKind::Metal,
        variant: paint,
    });
    m
}

/// Lamps, street trees, benches and parked cars along every street segment
/// whose props fall in this chunk.
pub fn street_props(fields: &Fields, segs: &[Seg], out: &mut Builder) {
    let veg = f64::from(fields.spec.vegetation);
    let density = f64::from(fields.spec.density);
    for (si, s) in segs.iter().enumerate() {
        let len = s.len();
        let dir = (s.b - s.a) / len;
        let right = DVec2::new(-dir.y, dir.x);
        let half = surface_width(s.class) * 0.5;
        let clear = half + SIDEWALK + 8.0;
        let along = |d: f64, off: f64| s.a + dir * d + right * off;
        let ok = |p: DVec2, out: &Builder| {
            out.owns(p)
                && fields.height(p.x, p.y) > fields.level + 0.3
                && segs
                    .iter()
                    .enumerate()
                    .all(|(k, o)| k == si || o.distance(p) > surface_width(o.class) * 0.5 + 0.6)
        };
        let yaw_along = dir.x.atan2(dir.y);
        // Lamps every 30 m, staggered on the two sides.
        let mut d = 15.0;
        let mut k = 0i64;
        while d < len {
            if d > clear && d < len - clear {
                let s_side = if k % 2 == 0 { 1.0 } else { -1.0 };
                let p = along(d, s_side * (half + 0.45));
                if ok(p, out) {
                    let t = place(
                        fields,
                        p,
                        yaw_along
                            + if s_side > 0.0 {
                                -std::f64::consts::FRAC_PI_2
                            } else {
                                std::f64::consts::FRAC_PI_2
                            },
                        1.0,
                        false,
                    );
                    let shape = PhysicsShape::Box {
                        center: [0.0, 3.0, 0.0],
                        half_extents: [0.1, 3.0, 0.1],
                    };
                    out.push(
                        hash_key(s.key, 0x1a4b, k, 0),
                        SemanticClass::Lamp,
                        t,
                        shape,
                        out.mesh_of(lamp_mesh()),
                    );
                }
            }
            d += 30.0;
            k += 1;
        }
        // Street trees and benches on the outer edge of both sidewalks.
        for (side_i, side) in [1.0, -1.0].into_iter().enumerate() {
            let mut d = 6.0;
            let mut k = 0i64;
            while d < len {
                let h = hash_key(s.key, 0x7ee5, k, side_i as i64);
                if d > clear && d < len - clear {
                    let p = along(d, side * (half + SIDEWALK - 0.6));
                    if unit_n(h, 1) < veg * 0.9 && ok(p, out) {
                        tree(fields, p, h, out);
                    } else if unit_n(h, 2) < 0.06 && ok(p, out) {
                        bench(
                            fields,
                            p,
                            yaw_along + side * std::f64::consts::FRAC_PI_2,
                            h ^ 0xbe,
                            out,
                        );
                    }
                }
                d += 12.0;
                k += 1;
            }
        }
        // Parked cars in the parking lanes of local streets.
        if s.class == RoadClass::Local {
            let lane = f64::from(s.class.width()) * 0.5 + 1.1;
            for (side_i, side) in [1.0, -1.0].into_iter().enumerate() {
                let mut d = 4.0;
                let mut k = 0i64;
                while d < len {
                    let h = hash_key(s.key, 0xca45, k, side_i as i64);
                    if d > clear && d < len - clear && unit_n(h, 1) < 0.45 * density {
                        let p = along(d, side * lane);
                        if ok(p, out) {
                            // Cars face the traffic direction of their side (right-hand traffic).
                            let yaw = if side > 0.0 {
                                yaw_along
                            } else {
                                yaw_along + std::f64::consts::PI
                            };
                            let paint =
                                super::blocks::pick(unit_n(h, 2), fields.spec.palette.cars.len());
                            let shape = PhysicsShape::Box {
                                center: [0.0, 0.9, 0.0],
                                half_extents: [0.9, 0.65, 2.15],
                            };
                            out.push(
                                h,
                                SemanticClass::ParkedCar,
                                place(fields, p, yaw, 1.0, true),
                                shape,
                                car_mesh(paint),
                            );
                        }
                    }
                    d += 6.5;
                    k += 1;
                }
            }
        }
    }
}

//! City blocks: the land between lattice streets, divided into lots that
//! carry buildings (by district), or laid out as parks.

use super::fields::Fields;
use super::network::{Network, SIDEWALK, Seg, surface_width};
use super::noise::{hash_key, unit_n};
use super::{Builder, props, shapes};
use glam::{DVec2, Vec3};
use sprawl_world::{
    DistrictKind, Era, MaterialId, MaterialKind, MeshData, PhysicsShape, SemanticClass, Transform,
};

const TAG_LOT: u64 = 0x107;
const TAG_ROOF: u64 = 0x200f;
const TAG_PARK: u64 = 0x9a2c;

/// Generates the blocks whose centre lies in this chunk.
pub fn generate(fields: &Fields, net: &Network, segs: &[Seg], out: &mut Builder) {
    let b = net.block();
    let [x0, z0, x1, z1] = out.rect;
    let (i0, i1) = ((x0 / b).floor() as i64 - 2, (x1 / b).ceil() as i64 + 1);
    let (j0, j1) = ((z0 / b).floor() as i64 - 2, (z1 / b).ceil() as i64 + 1);
    // Roads that are not lattice streets (avenues, rings, sketch roads) can
    // cross a block; lots keep clear of them.
    let extra: Vec<&Seg> = segs.iter().filter(|s| !is_lattice(net, s)).collect();
    for j in j0..=j1 {
        for i in i0..=i1 {
            let corners = [
                net.node(i, j),
                net.node(i, j + 1),
                net.node(i + 1, j + 1),
                net.node(i + 1, j),
            ];
            let centre = corners.iter().copied().sum::<DVec2>() * 0.25;
            if !out.owns(centre) {
                continue;
            }
            // Inset per side by the street on that side (west, south, east, north).
            let sides = [
                net.lattice_edge(i, j, true),
                net.lattice_edge(i, j + 1, false),
                net.lattice_edge(i + 1, j, true),
                net.lattice_edge(i, j, false),
            ];
            let inset = sides.map(|s| match s {
                Some(s) => surface_width(s.class) * 0.5 + SIDEWALK + 0.5,
                None => 1.0,
            });
            let Some(block) = inset_quad(&corners, inset) else {
                continue;
            };
            let district = fields.district(centre.x, centre.y);
            let key = hash_key(out.seed, TAG_LOT, i, j);
            if district == DistrictKind::Park {
                park(fields, &block, &extra, key, out);
            } else {
                lots(fields, &block, district, &extra, key, out);
            }
        }
    }
}

fn is_lattice(net: &Network, s: &Seg) -> bool {
    let b = net.block();
    let i = (s.a.x / b - 0.5).round() as i64;
    let j = (s.a.y / b - 0.5).round() as i64;
    // Lattice nodes may be jittered; compare against the candidate edges near `a`.
    (-1..=1).any(|di| {
        (-1..=1).any(|dj| {
            [false, true].into_iter().any(|v| {
                net.lattice_edge(i + di, j + dj, v)
                    .is_some_and(|e| e.a == s.a && e.b == s.b)
            })
        })
    })
}

/// Moves each side of a convex quad inwards by its own distance; `None` if it collapses.
fn inset_quad(q: &[DVec2; 4], d: [f64; 4]) -> Option<[DVec2; 4]> {
    let ccw = signed_area(q) > 0.0;
    let lines: Vec<(DVec2, DVec2)> = (0..4)
        .map(|k| {
            let (a, b) = (q[k], q[(k + 1) % 4]);
            let dir = (b - a).normalize_or_zero();
            let inward = if ccw {
                DVec2::new(-dir.y, dir.x)
            } else {
                DVec2::new(dir.y, -dir.x)
            };
            (a + inward * d[k], dir)
        })
        .collect();
    let mut outq = [DVec2::ZERO; 4];
    for k in 0..4 {
        let (p, r) = lines[(k + 3) % 4];
        let (s, u) = lines[k];
        let den = r.perp_dot(u);
        if den.abs() < 1e-9 {
            return None;
        }
        let t = (s - p).perp_dot(u) / den;
        outq[k] = p + r * t;
    }
    let area = signed_area(&outq);
    (area.abs() > 60.0 && (area > 0.0) == ccw && is_convex(&outq)).then_some(outq)
}

fn signed_area(q: &[DVec2]) -> f64 {
    (0..q.len())
        .map(|k| q[k].perp_dot(q[(k + 1) % q.len()]))
        .sum::<f64>()
        * 0.5
}

fn is_convex(q: &[DVec2; 4]) -> bool {
    let s: Vec<f64> = (0..4)
        .map(|k| (q[(k + 1) % 4] - q[k]).perp_dot(q[(k + 2) % 4] - q[(k + 1) % 4]))
        .collect();
    s.iter().all(|v| *v > 0.0) || s.iter().all(|v| *v < 0.0)
}

/// Bilinear point of a quad `[nw, sw, se, ne]` at `(u, v)`: u runs west→east, v north→south.
fn bilerp(q: &[DVec2; 4], u: f64, v: f64) -> DVec2 {
    let north = q[0].lerp(q[3], u);
    let south = q[1].lerp(q[2], u);
    north.lerp(south, v)
}

/// Whether a footprint is clear of water and of non-lattice roads.
fn buildable(fields: &Fields, fp: &[DVec2; 4], extra: &[&Seg]) -> bool {
    let centre = fp.iter().copied().sum::<DVec2>() * 0.25;
    let probes = fp
        .iter()
        .copied()
        .chain([centre])
        .chain((0..4).map(|k| (fp[k] + fp[(k + 1) % 4]) * 0.5));
    for p in probes {
        if fields.height(p.x, p.y) < fields.level + 0.4 {
            return false;
        }
        if extra
            .iter()
            .any(|s| s.distance(p) < surface_width(s.class) * 0.5 + SIDEWALK + 1.0)
        {
            return false;
        }
    }
    true
}

struct Style {
    lot: f64,
    setback: f64,
    floors: (f64, f64),
    floor_h: f64,
    coverage: f64,
}

fn style(kind: DistrictKind, fields: &Fields) -> Style {
    let hp = fields.spec.heights;
    let (lo, hi) = (f64::from(hp.min_floors), f64::from(hp.max_floors));
    let clamp = |a: f64, b: f64| (a.clamp(lo, hi), b.clamp(lo, hi));
    match kind {
        DistrictKind::Downtown => Style {
            lot: 44.0,
            setback: 1.0,
            floors: clamp(hi * 0.3, hi),
            floor_h: 3.6,
            coverage: 0.95,
        },
        DistrictKind::Midrise => Style {
            lot: 28.0,
            setback: 1.0,
            floors: clamp(4.0, 10.0),
            floor_h: 3.2,
            coverage: 0.95,
        },
        DistrictKind::Residential => Style {
            lot: 20.0,
            setback: 4.0,
            floors: clamp(1.0, 3.0),
            floor_h: 3.0,
            coverage: 0.7,
        },
        DistrictKind::Industrial => Style {
            lot: 52.0,
            setback: 4.0,
            floors: clamp(1.0, 2.0),
            floor_h: 5.5,
            coverage: 0.85,
        },
        DistrictKind::Park => Style {
            lot: 40.0,
            setback: 0.0,
            floors: (1.0, 1.0),
            floor_h: 3.0,
            coverage: 0.0,
        },
    }
}

fn lots(
    fields: &Fields,
    block: &[DVec2; 4],
    kind: DistrictKind,
    extra: &[&Seg],
    key: u64,
    out: &mut Builder,
) {
    let mut st = style(kind, fields);
    // Vary lot sizes block by block so that districts are not monotonous.
    st.lot *= 0.7 + 0.6 * unit_n(key, 77);
    let width = ((block[3] - block[0]).length() + (block[2] - block[1]).length()) * 0.5;
    let depth = ((block[1] - block[0]).length() + (block[2] - block[3]).length()) * 0.5;
    let nu = (width / st.lot).round().max(1.0) as i64;
    let nv = if depth > st.lot * 1.5 { 2 } else { 1 };
    let spec = fields.spec;
    for b in 0..nv {
        for a in 0..nu {
            let lot_key = hash_key(key, TAG_LOT, a, b);
            let (u0, u1) = (a as f64 / nu as f64, (a + 1) as f64 / nu as f64);
            let (v0, v1) = (b as f64 / nv as f64, (b + 1) as f64 / nv as f64);
            let lot = [
                bilerp(block, u0, v0),
                bilerp(block, u0, v1),
                bilerp(block, u1, v1),
                bilerp(block, u1, v0),
            ];
            if unit_n(lot_key, 1) >= f64::from(spec.density) {
                garden(fields, &lot, extra, lot_key, out);
                continue;
            }
            let Some(fp) = inset_quad(&lot, [st.setback; 4]) else {
                continue;
            };
            let c = fp.iter().copied().sum::<DVec2>() * 0.25;
            let shrink = st.coverage.sqrt() * (0.75 + 0.25 * unit_n(lot_key, 2));
            let fp = fp.map(|p| c + (p - c) * shrink);
            if !buildable(fields, &fp, extra) {
                continue;
            }
            building(fields, &fp, kind, &st, lot_key, out);
        }
    }
}

fn building(
    fields: &Fields,
    fp: &[DVec2; 4],
    kind: DistrictKind,
    st: &Style,
    key: u64,
    out: &mut Builder,
) {
    let spec = fields.spec;
    let r = unit_n(key, 3);
    let skew = if kind == DistrictKind::Downtown {
        r * r
    } else {
        r
    };
    let floors = (st.floors.0 + (st.floors.1 - st.floors.0) * skew)
        .round()
        .max(1.0);
    let mut floor_h = st.floor_h;
    if kind == DistrictKind::Downtown || kind == DistrictKind::Midrise {
        floor_h = f64::from(spec.heights.floor_height).max(floor_h * 0.9);
    }
    let height = (floors * floor_h * f64::from(spec.heights.scale)).max(3.0);
    let c = fp.iter().copied().sum::<DVec2>() * 0.25;
    let grounds: Vec<f64> = fp.iter().map(|p| fields.height(p.x, p.y)).collect();
    let base = grounds.iter().copied().fold(f64::MAX, f64::min) - 1.0;
    let top = grounds.iter().copied().fold(f64::MIN, f64::max) + height;
    let local =
        |p: DVec2, y: f64| Vec3::new((p.x - c.x) as f32, (y - base) as f32, (p.y - c.y) as f32);

    let glass = match kind {
        DistrictKind::Downtown => {
            unit_n(key, 4)
                < if spec.era == Era::Futuristic {
                    0.9
                } else {
                    0.6
                }
        }
        DistrictKind::Midrise => spec.era == Era::Futuristic && unit_n(key, 4) < 0.4,
        _ => false,
    };
    let wall = if glass {
        MaterialId::of(MaterialKind::Glass)
    } else if kind == DistrictKind::Industrial {
        MaterialId {
            kind: MaterialKind::Concrete,
            variant: 0,
        }
    } else {
        MaterialId {
            kind: MaterialKind::Wall,
            variant: pick(unit_n(key, 5), spec.palette.walls.len()),
        }
    };
    let mut walls = MeshData::new(wall);
    let ring: Vec<Vec3> = fp.iter().map(|p| local(*p, base)).collect();
    // Tall towers step back: a narrower upper tier from 60 % of the height.
    let tiered = kind == DistrictKind::Downtown && floors >= 20.0 && unit_n(key, 6) < 0.5;
    let lower_top = if tiered {
        base + (top - base) * 0.6
    } else {
        top
    };
    shapes::walls(&mut walls, &ring, (lower_top - base) as f32);
    let mut hull: Vec<[f32; 3]> = ring
        .iter()
        .flat_map(|p| {
            [
                p.to_array(),
                (*p + Vec3::Y * (lower_top - base) as f32).to_array(),
            ]
        })
        .collect();
    let mut roof_rings = vec![
        ring.iter()
            .map(|p| *p + Vec3::Y * (lower_top - base) as f32)
            .collect::<Vec<_>>(),
    ];
    if tiered {
        let upper: Vec<Vec3> = fp
            .iter()
            .map(|p| local(c + (*p - c) * 0.68, lower_top))
            .collect();
        shapes::walls(&mut walls, &upper, (top - lower_top) as f32);
        hull.extend(
            upper
                .iter()
                .map(|p| (*p + Vec3::Y * (top - lower_top) as f32).to_array()),
        );
        roof_rings.push(
            upper
                .iter()
                .map(|p| *p + Vec3::Y * (top - lower_top) as f32)
                .collect(),
        );
    }
    let transform = Transform::from_translation(Vec3::new(c.x as f32, base as f32, c.y as f32));
    out.push(
        key,
        SemanticClass::Building,
        transform,
        PhysicsShape::ConvexHull { points: hull },
        walls,
    );

    let pitched = match kind {
        DistrictKind::Residential => spec.era != Era::Futuristic || unit_n(key, 7) < 0.3,
        DistrictKind::Midrise => spec.era == Era::Historic,
        _ => false,
    };
    let roof_mat = MaterialId {
        kind: MaterialKind::Roof,
        variant: pick(unit_n(key, 8), spec.palette.roofs.len()),
    };
    let mut roof = MeshData::new(roof_mat);
    let roof_shape = if pitched {
        let eaves = &roof_rings[0];
        let hipped = unit_n(key, 9) < 0.4;
        let pts = pitched_roof(&mut roof, eaves, hipped);
        PhysicsShape::ConvexHull { points: pts }
    } else {
        for r in &roof_rings {
            let centre = r.iter().copied().sum::<Vec3>() / 4.0 - Vec3::Y;
            shapes::face(&mut roof, r, centre);
        }
        PhysicsShape::None
    };
    out.push(
        hash_key(key, TAG_ROOF, 0, 0),
        SemanticClass::Roof,
        transform,
        roof_shape,
        roof,
    );
}

/// A gabled or hipped roof over a four-corner eave ring; returns its hull points.
fn pitched_roof(mesh: &mut MeshData, e: &[Vec3], hipped: bool) -> Vec<[f32; 3]> {
    // Ridge along the longer pair of opposite sides.
    let long01 = (e[1] - e[0]).length() + (e[3] - e[2]).length()
        >= (e[2] - e[1]).length() + (e[0] - e[3]).length();
    let (p0, p1, p2, p3) = if long01 {
        (e[0], e[1], e[2], e[3])
    } else {
        (e[1], e[2], e[3], e[0])
    };
    let span = ((p2 - p1).length() + (p0 - p3).length()) * 0.25;
    let rise = Vec3::Y * (span * 0.8).clamp(1.0, 6.0);
    let (mut ra, mut rb) = ((p3 + p0) * 0.5 + rise, (p1 + p2) * 0.5 + rise);
    if hipped {
        let (a, b) = (ra, rb);
        ra = a.lerp(b, 0.25);
        rb = b.lerp(a, 0.25);
    }
    let inside = (p0 + p1 + p2 + p3) * 0.25;
    shapes::face(mesh, &[p0, p1, rb, ra], inside);
    shapes::face(mesh, &[p2, p3, ra, rb], inside);
    shapes::face(mesh, &[p1, p2, rb], inside);
    shapes::face(mesh, &[p3, p0, ra], inside);
    shapes::face(mesh, &[p0, p1, p2, p3], inside + rise);
    [p0, p1, p2, p3, ra, rb].map(|p| p.to_array()).to_vec()
}

/// An unbuilt lot: a tree or two when the spec has vegetation.
fn garden(fields: &Fields, lot: &[DVec2; 4], extra: &[&Seg], key: u64, out: &mut Builder) {
    for k in 0..2 {
        if unit_n(key, 20 + k) < f64::from(fields.spec.vegetation) * 0.8 {
            let p = bilerp(
                lot,
                0.2 + 0.6 * unit_n(key, 30 + k),
                0.2 + 0.6 * unit_n(key, 40 + k),
            );
            if buildable(fields, &[p; 4], extra) {
                props::tree(fields, p, hash_key(key, 0x77ee, k as i64, 0), out);
            }
        }
    }
}

/// A park: a lawn draped on the ground, trees and a few benches.
fn park(fields: &Fields, block: &[DVec2; 4], extra: &[&Seg], key: u64, out: &mut Builder) {
    let n = 6;
    let mut lawn = MeshData::new(MaterialId::of(MaterialKind::Grass));
    let c = block.iter().copied().sum::<DVec2>() * 0.25;
    let ground = fields.height(c.x, c.y);
    let mut dry_vertex = Vec::with_capacity(((n + 1) * (n + 1)) as usize);
    for r in 0..=n {
        for q in 0..=n {
            let p = bilerp(
                block,
                f64::from(q) / f64::from(n),
                f64::from(r) / f64::from(n),
            );
            let h = fields.height(p.x, p.y);
            dry_vertex.push(h > fields.level + 0.05);
            let y = h.max(fields.level + 0.05) + 0.06 - ground;
            let l = p - c;
            lawn.push_vertex(
                [l.x as f32, y as f32, l.y as f32],
                [0.0, 1.0, 0.0],
                [l.x as f32, l.y as f32],
            );
        }
    }
    let w = (n + 1) as u32;
    let dry = |i: u32| dry_vertex[i as usize];
    let mut indices = Vec::new();
    for r in 0..n as u32 {
        for q in 0..n as u32 {
            let i = r * w + q;
            // Vertex (q, r) runs west→east in q and north→south in r: this winding faces up.
            for t in [[i, i + w, i + 1], [i + 1, i + w, i + w + 1]] {
                if t.iter().all(|v| dry(*v)) {
                    indices.extend_from_slice(&t);
                }
            }
        }
    }
    if indices.is_empty() {
        return;
    }
    lawn.indices = indices;
    let transform = Transform::from_translation(Vec3::new(c.x as f32, ground as f32, c.y as f32));
    out.push(
        hash_key(key, TAG_PARK, 0, 0),
        SemanticClass::Park,
        transform,
        PhysicsShape::None,
        lawn,
    );
    let veg = f64::from(fields.spec.vegetation);
    for k in 0..24 {
        if unit_n(key, 100 + k) > 0.25 + 0.75 * veg {
            continue;
        }
        let p = bilerp(
            block,
            0.08 + 0.84 * unit_n(key, 200 + k),
            0.08 + 0.84 * unit_n(key, 300 + k),
        );
        if buildable(fields, &[p; 4], extra) {
            props::tree(fields, p, hash_key(key, 0x7733, k as i64, 0), out);
        }
    }
    for k in 0..3 {
        let p = bilerp(
            block,
            0.3 + 0.4 * unit_n(key, 400 + k),
            0.3 + 0.4 * unit_n(key, 500 + k),
        );
        if buildable(fields, &[p; 4], extra) {
            props::bench(
                fields,
                p,
                unit_n(key, 600 + k) * std::f64::consts::TAU,
                hash_key(key, 0xbe7c, k as i64, 0),
                out,
            );
        }
    }
}

/// A palette index from a uniform number: one of `n` variants (at most 256).
pub(crate) fn pick(u: f64, n: usize) -> u8 {
    ((u * n.clamp(1, 256) as f64) as usize).min(255) as u8
}

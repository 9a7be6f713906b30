//! Terrain: the chunk's heightfield, its mesh and the water surface.

use super::fields::Fields;
use super::noise::hash_key;
use super::{Builder, shapes};
use sprawl_world::{Heightfield, MaterialId, MaterialKind, MeshData, PhysicsShape, SemanticClass};

/// Cells per chunk side; samples are `CELLS + 1` so both edges are included.
const CELLS: u32 = 32;

/// Builds the heightfield, the terrain object and (where there is water) the water surface.
pub fn generate(fields: &Fields, out: &mut Builder, size: f32) -> Heightfield {
    let n = CELLS + 1;
    let step = f64::from(size) / f64::from(CELLS);
    // Global sample indices make shared edges bit-identical between chunks;
    // one extra ring of samples gives edge normals that match too.
    let gx0 = i64::from(out.coord.x) * i64::from(CELLS) - 1;
    let gz0 = i64::from(out.coord.z) * i64::from(CELLS) - 1;
    let w = (n + 2) as usize;
    if !out.meshes() {
        // Physics only: the heightfield's own samples, no ring, no mesh.
        let mut heights = Vec::with_capacity((n * n) as usize);
        for r in 1..=n as usize {
            for c in 1..=n as usize {
                let x = (gx0 + c as i64) as f64 * step;
                let z = (gz0 + r as i64) as f64 * step;
                heights.push(fields.height(x, z) as f32);
            }
        }
        let field = Heightfield {
            samples: n,
            size,
            heights,
        };
        let key = hash_key(out.seed, 0x7e11a, 0, 0);
        let transform = out.chunk_transform();
        out.push(
            key,
            SemanticClass::Terrain,
            transform,
            field.to_shape(),
            MeshData::new(MaterialId::of(MaterialKind::Grass)),
        );
        if water_cells(&field, fields.level as f32) {
            let transform = out.chunk_transform();
            out.push(
                hash_key(out.seed, 0x3a7e, 0, 0),
                SemanticClass::Water,
                transform,
                PhysicsShape::None,
                shapes::mesh(MaterialId::of(MaterialKind::Water)),
            );
        }
        return field;
    }
    let mut ring = vec![0.0f64; w * w];
    for r in 0..w {
        for c in 0..w {
            let x = (gx0 + c as i64) as f64 * step;
            let z = (gz0 + r as i64) as f64 * step;
            ring[r * w + c] = fields.height(x, z);
        }
    }
    let heights: Vec<f32> = (0..n as usize)
        .flat_map(|r| (0..n as usize).map(move |c| (r, c)))
        .map(|(r, c)| ring[(r + 1) * w + c + 1] as f32)
        .collect();
    let field = Heightfield {
        samples: n,
        size,
        heights,
    };

    let mut mesh = MeshData::new(MaterialId::of(MaterialKind::Grass));
    mesh.positions.reserve((n * n) as usize);
    for r in 0..n as usize {
        for c in 0..n as usize {
            let h = |rr: usize, cc: usize| ring[rr * w + cc];
            let dx = (h(r + 1, c + 2) - h(r + 1, c)) / (2.0 * step);
            let dz = (h(r + 2, c + 1) - h(r, c + 1)) / (2.0 * step);
            let nrm = glam::DVec3::new(-dx, 1.0, -dz).normalize().as_vec3();
            let (x, z) = (c as f32 * step as f32, r as f32 * step as f32);
            mesh.push_vertex([x, h(r + 1, c + 1) as f32, z], nrm.to_array(), [x, z]);
        }
    }
    for r in 0..CELLS {
        for c in 0..CELLS {
            let i = r * n + c;
            mesh.indices
                .extend_from_slice(&[i, i + n, i + 1, i + 1, i + n, i + n + 1]);
        }
    }
    let key = hash_key(out.seed, 0x7e11a, 0, 0);
    out.push(
        key,
        SemanticClass::Terrain,
        out.chunk_transform(),
        field.to_shape(),
        mesh,
    );

    // Water surface over the cells that dip below the water level (rows of
    // cells merged into strips), so that maps and renderers see the real shore.
    let level = fields.level as f32;
    let mut water = shapes::mesh(MaterialId::of(MaterialKind::Water));
    let s = step as f32;
    for r in 0..CELLS {
        let mut c = 0;
        while c < CELLS {
            let wet = |c: u32| {
                [(c, r), (c + 1, r), (c, r + 1), (c + 1, r + 1)]
                    .iter()
                    .any(|(cc, rr)| field.at(*cc, *rr) < level)
            };
            if !wet(c) {
                c += 1;
                continue;
            }
            let start = c;
            while c < CELLS && wet(c) {
                c += 1;
            }
            let (xa, xb, za, zb) = (
                start as f32 * s,
                c as f32 * s,
                r as f32 * s,
                (r + 1) as f32 * s,
            );
            water.push_quad(
                [
                    [xa, level, za],
                    [xa, level, zb],
                    [xb, level, zb],
                    [xb, level, za],
                ],
                [0.0, 1.0, 0.0],
                [[xa, za], [xa, zb], [xb, zb], [xb, za]],
            );
        }
    }
    if !water.is_empty() {
        out.push(
            hash_key(out.seed, 0x3a7e, 0, 0),
            SemanticClass::Water,
            out.chunk_transform(),
            PhysicsShape::None,
            water,
        );
    }
    field
}

/// Whether any cell dips below the water level (the water surface is not empty).
fn water_cells(field: &Heightfield, level: f32) -> bool {
    (0..CELLS).any(|r| {
        (0..CELLS).any(|c| {
            [(c, r), (c + 1, r), (c, r + 1), (c + 1, r + 1)]
                .iter()
                .any(|(cc, rr)| field.at(*cc, *rr) < level)
        })
    })
}

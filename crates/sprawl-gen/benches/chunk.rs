//! One 128 m chunk: layout + meshes + physics shapes, on one core; then the
//! same chunk physics-only (`generate_physics`, what the simulator loads).
//!
//! `cargo bench -p sprawl-gen --bench chunk` prints the median per spec.
//! Target (issue: foundation): median ≤ 2 ms per chunk in release.

#![expect(
    missing_docs,
    reason = "criterion's macros make undocumented functions"
)]

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use sprawl_gen::ChunkGenerator;
use sprawl_world::{Chunk, ChunkCoord, Direction, StreetPattern, TerrainKind, WorldSpec};
use std::hint::black_box;

fn specs() -> Vec<(&'static str, WorldSpec)> {
    let mut downtown = WorldSpec::default();
    downtown.districts.downtown = 1.0;
    downtown.density = 1.0;
    let mut hilly = WorldSpec {
        seed: 7,
        streets: StreetPattern::Radial,
        ..WorldSpec::default()
    };
    hilly.terrain.kind = TerrainKind::Hilly;
    hilly.terrain.relief = 40.0;
    hilly.water.river_width = Some(45.0);
    hilly.water.river_offset = 64.0;
    let mut coast = WorldSpec {
        seed: 9,
        streets: StreetPattern::Organic,
        ..WorldSpec::default()
    };
    coast.water.coast = Some(Direction::South);
    coast.water.coast_distance = 100.0;
    coast.water.lakes = 0.5;
    vec![
        ("default", WorldSpec::default()),
        ("downtown", downtown),
        ("radial-hilly-river", hilly),
        ("organic-coast", coast),
    ]
}

/// Makes one chunk: in full, or for physics only.
type Make = fn(&ChunkGenerator<'_>, ChunkCoord) -> Chunk;

fn bench(c: &mut Criterion) {
    // Full chunks (what the viewer and exports ask for), then what the
    // simulator asks for: the same chunk without meshes.
    let kinds: [(&str, Make); 2] = [
        ("chunk_128m", |g, c| g.generate(c)),
        ("chunk_128m_physics", |g, c| g.generate_physics(c)),
    ];
    for (group_name, make) in kinds {
        let mut group = c.benchmark_group(group_name);
        for (name, spec) in specs() {
            let generator = ChunkGenerator::new(&spec);
            // Cycle over 16 different chunks so one lucky chunk does not decide the figure.
            let coords: Vec<ChunkCoord> = (0..16)
                .map(|i| ChunkCoord::new(i % 4 - 2, i / 4 - 2))
                .collect();
            let mut k = 0;
            group.bench_with_input(BenchmarkId::from_parameter(name), &generator, |b, g| {
                b.iter(|| {
                    k = (k + 1) % coords.len();
                    black_box(make(g, black_box(coords[k])))
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

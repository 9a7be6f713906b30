//! Prints what a square of chunks contains and how long it took: a quick
//! look at the generator without a renderer.
//!
//! `cargo run --release -p sprawl-gen --example chunk_stats [SEED]`

use sprawl_gen::ChunkGenerator;
use sprawl_world::{ChunkCoord, SemanticClass, WorldSpec};
use std::collections::BTreeMap;
use std::time::Instant;

fn main() {
    let seed = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let spec = WorldSpec {
        seed,
        ..WorldSpec::default()
    };
    let generator = ChunkGenerator::new(&spec);
    let mut classes: BTreeMap<SemanticClass, usize> = BTreeMap::new();
    let (mut tris, mut edges, mut n) = (0, 0, 0);
    let start = Instant::now();
    for z in -4..4 {
        for x in -4..4 {
            let c = generator.generate(ChunkCoord::new(x, z));
            for o in &c.objects {
                *classes.entry(o.class).or_default() += 1;
            }
            tris += c.triangle_count();
            edges += c.roads.edges.len();
            n += 1;
        }
    }
    let dt = start.elapsed();
    println!(
        "{n} chunks in {:.1} ms ({:.3} ms/chunk), {tris} triangles, {edges} road edges",
        dt.as_secs_f64() * 1e3,
        dt.as_secs_f64() * 1e3 / f64::from(n)
    );
    for (c, k) in classes {
        println!("  {c:>10}: {k}");
    }
}

//! Behaviour of the procedural city: determinism, seams, ids, variety.

use sprawl_gen::{ChunkGenerator, generate_chunk};
use sprawl_world::hash::{StableHasher, mix64};
use sprawl_world::{
    Chunk, ChunkCoord, Direction, DistrictMix, SemanticClass, StreetPattern, TerrainKind, WorldSpec,
};
use std::collections::{BTreeMap, HashSet};

/// Specs that exercise every street pattern, terrain kind and water feature.
fn specs() -> Vec<(&'static str, WorldSpec)> {
    let mut radial = WorldSpec {
        seed: 7,
        streets: StreetPattern::Radial,
        ..WorldSpec::default()
    };
    radial.terrain.kind = TerrainKind::Hilly;
    radial.terrain.relief = 40.0;
    radial.terrain.north_bias = 0.8;
    radial.water.river_width = Some(45.0);
    radial.water.river_offset = 150.0;
    let mut organic = WorldSpec {
        seed: 99,
        streets: StreetPattern::Organic,
        block_size: 70.0,
        ..WorldSpec::default()
    };
    organic.water.coast = Some(Direction::South);
    organic.water.coast_distance = 250.0;
    organic.water.lakes = 0.7;
    organic.districts = DistrictMix {
        downtown: 0.0,
        midrise: 0.2,
        residential: 1.0,
        industrial: 0.2,
        park: 0.2,
    };
    // A drawn map whose border falls exactly on chunk edges (1024 m centred on the origin).
    let sketch_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../assets/sketches/riverside.png"
    );
    let layout = sprawl_gen::sketch::interpret_sketch_file(sketch_path, &Default::default())
        .expect("sample sketch interprets")
        .layout;
    let sketched = WorldSpec {
        seed: 3,
        sketch: Some(layout),
        ..WorldSpec::default()
    };
    vec![
        ("default", WorldSpec::default()),
        ("radial-hilly-river", radial),
        ("organic-coast-lakes", organic),
        ("sketch-riverside", sketched),
    ]
}

fn fixed_coords() -> Vec<ChunkCoord> {
    let mut v: Vec<ChunkCoord> = (-5..5)
        .flat_map(|z| (-5..5).map(move |x| ChunkCoord::new(x, z)))
        .collect();
    v.extend([
        ChunkCoord::new(1000, -3000),
        ChunkCoord::new(-77, 12),
        ChunkCoord::new(40_000, 40_000),
    ]);
    v
}

#[test]
fn chunks_are_identical_in_any_order_on_any_thread() {
    for (name, spec) in specs() {
        let coords = fixed_coords();
        let sequential: BTreeMap<ChunkCoord, u64> = coords
            .iter()
            .map(|c| (*c, generate_chunk(&spec, *c).content_hash()))
            .collect();
        // Shuffle deterministically and spread over four threads sharing one generator.
        let mut shuffled = coords.clone();
        for i in (1..shuffled.len()).rev() {
            let j = (mix64(i as u64 ^ 0xfeed) % (i as u64 + 1)) as usize;
            shuffled.swap(i, j);
        }
        let generator = ChunkGenerator::new(&spec);
        let parallel: BTreeMap<ChunkCoord, u64> = std::thread::scope(|s| {
            let handles: Vec<_> = shuffled
                .chunks(shuffled.len().div_ceil(4))
                .map(|part| {
                    let g = &generator;
                    s.spawn(move || {
                        part.iter()
                            .map(|c| (*c, g.generate(*c).content_hash()))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("generator thread panicked"))
                .collect()
        });
        assert_eq!(
            sequential, parallel,
            "{name}: order or thread changed a chunk"
        );
    }
}

/// Golden hash over a fixed set of chunks of every test spec. If you changed
/// generated output on purpose, bump `GENERATOR_VERSION` and update this value
/// to the one printed in the failure message.
#[test]
fn golden_hash() {
    let mut h = StableHasher::new();
    for (_, spec) in specs() {
        for c in fixed_coords() {
            h.u64(generate_chunk(&spec, c).content_hash());
        }
    }
    let got = h.finish();
    let expected: u64 = 0x848d_0541_b65d_f83b;
    assert_eq!(
        got, expected,
        "generated output changed: if intended, bump sprawl_gen::GENERATOR_VERSION and set expected to {got:#018x}"
    );
}

fn grid(spec: &WorldSpec, n: i32) -> BTreeMap<ChunkCoord, Chunk> {
    let g = ChunkGenerator::new(spec);
    (-n..n)
        .flat_map(|z| (-n..n).map(move |x| ChunkCoord::new(x, z)))
        .map(|c| (c, g.generate(c)))
        .collect()
}

#[test]
fn terrain_heights_agree_along_shared_edges() {
    for (name, spec) in specs() {
        let chunks = grid(&spec, 5);
        for (c, chunk) in &chunks {
            let t = &chunk.terrain;
            let n = t.samples;
            if let Some(east) = chunks.get(&ChunkCoord::new(c.x + 1, c.z)) {
                for r in 0..n {
                    assert_eq!(
                        t.at(n - 1, r).to_bits(),
                        east.terrain.at(0, r).to_bits(),
                        "{name}: step at east edge of {c}"
                    );
                }
            }
            if let Some(south) = chunks.get(&ChunkCoord::new(c.x, c.z + 1)) {
                for col in 0..n {
                    assert_eq!(
                        t.at(col, n - 1).to_bits(),
                        south.terrain.at(col, 0).to_bits(),
                        "{name}: step at south edge of {c}"
                    );
                }
            }
        }
    }
}

#[test]
fn every_road_leaving_a_chunk_meets_its_continuation() {
    for (name, spec) in specs() {
        let chunks = grid(&spec, 5);
        let mut checked = 0;
        for (c, chunk) in &chunks {
            let size = chunk.size;
            let (x0, z0) = (c.x as f32 * size, c.z as f32 * size);
            let ports = chunk.roads.edges.iter().flat_map(|e| {
                let (a, b) = (
                    chunk.roads.nodes[e.from as usize],
                    chunk.roads.nodes[e.to as usize],
                );
                // (port, other end, lanes from the port into the chunk, lanes
                // from the chunk out through the port)
                [
                    (a, b.position, e.lanes_forward, e.lanes_backward),
                    (b, a.position, e.lanes_backward, e.lanes_forward),
                ]
                .into_iter()
                .filter(|(n, ..)| n.boundary)
                .map(move |(n, other, inward, outward)| {
                    (n.position, other, e.class, inward, outward)
                })
            });
            for (pos, other, class, inward, outward) in ports {
                // An edge of this chunk that runs along the shared edge meets
                // the neighbour's road in a T-junction, whatever its kind.
                let this_along = (other[0] == pos[0] && (pos[0] == x0 || pos[0] == x0 + size))
                    || (other[2] == pos[2] && (pos[2] == z0 || pos[2] == z0 + size));
                // The neighbours across whichever edges the node lies on; a
                // continuation must be within a millimetre.
                let dx: &[i32] = match pos[0] {
                    v if v == x0 => &[0, -1],
                    v if v == x0 + size => &[0, 1],
                    _ => &[0],
                };
                let dz: &[i32] = match pos[2] {
                    v if v == z0 => &[0, -1],
                    v if v == z0 + size => &[0, 1],
                    _ => &[0],
                };
                // Every other chunk that shares the point (three at a corner).
                let across: Vec<ChunkCoord> = dx
                    .iter()
                    .flat_map(|x| dz.iter().map(move |z| ChunkCoord::new(c.x + x, c.z + z)))
                    .filter(|n| n != c)
                    .collect();
                assert!(
                    !across.is_empty(),
                    "{name}: boundary node {pos:?} of {c} is not on an edge"
                );
                let present: Vec<_> = across.iter().filter_map(|n| chunks.get(n)).collect();
                if present.is_empty() {
                    continue;
                }
                // The continuation is the same kind of road, or (a T-junction)
                // a road running along the shared edge itself.
                let near = |q: [f32; 3]| {
                    (q[0] - pos[0]).abs() < 1e-3
                        && (q[2] - pos[2]).abs() < 1e-3
                        && (q[1] - pos[1]).abs() < 1e-3
                };
                let met = present.iter().any(|n| {
                    n.roads.edges.iter().any(|e| {
                        let (a, b) = (
                            n.roads.nodes[e.from as usize].position,
                            n.roads.nodes[e.to as usize].position,
                        );
                        // Traffic flows on: the lanes leaving this chunk
                        // through the port enter the neighbour, and back.
                        let (there_in, there_out) = if near(a) {
                            (e.lanes_forward, e.lanes_backward)
                        } else {
                            (e.lanes_backward, e.lanes_forward)
                        };
                        let same_kind =
                            e.class == class && there_in == outward && there_out == inward;
                        let along_edge =
                            (a[0] == b[0] && a[0] == pos[0]) || (a[2] == b[2] && a[2] == pos[2]);
                        (near(a) || near(b)) && (same_kind || along_edge || this_along)
                    })
                });
                assert!(
                    met,
                    "{name}: road leaving {c} at {pos:?} ({class:?}) has no continuation"
                );
                checked += 1;
            }
        }
        assert!(
            checked > 20,
            "{name}: only {checked} boundary crossings checked"
        );
    }
}

#[test]
fn ids_are_unique_and_stable_and_meshes_valid() {
    for (name, spec) in specs() {
        for c in fixed_coords().into_iter().take(12) {
            let a = generate_chunk(&spec, c);
            let b = generate_chunk(&spec, c);
            let ids: Vec<_> = a.objects.iter().map(|o| o.id).collect();
            assert_eq!(ids, b.objects.iter().map(|o| o.id).collect::<Vec<_>>());
            assert_eq!(
                ids.iter().collect::<HashSet<_>>().len(),
                ids.len(),
                "{name}: duplicate id in {c}"
            );
            for o in &a.objects {
                assert_eq!(o.id.chunk, c);
                assert!(!o.id.is_user());
                o.mesh
                    .validate()
                    .unwrap_or_else(|e| panic!("{name}: {} {}: {e}", o.id, o.class));
                for n in &o.mesh.normals {
                    let l = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
                    assert!(
                        (l - 1.0).abs() < 1e-3,
                        "{name}: {} has a normal of length {l}",
                        o.id
                    );
                }
                assert!(o.transform.is_finite());
            }
        }
    }
}

/// Object counts by class, the tallest building (metres) and the summed
/// bounding-box footprint of buildings (square metres).
fn census(spec: &WorldSpec) -> (BTreeMap<SemanticClass, usize>, f32, f32) {
    let mut counts = BTreeMap::new();
    let mut tallest: f32 = 0.0;
    let mut footprint = 0.0;
    for chunk in grid(spec, 3).values() {
        for o in &chunk.objects {
            *counts.entry(o.class).or_default() += 1;
            if o.class == SemanticClass::Building
                && let Some((lo, hi)) = o.mesh.bounds()
            {
                tallest = tallest.max(hi[1] - lo[1]);
                footprint += (hi[0] - lo[0]) * (hi[2] - lo[2]);
            }
        }
    }
    (counts, tallest, footprint)
}

#[test]
fn a_city_worth_walking_through() {
    // Parks are checked in `districts_shape_their_buildings`.
    let spec = specs().remove(1).1;
    let (counts, tallest, _) = census(&spec);
    for class in [
        SemanticClass::Terrain,
        SemanticClass::Road,
        SemanticClass::Sidewalk,
        SemanticClass::Building,
        SemanticClass::Roof,
        SemanticClass::Water,
        SemanticClass::Bridge,
        SemanticClass::Tree,
        SemanticClass::Lamp,
        SemanticClass::Bench,
        SemanticClass::ParkedCar,
    ] {
        assert!(
            counts.get(&class).copied().unwrap_or(0) > 0,
            "no {class} in 36 chunks: {counts:?}"
        );
    }
    assert!(tallest > 40.0, "no towers: tallest building {tallest} m");
}

#[test]
fn different_seeds_give_different_cities() {
    let a = WorldSpec {
        seed: 1,
        ..WorldSpec::default()
    };
    let b = WorldSpec {
        seed: 2,
        ..WorldSpec::default()
    };
    let ha: Vec<u64> = fixed_coords()
        .iter()
        .map(|c| generate_chunk(&a, *c).content_hash())
        .collect();
    let hb: Vec<u64> = fixed_coords()
        .iter()
        .map(|c| generate_chunk(&b, *c).content_hash())
        .collect();
    assert!(ha.iter().zip(&hb).all(|(x, y)| x != y));
    // Visibly different: the layout of buildings differs, not just bits.
    let (ca, _, _) = census(&a);
    let (cb, _, _) = census(&b);
    assert_ne!(ca, cb);
}

#[test]
fn different_prompts_give_different_kinds_of_city() {
    let city = |text: &str| {
        let spec = sprawl_gen::prompt::interpret_prompt(text, &WorldSpec::default())
            .expect("prompt interprets")
            .spec;
        census(&spec)
    };
    let (towers, towers_tallest, towers_built) =
        city("dense downtown of glass towers by a river, hills to the north, autumn evening");
    let (village, village_tallest, village_built) = city("sleepy seaside village with red roofs");
    let (port, _, _) = city("industrial port at night in the rain");
    let n = |c: &BTreeMap<SemanticClass, usize>, k| c.get(&k).copied().unwrap_or(0);
    assert!(towers_tallest > 60.0, "downtown tallest {towers_tallest} m");
    assert!(
        village_tallest < 20.0,
        "village tallest {village_tallest} m"
    );
    assert!(
        n(&towers, SemanticClass::Bridge) > 0,
        "the river has no bridges: {towers:?}"
    );
    assert!(
        n(&village, SemanticClass::Water) > 0,
        "the seaside village has no sea: {village:?}"
    );
    assert!(
        n(&port, SemanticClass::Water) > 0,
        "the port has no water: {port:?}"
    );
    assert!(
        village_built * 1.5 < towers_built,
        "a sleepy village ({village_built} m² built) should be sparser than a dense downtown ({towers_built} m²)"
    );
}

/// `ChunkGenerator::road_graph` (for planning routes over chunks never
/// loaded) is exactly the road graph a full generation makes.
#[test]
fn road_graph_alone_equals_the_generated_chunks_graph() {
    let mut edges = 0;
    for (name, spec) in specs() {
        let generator = ChunkGenerator::new(&spec);
        for z in -3..=3 {
            for x in -3..=3 {
                let c = ChunkCoord::new(x, z);
                let full = generator.generate(c).roads;
                assert_eq!(generator.road_graph(c), full, "{name} {c:?}");
                edges += full.edges.len();
            }
        }
    }
    assert!(edges > 100, "only {edges} road edges compared");
}

/// `ChunkGenerator::generate_physics` (for the simulator) is exactly the
/// full chunk with every mesh emptied but for its material: same objects,
/// ids, classes, transforms, physics shapes, heightfield and road graph.
#[test]
fn physics_only_chunks_equal_full_chunks_without_meshes() {
    let mut objects = 0;
    for (name, spec) in specs() {
        let generator = ChunkGenerator::new(&spec);
        for c in fixed_coords().into_iter().step_by(3) {
            let mut full = generator.generate(c);
            for o in &mut full.objects {
                o.mesh = sprawl_world::MeshData {
                    material: o.mesh.material,
                    ..Default::default()
                };
            }
            objects += full.objects.len();
            assert_eq!(generator.generate_physics(c), full, "{name} {c:?}");
        }
    }
    assert!(objects > 1000, "only {objects} objects compared");
}

/// A road drawn across a drawn river is a bridge, and the river drawn up to
/// the sketch's border flows on past it instead of stopping at the frame.
#[test]
fn a_sketched_river_is_bridged_and_flows_on_past_the_border() {
    let (_, spec) = specs().remove(3);
    let layout = spec.sketch.clone().expect("sketch spec");
    let g = ChunkGenerator::new(&spec);
    // Chunks well inside the 1024 m sketch: no procedural street reaches them.
    let bridges: usize = (-3..3)
        .flat_map(|z| (-3..3).map(move |x| ChunkCoord::new(x, z)))
        .map(|c| {
            g.generate(c)
                .objects
                .iter()
                .filter(|o| o.class == SemanticClass::Bridge)
                .count()
        })
        .sum();
    assert!(bridges >= 2, "drawn crossings give {bridges} bridges");

    // Where the river meets the north and south borders it flows on: at every
    // distance out to 1.5 km, some ground within 400 m of the mouth is water.
    let level = f64::from(spec.water.level);
    let r = layout.region();
    for (row, sign, border) in [(0, -1.0, r.z0), (layout.height as i64 - 1, 1.0, r.z1)] {
        let wet_cols: Vec<i64> = (0..i64::from(layout.width))
            .filter(|c| layout.cell(*c, row) == Some(sprawl_world::SketchCell::Water))
            .collect();
        assert!(!wet_cols.is_empty(), "the sample river reaches row {row}");
        let mouth = f64::from(layout.origin[0])
            + (wet_cols[0] + wet_cols[wet_cols.len() - 1]) as f64 / 2.0
                * f64::from(layout.metres_per_pixel);
        for step in 1..=94 {
            let z = f64::from(border) + sign * f64::from(step) * 16.0;
            let wet = (-200..=200)
                .map(|k| mouth + f64::from(k) * 2.0)
                .any(|x| g.ground_height(x, z) < level);
            assert!(wet, "the river stops {} m past the border", step * 16);
        }
    }
}

/// A radial city goes on as a chain of towns: avenues and rings around
/// centres far from the origin too (not only the main centre's avenues
/// running on), where a grid city has only straight north–south and
/// east–west streets.
#[test]
fn radial_cities_have_centres_beyond_the_first() {
    let (_, radial) = specs().remove(1);
    let grid_spec = WorldSpec::default();
    // 2–9 km east of the origin, beyond the main centre's 1.5 km outer ring.
    let diagonal_chunks = |spec: &WorldSpec| {
        let g = ChunkGenerator::new(spec);
        (-16..16)
            .flat_map(|z| (16..70).map(move |x| ChunkCoord::new(x, z)))
            .filter(|c| {
                let graph = g.road_graph(*c);
                graph.edges.iter().any(|e| {
                    let (a, b) = (
                        graph.nodes[e.from as usize].position,
                        graph.nodes[e.to as usize].position,
                    );
                    let (dx, dz) = (b[0] - a[0], b[2] - a[2]);
                    // Not an avenue of the main centre: its line misses the origin.
                    let off_origin = (a[0] * dz - a[2] * dx).abs() / dx.hypot(dz) > 50.0;
                    dx.abs() > 0.5 && dz.abs() > 0.5 && off_origin
                })
            })
            .count()
    };
    let radial_diagonal = diagonal_chunks(&radial);
    assert!(
        radial_diagonal > 40,
        "only {radial_diagonal} chunks with another centre's avenues or rings"
    );
    assert_eq!(
        diagonal_chunks(&grid_spec),
        0,
        "a grid city has no diagonals"
    );
}

/// What the buildings of a one-district city look like: mean height (m),
/// mean footprint (m²), the share of roofs rising over 1 m (pitched, or a
/// tower's stepped tiers), and the mean gap (m) from a
/// building's wall to the nearest street's centre line, less the street's
/// half width: the setback plus the sidewalk.
#[derive(Debug)]
struct Buildings {
    count: usize,
    height: f32,
    footprint: f32,
    pitched_roofs: f32,
    gap_to_street: f32,
    /// Park lawns.
    parks: usize,
}

fn buildings_of(kind: sprawl_world::DistrictKind) -> Buildings {
    use sprawl_world::DistrictKind as K;
    let weight = |k: K| if k == kind { 1.0 } else { 0.0 };
    let spec = WorldSpec {
        seed: 11,
        districts: DistrictMix {
            downtown: weight(K::Downtown),
            midrise: weight(K::Midrise),
            residential: weight(K::Residential),
            industrial: weight(K::Industrial),
            park: weight(K::Park),
        },
        ..WorldSpec::default()
    };
    let (mut count, mut roofs, mut pitched, mut parks) = (0usize, 0usize, 0usize, 0usize);
    let (mut height, mut footprint, mut gap) = (0.0, 0.0, 0.0);
    for chunk in grid(&spec, 2).values() {
        let edges: Vec<([f32; 3], [f32; 3], f32)> = chunk
            .roads
            .edges
            .iter()
            .map(|e| {
                let (a, b) = (
                    chunk.roads.nodes[e.from as usize].position,
                    chunk.roads.nodes[e.to as usize].position,
                );
                (a, b, e.width() * 0.5)
            })
            .collect();
        for o in &chunk.objects {
            parks += usize::from(o.class == SemanticClass::Park);
            if o.class == SemanticClass::Roof
                && let Some((lo, hi)) = o.mesh.bounds()
            {
                roofs += 1;
                pitched += usize::from(hi[1] - lo[1] > 1.0);
            }
            if o.class != SemanticClass::Building {
                continue;
            }
            let Some((lo, hi)) = o.mesh.bounds() else {
                continue;
            };
            let t = o.transform.translation;
            let (cx, cz) = (t.x + (lo[0] + hi[0]) * 0.5, t.z + (lo[2] + hi[2]) * 0.5);
            let half = ((hi[0] - lo[0]) * 0.5).min((hi[2] - lo[2]) * 0.5);
            let nearest = edges
                .iter()
                .map(|(a, b, w)| segment_distance([cx, cz], [a[0], a[2]], [b[0], b[2]]) - w)
                .fold(f32::MAX, f32::min);
            if nearest == f32::MAX {
                continue;
            }
            count += 1;
            height += hi[1] - lo[1];
            footprint += (hi[0] - lo[0]) * (hi[2] - lo[2]);
            gap += nearest - half;
        }
    }
    let n = count.max(1) as f32;
    Buildings {
        count,
        height: height / n,
        footprint: footprint / n,
        pitched_roofs: pitched as f32 / roofs.max(1) as f32,
        gap_to_street: gap / n,
        parks,
    }
}

/// Distance (metres) from `p` to the segment `a..b` in plan.
fn segment_distance(p: [f32; 2], a: [f32; 2], b: [f32; 2]) -> f32 {
    let (dx, dz) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dz * dz;
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dz) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (p[0] - a[0] - t * dx).hypot(p[1] - a[1] - t * dz)
}

/// Districts shape their buildings: towers downtown, low houses with
/// pitched roofs set back from the street in residential streets, big low
/// sheds in industrial ones, no buildings in parks.
#[test]
fn districts_shape_their_buildings() {
    use sprawl_world::DistrictKind as K;
    let downtown = buildings_of(K::Downtown);
    let midrise = buildings_of(K::Midrise);
    let residential = buildings_of(K::Residential);
    let industrial = buildings_of(K::Industrial);
    let park = buildings_of(K::Park);
    let all = [&downtown, &midrise, &residential, &industrial];
    assert!(all.iter().all(|b| b.count > 20), "{all:#?}");
    assert_eq!(park.count, 0, "{park:?}");
    assert!(park.parks > 10, "{park:?}");
    assert!(all.iter().all(|b| b.parks == 0), "{all:#?}");
    // Heights.
    assert!(downtown.height > 1.5 * midrise.height, "{all:#?}");
    assert!(midrise.height > 2.0 * residential.height, "{all:#?}");
    // Footprints: sheds and towers are bigger than houses.
    assert!(
        industrial.footprint > 3.0 * residential.footprint,
        "{all:#?}"
    );
    assert!(downtown.footprint > 3.0 * residential.footprint, "{all:#?}");
    // Setbacks: houses stand back from the street; towers meet the sidewalk.
    assert!(
        residential.gap_to_street > downtown.gap_to_street + 2.0,
        "{all:#?}"
    );
    // Roofs: pitched on houses, flat on blocks and sheds, and some towers
    // step back to a narrower upper tier.
    assert!(residential.pitched_roofs > 0.9, "{all:#?}");
    assert!(
        midrise.pitched_roofs < 0.1 && industrial.pitched_roofs < 0.1,
        "{all:#?}"
    );
    assert!((0.1..0.6).contains(&downtown.pitched_roofs), "{all:#?}");
}

/// Every kind of physics shape the data model offers is made: boxes for
/// props, convex hulls for buildings, triangle meshes for roads and
/// bridges, heightfields for the ground.
#[test]
fn every_physics_shape_kind_is_made() {
    use sprawl_world::PhysicsShape;
    let (_, spec) = specs().remove(1);
    let mut kinds = BTreeMap::new();
    for chunk in grid(&spec, 2).values() {
        for o in &chunk.objects {
            let kind = match o.shape {
                PhysicsShape::None => "none",
                PhysicsShape::Box { .. } => "box",
                PhysicsShape::ConvexHull { .. } => "convex hull",
                PhysicsShape::TriMesh { .. } => "triangle mesh",
                PhysicsShape::Heightfield { .. } => "heightfield",
            };
            *kinds.entry(kind).or_insert(0usize) += 1;
        }
    }
    for kind in ["box", "convex hull", "triangle mesh", "heightfield"] {
        assert!(kinds.contains_key(kind), "no {kind}: {kinds:?}");
    }
}

/// Share of a `side`-metre square centred at `(cx, cz)`, sampled every
/// 25 m, whose ground is under the water level, and the ground's range
/// and mean height (metres) there.
fn survey(spec: &WorldSpec, cx: f64, cz: f64, side: f64) -> (f64, f64, f64) {
    let g = ChunkGenerator::new(spec);
    let level = f64::from(spec.water.level);
    let n = (side / 25.0) as i32;
    let (mut wet, mut lo, mut hi, mut sum) = (0, f64::MAX, f64::MIN, 0.0);
    for j in 0..n {
        for i in 0..n {
            let x = cx - side / 2.0 + f64::from(i) * 25.0;
            let z = cz - side / 2.0 + f64::from(j) * 25.0;
            let h = g.ground_height(x, z);
            wet += i32::from(h < level);
            lo = lo.min(h);
            hi = hi.max(h);
            sum += h;
        }
    }
    let total = f64::from(n * n);
    (f64::from(wet) / total, hi - lo, sum / total)
}

/// Terrain and water follow the spec: hills where asked (higher to the
/// north when asked), flat ground where asked, the sea on the named side,
/// lakes only when wanted.
#[test]
fn terrain_and_water_follow_the_spec() {
    let (_, hilly) = specs().remove(1);
    let mut flat = WorldSpec::default();
    flat.terrain.kind = TerrainKind::Flat;
    let (_, hilly_range, _) = survey(&hilly, 0.0, -1500.0, 2000.0);
    let (_, flat_range, _) = survey(&flat, 0.0, 0.0, 2000.0);
    assert!(hilly_range > 25.0, "hills span only {hilly_range} m");
    assert!(flat_range < 6.0, "flat ground spans {flat_range} m");
    // north_bias 0.8: the north is higher than the south.
    let (_, _, north) = survey(&hilly, 0.0, -1500.0, 1000.0);
    let (_, _, south) = survey(&hilly, 0.0, 1500.0, 1000.0);
    assert!(north > south + 5.0, "north {north} m, south {south} m");

    let mut coast = WorldSpec::default();
    coast.water.coast = Some(Direction::South);
    coast.water.coast_distance = 250.0;
    let (sea, _, _) = survey(&coast, 0.0, 1500.0, 1000.0);
    let (inland, _, _) = survey(&coast, 0.0, -1500.0, 1000.0);
    assert!(sea > 0.95, "only {sea} of the south is sea");
    assert!(inland < 0.01, "{inland} of the north is under water");

    let mut lakes = WorldSpec::default();
    lakes.water.lakes = 1.0;
    let (lake_share, _, _) = survey(&lakes, 0.0, 0.0, 6000.0);
    let (dry_share, _, _) = survey(&WorldSpec::default(), 0.0, 0.0, 6000.0);
    assert!(
        (0.02..0.75).contains(&lake_share),
        "lakes cover {lake_share} of 36 km²"
    );
    assert_eq!(dry_share, 0.0, "water without rivers, coast or lakes");
}

/// Whether a chunk's water surface covers the chunk-local point `(x, z)`
/// (metres), edges included.
fn water_covers(chunk: &Chunk, x: f32, z: f32) -> bool {
    chunk
        .objects
        .iter()
        .filter(|o| o.class == SemanticClass::Water)
        .any(|o| {
            let p = &o.mesh.positions;
            o.mesh.indices.chunks(3).any(|t| {
                let [a, b, c] = [t[0], t[1], t[2]].map(|i| p[i as usize]);
                let cross = |u: [f32; 3], v: [f32; 3]| {
                    (v[0] - u[0]) * (z - u[2]) - (v[2] - u[2]) * (x - u[0])
                };
                let (d0, d1, d2) = (cross(a, b), cross(b, c), cross(c, a));
                let eps = 1e-3;
                (d0 >= -eps && d1 >= -eps && d2 >= -eps) || (d0 <= eps && d1 <= eps && d2 <= eps)
            })
        })
}

/// Rivers, coasts and lakes have no seams: wherever the ground on a shared
/// chunk edge is under water, both chunks' water surfaces reach that point.
#[test]
fn water_surfaces_meet_along_shared_edges() {
    for (name, spec) in specs() {
        let level = spec.water.level;
        let chunks = grid(&spec, 5);
        let mut checked = 0;
        for (c, chunk) in &chunks {
            let t = &chunk.terrain;
            let (n, size) = (t.samples, t.size);
            let step = size / (n - 1) as f32;
            let pairs = [
                (ChunkCoord::new(c.x + 1, c.z), true),
                (ChunkCoord::new(c.x, c.z + 1), false),
            ];
            for (other, east) in pairs {
                let Some(next) = chunks.get(&other) else {
                    continue;
                };
                for k in 0..n {
                    let (h, here, there) = if east {
                        let z = k as f32 * step;
                        (t.at(n - 1, k), (size, z), (0.0, z))
                    } else {
                        let x = k as f32 * step;
                        (t.at(k, n - 1), (x, size), (x, 0.0))
                    };
                    if h >= level {
                        continue;
                    }
                    checked += 1;
                    assert!(
                        water_covers(chunk, here.0, here.1) && water_covers(next, there.0, there.1),
                        "{name}: water ends at the edge between {c} and {other} at sample {k}"
                    );
                }
            }
        }
        // The default spec is dry; every other test spec has water on edges.
        if name != "default" {
            assert!(checked > 20, "{name}: only {checked} wet edge samples");
        }
    }
}

/// A stitched road-graph node: edges arriving with lanes, edges leaving
/// with lanes, and whether it lies on the outer border of the area looked at.
type Junction = (Vec<u64>, Vec<u64>, bool);

/// Downtown grids have one-way streets, alternate lines running opposite
/// ways; and in every test city, wherever traffic can arrive at a junction
/// it can leave it again without turning round against a one-way street.
#[test]
fn one_way_streets_never_trap_traffic() {
    let mut cities = specs();
    let mut downtown = WorldSpec {
        seed: 4,
        ..WorldSpec::default()
    };
    downtown.districts = DistrictMix {
        downtown: 1.0,
        midrise: 0.0,
        residential: 0.0,
        industrial: 0.0,
        park: 0.0,
    };
    cities.push(("downtown", downtown));
    for (name, spec) in cities {
        let g = ChunkGenerator::new(&spec);
        let n = 5;
        // Stitch the chunks' graphs by node position (centimetres).
        let key = |p: [f32; 3]| ((p[0] * 100.0).round() as i64, (p[2] * 100.0).round() as i64);
        let mut nodes: BTreeMap<(i64, i64), Junction> = BTreeMap::new();
        let (mut one_way, mut local) = (0usize, 0usize);
        // East–west one-way streets by line (z, centimetres): which ways they run.
        let mut lines: BTreeMap<i64, HashSet<bool>> = BTreeMap::new();
        let outer = |p: [f32; 3]| {
            let lim = n as f32 * spec.chunk_size;
            p[0] <= -lim + 0.01 || p[0] >= lim - 0.01 || p[2] <= -lim + 0.01 || p[2] >= lim - 0.01
        };
        for z in -n..n {
            for x in -n..n {
                let c = ChunkCoord::new(x, z);
                let graph = g.road_graph(c);
                for (i, e) in graph.edges.iter().enumerate() {
                    let id = mix64(((x as u64) << 40) ^ ((z as u64) << 20) ^ i as u64);
                    let (a, b) = (
                        graph.nodes[e.from as usize].position,
                        graph.nodes[e.to as usize].position,
                    );
                    if e.class == sprawl_world::RoadClass::Local {
                        local += 1;
                        one_way += usize::from(e.is_one_way());
                        if e.is_one_way() && a[2] == b[2] {
                            let east = (b[0] > a[0]) == (e.lanes_forward > 0);
                            lines.entry(key(a).1).or_default().insert(east);
                        }
                    }
                    for (p, arrive, leave) in [
                        (a, e.lanes_backward, e.lanes_forward),
                        (b, e.lanes_forward, e.lanes_backward),
                    ] {
                        let entry = nodes.entry(key(p)).or_insert((vec![], vec![], outer(p)));
                        if arrive > 0 {
                            entry.0.push(id);
                        }
                        if leave > 0 {
                            entry.1.push(id);
                        }
                    }
                }
            }
        }
        for ((x, z), (arrive, leave, border)) in &nodes {
            if *border {
                continue;
            }
            // Another way out, or back along the same street if it is two-way.
            if !arrive.is_empty() {
                assert!(
                    !leave.is_empty(),
                    "{name}: traffic arriving at ({}, {}) m cannot leave",
                    *x as f32 / 100.0,
                    *z as f32 / 100.0
                );
            }
        }
        if name == "downtown" {
            assert!(
                one_way * 3 > local,
                "{name}: only {one_way} of {local} local street edges are one-way"
            );
            // Each line runs one way, and neighbouring lines the other.
            assert!(lines.values().all(|ways| ways.len() == 1), "{lines:?}");
            let block = f64::from(spec.block_size);
            let by_index: BTreeMap<i64, bool> = lines
                .iter()
                .map(|(z, ways)| {
                    let j = (*z as f64 / 100.0 / block - 0.5).round() as i64;
                    (j, ways.contains(&true))
                })
                .collect();
            let neighbours: Vec<_> = by_index
                .iter()
                .filter_map(|(j, east)| by_index.get(&(j + 1)).map(|next| (*east, *next)))
                .collect();
            assert!(neighbours.len() > 3, "{lines:?}");
            assert!(neighbours.iter().all(|(a, b)| a != b), "{lines:?}");
        }
        if name == "organic-coast-lakes" {
            assert_eq!(one_way, 0, "{name}: organic old towns keep two-way streets");
        }
    }
}

/// The road around a sketch's border is whole: where a drawn river leaves
/// the sketch it crosses on a bridge instead of stopping at the banks.
#[test]
fn the_road_around_a_sketch_is_unbroken_over_its_rivers() {
    let (_, spec) = specs().remove(3);
    let r = spec.sketch.as_ref().expect("sketch spec").region();
    let g = ChunkGenerator::new(&spec);
    // Border-road length per side (west, north, east, south) and bridges on it.
    let (mut sides, mut bridges) = ([0.0f32; 4], 0);
    let mut seen = HashSet::new();
    for z in -5..5 {
        for x in -5..5 {
            let graph = g.road_graph(ChunkCoord::new(x, z));
            for e in &graph.edges {
                let (a, b) = (
                    graph.nodes[e.from as usize].position,
                    graph.nodes[e.to as usize].position,
                );
                let key = (a.map(f32::to_bits), b.map(f32::to_bits));
                if !seen.insert(key) {
                    continue;
                }
                let side = [
                    a[0] == r.x0 && b[0] == r.x0,
                    a[2] == r.z0 && b[2] == r.z0,
                    a[0] == r.x1 && b[0] == r.x1,
                    a[2] == r.z1 && b[2] == r.z1,
                ]
                .iter()
                .position(|on| *on);
                if let Some(side) = side {
                    sides[side] += (b[0] - a[0]).hypot(b[2] - a[2]);
                    bridges += usize::from(e.bridge);
                }
            }
        }
    }
    let full = r.x1 - r.x0;
    for (side, len) in ["west", "north", "east", "south"].iter().zip(sides) {
        assert!(
            (len - full).abs() < 0.1,
            "the {side} border road is {len} m of {full} m"
        );
    }
    assert!(bridges >= 2, "{bridges} bridges where the river leaves");
}

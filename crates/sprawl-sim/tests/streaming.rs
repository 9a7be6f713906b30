//! Chunks stream around every agent: new ones load, far ones drop.

mod common;

use sprawl_sim::Sim;
use sprawl_world::ChunkCoord;

fn near(coords: &[ChunkCoord], p: [f32; 3]) -> bool {
    let c = ChunkCoord::containing(p[0], p[2], 128.0);
    coords.contains(&c)
}

#[test]
fn a_far_agent_loads_new_chunks_and_drops_old_ones() {
    let mut sim = Sim::new(common::quiet("car")).unwrap();
    sim.reset(5).unwrap();
    let start = sim.agent_state(0).position;
    let before = sim.loaded_chunk_coords();
    assert!(near(&before, start));
    assert!(sim.loaded_chunks() >= 1);
    let far = [start[0] + 1500.0, start[1], start[2] - 700.0];
    sim.teleport(0, far, 0.0).unwrap();
    let after = sim.loaded_chunk_coords();
    assert!(
        near(&after, far),
        "the agent's new chunk is not loaded: {after:?}"
    );
    assert!(
        before.iter().all(|c| !after.contains(c)),
        "chunks near the old place are still loaded: {after:?}"
    );
    // Sensors see the new place (something within 50 m in some direction,
    // at least the ground ahead of a hill or a building).
    sim.step(&[&[0.0, 1.0, 0.0]]).unwrap();
    assert!(sim.agent_state(0).position[0] > start[0] + 1400.0);
}

#[test]
fn two_agents_far_apart_both_get_chunks() {
    let mut config = common::quiet("car");
    config.agents.push("pedestrian".into());
    let mut sim = Sim::new(config).unwrap();
    sim.reset(8).unwrap();
    let a = sim.agent_state(0).position;
    let b = [a[0] - 2000.0, a[1], a[2] + 900.0];
    sim.teleport(1, b, 1.0).unwrap();
    for _ in 0..3 {
        sim.step(&[&[0.0, 1.0, 0.0], &[0.5, 0.0]]).unwrap();
    }
    let coords = sim.loaded_chunk_coords();
    assert!(near(&coords, sim.agent_state(0).position), "{coords:?}");
    assert!(near(&coords, sim.agent_state(1).position), "{coords:?}");
}

#[test]
fn driving_prefetches_in_the_background() {
    let mut config = common::quiet("car");
    config.stream_radius = 50.0;
    let mut sim = Sim::new(config).unwrap();
    sim.reset(21).unwrap();
    let first = sim.loaded_chunk_coords();
    let mut seen = first.clone();
    for _ in 0..250 {
        let a = common::follow(&sim, 12.0);
        sim.step(&[&a]).unwrap();
        for c in sim.loaded_chunk_coords() {
            if !seen.contains(&c) {
                seen.push(c);
            }
        }
        if sim.terminated(0) {
            break;
        }
    }
    let stats = sim.loader_stats();
    assert!(stats.requested > 0, "{stats:?}");
    assert!(
        seen.len() > first.len(),
        "driving never loaded another chunk: {seen:?}"
    );
}

//! Observation bounds and the route-length option.

mod common;

use sprawl_sim::{Sim, SimConfig, SimError, SimOptions, vector_obs_bounds};

/// Every vector observation value stays within [`vector_obs_bounds`], for
/// every kind, while agents flail about in traffic (crashes and resets included).
#[test]
fn vector_observations_stay_within_their_bounds() {
    for kind in ["car", "pedestrian", "drone"] {
        let config = SimConfig {
            traffic_density: 0.3,
            pedestrian_density: 0.3,
            max_steps: 150,
            ..common::quiet(kind)
        };
        let mut sim = Sim::new(config).unwrap();
        sim.reset(4).unwrap();
        let (lo, hi) = sim.vector_obs_bounds(0);
        assert_eq!(lo.len(), sim.vector_obs_len(0));
        assert_eq!((lo.clone(), hi.clone()), vector_obs_bounds(120));
        let (alo, ahi) = sim.action_bounds(0);
        let mut obs = vec![0.0; lo.len()];
        let mut seed = 4;
        for step in 0..600u32 {
            // Actions swept across their bounds, different per component.
            let act: Vec<f32> = alo
                .iter()
                .zip(&ahi)
                .enumerate()
                .map(|(k, (a, b))| {
                    let u = ((step * (7 + 5 * k as u32)) % 23) as f32 / 22.0;
                    a + (b - a) * u
                })
                .collect();
            sim.step(&[&act]).unwrap();
            sim.write_vector_obs(0, &mut obs);
            for (i, v) in obs.iter().enumerate() {
                assert!(
                    v.is_finite() && *v >= lo[i] && *v <= hi[i],
                    "{kind} step {step}: obs[{i}] = {v} outside {}..={}",
                    lo[i],
                    hi[i]
                );
            }
            if sim.terminated(0) || sim.truncated(0) {
                seed += 1;
                sim.reset(seed).unwrap();
            }
        }
    }
}

#[test]
fn route_length_sets_the_goal_distance() {
    for (kind, metres) in [("car", 120.0), ("pedestrian", 60.0), ("drone", 900.0)] {
        let options = SimOptions {
            route_length: Some(metres),
            ..SimOptions::default()
        };
        let mut sim = Sim::with_options(common::quiet(kind), options).unwrap();
        for seed in [1, 2] {
            sim.reset(seed).unwrap();
            let s = sim.agent_state(0);
            assert!(
                (s.route_length - metres).abs() < 0.5,
                "{kind} seed {seed}: route {} m, asked {metres} m",
                s.route_length
            );
        }
    }
    // The default stays the kind's own.
    let mut sim = Sim::new(common::quiet("car")).unwrap();
    sim.reset(1).unwrap();
    assert!((sim.agent_state(0).route_length - 300.0).abs() < 0.5);

    for bad in [0.0, 19.9, 5000.5, f32::NAN, f32::INFINITY, -50.0] {
        let options = SimOptions {
            route_length: Some(bad),
            ..SimOptions::default()
        };
        match Sim::with_options(common::quiet("car"), options) {
            Err(SimError::InvalidConfig(m)) => assert!(m.contains("route_length"), "{m}"),
            Err(e) => panic!("{bad}: {e}"),
            Ok(_) => panic!("route_length {bad} was accepted"),
        }
    }
}

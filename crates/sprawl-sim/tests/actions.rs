//! Bad actions and configurations are refused with clear errors; nothing moves.

mod common;

use sprawl_sim::{Sim, SimConfig, SimError};

fn snapshot(sim: &Sim) -> Vec<u32> {
    let mut out = Vec::new();
    for i in 0..sim.num_agents() {
        let s = sim.agent_state(i);
        out.extend(s.position.map(f32::to_bits));
        out.extend([s.yaw, s.speed].map(f32::to_bits));
        out.push(s.steps);
        let mut obs = vec![0.0; sim.vector_obs_len(i)];
        sim.write_vector_obs(i, &mut obs);
        out.extend(obs.iter().map(|v| v.to_bits()));
    }
    out
}

#[test]
fn bad_actions_are_refused_and_change_nothing() {
    let mut config = common::quiet("car");
    config.agents.push("drone".into());
    let mut sim = Sim::new(config).unwrap();
    assert!(matches!(
        sim.step(&[&[0.0, 0.0, 0.0], &[0.5, 0.0, 0.0, 0.0]]),
        Err(SimError::NotReset)
    ));
    sim.reset(3).unwrap();
    sim.step(&[&[0.5, 0.0, 0.0], &[0.6, 0.0, 0.0, 0.0]])
        .unwrap();
    let before = snapshot(&sim);
    let good_drone: &[f32] = &[0.5, 0.0, 0.0, 0.0];
    let cases: Vec<(Vec<Vec<f32>>, &str)> = vec![
        (vec![vec![f32::NAN, 0.0, 0.0], good_drone.to_vec()], "NaN"),
        (
            vec![vec![0.5, 0.0, f32::INFINITY], good_drone.to_vec()],
            "inf",
        ),
        (
            vec![vec![0.5, f32::NEG_INFINITY, 0.0], good_drone.to_vec()],
            "-inf",
        ),
        (
            vec![vec![0.5, 0.0], good_drone.to_vec()],
            "takes 3 values, got 2",
        ),
        (
            vec![vec![0.5, 0.0, 0.0, 0.0], good_drone.to_vec()],
            "takes 3 values, got 4",
        ),
        (
            vec![vec![1.5, 0.0, 0.0], good_drone.to_vec()],
            "outside its bounds",
        ),
        (
            vec![vec![0.5, 0.0, -1.01], good_drone.to_vec()],
            "outside its bounds",
        ),
        // The first agent is fine; the second one's action is not.
        (
            vec![vec![0.5, 0.0, 0.0], vec![0.5, f32::NAN, 0.0, 0.0]],
            "NaN",
        ),
    ];
    for (acts, expect) in cases {
        let refs: Vec<&[f32]> = acts.iter().map(|a| a.as_slice()).collect();
        let err = sim.step(&refs).unwrap_err();
        let agent = acts.iter().position(|a| {
            a.len() != 3 && a.len() != 4
                || a.iter().any(|v| !v.is_finite() || v.abs() > 1.0)
                || (a.len() == 4 && a[0] < 0.0)
        });
        match &err {
            SimError::InvalidAction { agent: i, reason } => {
                assert!(
                    reason.contains(expect),
                    "`{reason}` should mention `{expect}`"
                );
                if let Some(a) = agent {
                    assert_eq!(*i, a);
                }
            }
            other => panic!("expected InvalidAction, got {other}"),
        }
        assert!(err.to_string().starts_with("invalid action for agent"));
        assert_eq!(snapshot(&sim), before, "a refused action changed the world");
    }
    for refs in [
        vec![&[0.5f32, 0.0, 0.0][..]],
        vec![&[0.5, 0.0, 0.0][..], good_drone, good_drone],
    ] {
        let err = sim.step(&refs).unwrap_err();
        assert!(
            matches!(err, SimError::WrongActionCount { expected: 2, got } if got == refs.len()),
            "{err}"
        );
        assert_eq!(snapshot(&sim), before);
    }
    // Still usable afterwards.
    sim.step(&[&[0.5, 0.0, 0.0], good_drone]).unwrap();
    assert_ne!(snapshot(&sim), before);
}

#[test]
fn bad_configurations_are_refused() {
    let unknown = SimConfig {
        agents: vec!["car".into(), "hovercraft".into()],
        ..SimConfig::default()
    };
    let err = Sim::new(unknown).err().unwrap();
    assert!(
        err.to_string().contains("hovercraft") && err.to_string().contains("pedestrian"),
        "{err}"
    );
    for bad in [
        SimConfig {
            dt: 0.0,
            ..SimConfig::default()
        },
        SimConfig {
            dt: f32::NAN,
            ..SimConfig::default()
        },
        SimConfig {
            traffic_density: 1.5,
            ..SimConfig::default()
        },
        SimConfig {
            agents: vec![],
            ..SimConfig::default()
        },
        SimConfig {
            stream_radius: -1.0,
            ..SimConfig::default()
        },
    ] {
        assert!(matches!(Sim::new(bad), Err(SimError::InvalidConfig(_))));
    }
    let missing = SimConfig {
        world: sprawl_sim::WorldSource::File("/nonexistent/world.sprawl".into()),
        ..SimConfig::default()
    };
    assert!(matches!(Sim::new(missing), Err(SimError::Store(_))));
}

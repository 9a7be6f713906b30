//! Each agent kind moves plausibly.

mod common;

use glam::{Vec2, Vec3};
use sprawl_sim::{Outcome, Sim};

#[test]
fn car_accelerates_on_the_road_and_stops_with_the_brake() {
    let mut sim = Sim::new(common::quiet("car")).unwrap();
    sim.reset(4).unwrap();
    assert_eq!(sim.agent_kind(0), "car");
    assert_eq!(sim.action_dim(0), 3);
    let mut on_road = 0;
    for _ in 0..40 {
        let a = common::follow(&sim, 30.0);
        sim.step(&[&[1.0, 0.0, a[2]]]).unwrap();
        on_road += usize::from(sim.agent_state(0).on_route_surface);
    }
    let s = sim.agent_state(0);
    assert_eq!(s.outcome, Outcome::Running, "{s:?}");
    // 4 s at full throttle: well over 8 m/s, and it went forwards along its route.
    assert!(
        s.speed > 8.0 && s.speed < 20.0,
        "speed after 4 s: {}",
        s.speed
    );
    assert!(s.route_progress > 20.0, "{s:?}");
    assert!(on_road >= 38, "on the road {on_road} of 40 steps");
    let mut steps = 0;
    while sim.agent_state(0).speed > 0.01 {
        let a = common::follow(&sim, 0.0);
        sim.step(&[&[0.0, 1.0, a[2]]]).unwrap();
        steps += 1;
        assert!(steps < 30, "still moving after 3 s of full brake");
    }
    // 9 m/s² from ≈ 14 m/s: under 2 s.
    assert!(steps <= 20, "{steps} steps to stop");
    // And stays stopped.
    let p = sim.agent_state(0).position;
    sim.step(&[&[0.0, 1.0, 0.0]]).unwrap();
    assert_eq!(sim.agent_state(0).position[0], p[0]);
}

#[test]
fn pedestrian_walks_and_is_stopped_by_a_building() {
    let mut sim = Sim::new(common::quiet("pedestrian")).unwrap();
    sim.reset(6).unwrap();
    let p0 = Vec3::from(sim.agent_state(0).position);
    for _ in 0..20 {
        sim.step(&[&[1.0, 0.0]]).unwrap();
    }
    let p1 = Vec3::from(sim.agent_state(0).position);
    let walked = Vec2::new(p1.x - p0.x, p1.z - p0.z).length();
    // 2 s at 2 m/s (unless something was in the way right away).
    assert!(walked > 2.0 && walked < 4.2, "walked {walked} m in 2 s");

    let chunks = common::live_chunks(&sim, 6);
    let walls = common::walls(&chunks, 3.0);
    assert!(!walls.is_empty());
    let mut blocked = 0;
    for w in walls.iter().take(6) {
        sim.teleport(0, w.stand.to_array(), w.yaw).unwrap();
        for _ in 0..40 {
            sim.step(&[&[1.0, 0.0]]).unwrap();
        }
        let p = Vec3::from(sim.agent_state(0).position);
        // Signed distance in front of the wall: never inside it.
        let ahead = (Vec2::new(p.x, p.z) - w.mid).dot(w.normal);
        assert!(
            ahead > 0.1,
            "walked into a building: {ahead} m in front of the wall"
        );
        blocked += usize::from(ahead < 1.0);
    }
    assert!(blocked >= 3, "only {blocked} walks ended at the wall");
}

#[test]
fn drone_rises_with_thrust_and_crashes_into_a_building() {
    let mut sim = Sim::new(common::quiet("drone")).unwrap();
    sim.reset(9).unwrap();
    assert_eq!(sim.action_dim(0), 4);
    let y0 = sim.agent_state(0).position[1];
    // Idle: stays on the ground.
    for _ in 0..5 {
        sim.step(&[&[0.0, 0.0, 0.0, 0.0]]).unwrap();
    }
    assert!((sim.agent_state(0).position[1] - y0).abs() < 0.1);
    assert_eq!(sim.outcome(0), Outcome::Running);
    for _ in 0..20 {
        sim.step(&[&[1.0, 0.0, 0.0, 0.0]]).unwrap();
    }
    let y1 = sim.agent_state(0).position[1];
    assert!(y1 > y0 + 8.0, "rose {} m in 2 s at full thrust", y1 - y0);

    let chunks = common::live_chunks(&sim, 9);
    let wall = common::walls(&chunks, 12.0)
        .into_iter()
        .find(|w| w.height > 12.0)
        .expect("a building over 12 m near the spawn");
    sim.teleport(0, wall.stand.to_array(), wall.yaw).unwrap();
    // Climb a little, tip the nose down, then fly at the wall.
    for _ in 0..8 {
        sim.step(&[&[0.8, 0.0, 0.0, 0.0]]).unwrap();
    }
    for _ in 0..3 {
        sim.step(&[&[0.6, 0.0, -1.0, 0.0]]).unwrap();
    }
    let mut crashed = false;
    for _ in 0..60 {
        sim.step(&[&[0.62, 0.0, 0.0, 0.0]]).unwrap();
        if sim.outcome(0) == Outcome::Crash {
            crashed = true;
            break;
        }
    }
    let s = sim.agent_state(0);
    assert!(crashed, "the drone never crashed: {s:?}");
    assert!(sim.terminated(0) && !sim.truncated(0));
    let p = Vec2::new(s.position[0], s.position[2]);
    assert!(
        (p - wall.mid).dot(wall.normal) > -0.5,
        "stopped inside the wall"
    );
}

#[test]
fn several_agents_of_mixed_kinds_share_one_world() {
    let mut config = common::quiet("car");
    config.agents = ["car", "car", "pedestrian", "drone", "car", "pedestrian"]
        .map(String::from)
        .to_vec();
    config.traffic_density = 0.5;
    let mut sim = Sim::new(config).unwrap();
    for seed in 0..3 {
        sim.reset(seed).unwrap();
        let positions: Vec<Vec3> = (0..6)
            .map(|i| Vec3::from(sim.agent_state(i).position))
            .collect();
        for (i, a) in positions.iter().enumerate() {
            for b in &positions[i + 1..] {
                assert!(
                    a.distance(*b) > 10.0,
                    "seed {seed}: spawns {a} and {b} overlap"
                );
            }
        }
        let idle: [&[f32]; 6] = [
            &[0.0, 1.0, 0.0],
            &[0.0, 1.0, 0.0],
            &[0.0, 0.0],
            &[0.0, 0.0, 0.0, 0.0],
            &[0.0, 1.0, 0.0],
            &[0.0, 0.0],
        ];
        sim.step(&idle).unwrap();
        for i in 0..6 {
            assert_eq!(sim.outcome(i), Outcome::Running, "seed {seed} agent {i}");
            assert!(sim.agent_state(i).route_length > 100.0);
        }
    }
}

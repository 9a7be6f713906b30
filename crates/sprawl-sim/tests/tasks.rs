//! Episodes end: time-out, crash; rewards follow progress.

mod common;

use glam::Vec3;
use sprawl_sim::{Outcome, Sim};
use sprawl_world::SemanticClass;

#[test]
fn an_idle_episode_times_out() {
    let mut config = common::quiet("car");
    config.max_steps = 15;
    let mut sim = Sim::new(config).unwrap();
    sim.reset(2).unwrap();
    for k in 1..=15 {
        assert_eq!(sim.outcome(0), Outcome::Running);
        sim.step(&[&[0.0, 1.0, 0.0]]).unwrap();
        assert_eq!(sim.agent_state(0).steps, k);
    }
    assert_eq!(sim.outcome(0), Outcome::Timeout);
    assert!(sim.truncated(0) && !sim.terminated(0));
    assert_eq!(sim.reward(0), 0.0);
}

#[test]
fn driving_along_the_route_is_rewarded() {
    let mut sim = Sim::new(common::quiet("car")).unwrap();
    sim.reset(3).unwrap();
    let mut total = 0.0;
    for _ in 0..60 {
        let a = common::follow(&sim, 10.0);
        sim.step(&[&a]).unwrap();
        total += sim.reward(0);
        if sim.outcome(0) != Outcome::Running {
            break;
        }
    }
    let s = sim.agent_state(0);
    assert!(s.route_progress > 30.0, "{s:?}");
    assert!(
        total > 2.0,
        "reward {total} for {} m of progress",
        s.route_progress
    );
    assert!(s.route_length > 250.0 && s.distance_to_goal > 0.0);
}

#[test]
fn driving_into_a_parked_car_is_a_crash() {
    let mut sim = Sim::new(common::quiet("car")).unwrap();
    sim.reset(5).unwrap();
    let chunks = common::live_chunks(&sim, 5);
    let parked: Vec<_> = chunks
        .iter()
        .flat_map(|c| &c.objects)
        .filter(|o| o.class == SemanticClass::ParkedCar)
        .collect();
    assert!(!parked.is_empty());
    let mut crashes = 0;
    for car in parked.iter().take(4) {
        // Parked cars are meshed along Z; stand 9 m away along their length, facing them.
        let along = car.transform.rotation * Vec3::Z;
        let start = car.transform.translation - along * 9.0;
        let heading = (-along.x).atan2(-along.z);
        sim.reset(5).unwrap();
        sim.teleport(0, start.to_array(), heading).unwrap();
        let mut reward = 0.0;
        for _ in 0..40 {
            sim.step(&[&[1.0, 0.0, 0.0]]).unwrap();
            reward = sim.reward(0);
            if sim.outcome(0) != Outcome::Running {
                break;
            }
        }
        if sim.outcome(0) == Outcome::Crash {
            crashes += 1;
            assert!(sim.terminated(0));
            assert!(reward <= -9.0, "crash reward {reward}");
            assert!(sim.agent_state(0).collided);
        }
    }
    assert!(
        crashes >= 2,
        "only {crashes} of 4 drives into parked cars crashed"
    );
}

#[test]
fn driving_against_the_traffic_ends_as_wrong_way() {
    let mut sim = Sim::new(common::quiet("car")).unwrap();
    let mut wrong = 0;
    for seed in 0..8 {
        sim.reset(seed).unwrap();
        let s = sim.agent_state(0);
        // The spawn is in the first lane right of the centre line; the lane
        // mirrored across it carries the other direction.
        let left = Vec3::new(
            -(s.yaw + std::f32::consts::FRAC_PI_2).sin(),
            0.0,
            -(s.yaw + std::f32::consts::FRAC_PI_2).cos(),
        );
        let p = Vec3::from(s.position) + left * 3.5;
        sim.teleport(0, p.to_array(), s.yaw).unwrap();
        for _ in 0..80 {
            let v = sim.agent_state(0).speed;
            sim.step(&[&[if v < 6.0 { 0.6 } else { 0.0 }, 0.0, 0.0]])
                .unwrap();
            if sim.outcome(0) != Outcome::Running {
                break;
            }
        }
        assert_ne!(
            sim.outcome(0),
            Outcome::OffRoad,
            "seed {seed}: the other lane is road"
        );
        if sim.outcome(0) == Outcome::WrongWay {
            wrong += 1;
            assert!(sim.terminated(0) && sim.reward(0) <= -5.0);
        }
    }
    assert!(
        wrong >= 3,
        "only {wrong} of 8 wrong-way drives were called wrong way"
    );
}

#[test]
fn driving_off_the_road_ends_as_off_road() {
    let mut sim = Sim::new(common::quiet("car")).unwrap();
    sim.reset(7).unwrap();
    let walls = common::walls(&common::live_chunks(&sim, 7), 12.0);
    let mut off = 0;
    for w in walls.iter().take(8) {
        sim.reset(7).unwrap();
        sim.teleport(0, w.stand.to_array(), w.yaw + std::f32::consts::PI)
            .unwrap();
        for _ in 0..15 {
            sim.step(&[&[0.0, 1.0, 0.0]]).unwrap();
        }
        if sim.outcome(0) == Outcome::OffRoad {
            off += 1;
            assert!(!sim.agent_state(0).on_route_surface);
        }
    }
    assert!(
        off >= 2,
        "only {off} of 8 cars parked in front of buildings were off the road"
    );
}

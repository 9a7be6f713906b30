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

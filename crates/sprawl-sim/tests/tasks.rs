//! Episodes end: time-out, crash; rewards follow progress.

mod common;

use glam::Vec3;
use sprawl_sim::{Outcome, Sim, SimConfig};
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

/// On a one-way street both lanes carry the traffic: driving in either is
/// fine, and only driving against the street's direction is wrong way.
#[test]
fn one_way_streets_are_wrong_way_only_against_their_direction() {
    use common::downtown;
    use sprawl_world::ChunkCoord;
    let config = SimConfig {
        world: sprawl_sim::WorldSource::Spec(Box::new(downtown(0))),
        ..common::quiet("car")
    };
    let mut sim = Sim::new(config).unwrap();
    // 20 s: long enough to spend the 3 s that end an episode as wrong way
    // between junctions (where the rule is not applied) at 6 m/s.
    let drive = |sim: &mut Sim, p: Vec3, yaw: f32| {
        sim.teleport(0, p.to_array(), yaw).unwrap();
        for _ in 0..200 {
            let v = sim.agent_state(0).speed;
            sim.step(&[&[if v < 6.0 { 0.6 } else { 0.0 }, 0.0, 0.0]])
                .unwrap();
            if sim.outcome(0) != Outcome::Running {
                break;
            }
        }
        sim.outcome(0)
    };
    let mut tried = 0;
    for seed in 0..60 {
        sim.reset(seed).unwrap();
        let s = sim.agent_state(0);
        let p = Vec3::from(s.position);
        let spec = downtown(seed);
        let c = ChunkCoord::containing(p.x, p.z, spec.chunk_size);
        let graph = sprawl_gen::ChunkGenerator::new(&spec).road_graph(c);
        // The edge the spawn lies on.
        let on_one_way = graph.edges.iter().any(|e| {
            let a = graph.nodes[e.from as usize].position;
            let b = graph.nodes[e.to as usize].position;
            let (dx, dz) = (b[0] - a[0], b[2] - a[2]);
            let len = dx.hypot(dz);
            let along = ((p.x - a[0]) * dx + (p.z - a[2]) * dz) / len;
            let across = ((p.x - a[0]) * -dz + (p.z - a[2]) * dx) / len;
            e.is_one_way() && along > 0.0 && along < len && across.abs() < e.width() / 2.0
        });
        if !on_one_way {
            continue;
        }
        tried += 1;
        // Lane 0 of a one-way street is its left lane; the right one is 3.5 m over.
        let right = Vec3::new(
            (s.yaw + std::f32::consts::FRAC_PI_2).sin(),
            0.0,
            (s.yaw + std::f32::consts::FRAC_PI_2).cos(),
        );
        let own_lane = drive(&mut sim, p, s.yaw);
        assert_eq!(
            own_lane,
            Outcome::Running,
            "seed {seed}: the left lane of a one-way"
        );
        sim.reset(seed).unwrap();
        let other_lane = drive(&mut sim, p + right * 3.5, s.yaw);
        assert_eq!(
            other_lane,
            Outcome::Running,
            "seed {seed}: the right lane of a one-way"
        );
        sim.reset(seed).unwrap();
        let against = drive(&mut sim, p, s.yaw + std::f32::consts::PI);
        assert_eq!(
            against,
            Outcome::WrongWay,
            "seed {seed}: against the one-way"
        );
        if tried == 3 {
            break;
        }
    }
    assert_eq!(
        tried, 3,
        "fewer than 3 spawns on one-way streets in 60 seeds"
    );
}

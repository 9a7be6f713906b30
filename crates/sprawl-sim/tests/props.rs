//! Movable props: agents push benches and shove parked cars, the host
//! throws bodies and kicks props, resting places come back as edits and a
//! world file's edits put props where they rested.

mod common;

use glam::{Quat, Vec3};
use sprawl_sim::{Outcome, PropState, Sim, SimError, SimOptions, ThrownBody, WorldSource};
use sprawl_store::WorldFile;
use sprawl_world::{ChunkCoord, Edit, ObjectId, SemanticClass, Transform, WorldSpec};

fn sim(seed: u64) -> Sim {
    let mut s = Sim::new(common::quiet("car")).unwrap();
    s.reset(seed).unwrap();
    s
}

fn idle(sim: &mut Sim, n: usize) {
    for _ in 0..n {
        sim.step(&[&[0.0, 1.0, 0.0]]).unwrap();
    }
}

fn moved_by(a: &PropState, b: &PropState) -> f32 {
    a.transform.translation.distance(b.transform.translation)
}

/// Where agent 0 stands and which way it faces (unit, in plan).
fn pose(sim: &Sim) -> (Vec3, Vec3) {
    let s = sim.agent_state(0);
    (
        Vec3::from(s.position),
        Vec3::new(-s.yaw.sin(), 0.0, -s.yaw.cos()),
    )
}

#[test]
fn movable_props_are_listed_and_fixed_when_turned_off() {
    let s = sim(5);
    let props = s.props();
    assert!(props.len() > 10, "{} props", props.len());
    for p in &props {
        assert!(p.class.is_dynamic(), "{:?}", p.class);
        assert!(p.resting && !p.moved && !p.thrown);
        assert_eq!(s.prop(p.id), Some(*p));
    }
    assert!(props.iter().any(|p| p.class == SemanticClass::ParkedCar));
    assert!(s.prop_edits().is_empty());

    let options = SimOptions {
        dynamic_props: false,
        ..SimOptions::default()
    };
    let mut fixed = Sim::with_options(common::quiet("car"), options).unwrap();
    fixed.reset(5).unwrap();
    assert!(fixed.props().is_empty());
    let id = props[0].id;
    assert!(matches!(
        fixed.apply_impulse(id, [0.0, 0.0, 100.0], None),
        Err(SimError::UnknownProp(i)) if i == id
    ));
}

#[test]
fn a_kicked_prop_moves_comes_to_rest_and_is_reported_as_an_edit() {
    let mut s = sim(5);
    let s0 = s.props();
    let bench = s
        .props()
        .into_iter()
        .find(|p| p.class == SemanticClass::Bench)
        .expect("a bench near the spawn");
    // 60 kg at 3 m/s sideways, pushed above its centre.
    let at = bench.transform.translation + Vec3::Y;
    s.apply_impulse(bench.id, [180.0, 0.0, 0.0], Some(at.to_array()))
        .unwrap();
    idle(&mut s, 2);
    let moving = s.prop(bench.id).unwrap();
    assert!(moving.moved && !moving.resting, "{moving:?}");
    assert!(moving.linear_velocity[0] > 0.5, "{moving:?}");
    // A bench slides to a stop within seconds and falls asleep.
    idle(&mut s, 80);
    let rest = s.prop(bench.id).unwrap();
    assert!(rest.resting, "{rest:?}");
    let d = moved_by(&rest, &bench);
    assert!(d > 0.3 && d < 10.0, "moved {d} m");
    assert!(
        (rest.transform.translation.y - bench.transform.translation.y).abs() < 1.5,
        "it stays on the ground: {rest:?}"
    );
    // Every other prop stayed where it was.
    for p in s.props() {
        if p.id != bench.id {
            let was = s0.iter().find(|q| q.id == p.id).unwrap();
            assert!(!p.moved, "{p:?} was {was:?}");
        }
    }
    let edits = s.prop_edits();
    assert_eq!(edits.len(), 1, "{edits:?}");
    match &edits[0] {
        Edit::DynamicState {
            id,
            transform,
            linear_velocity,
            angular_velocity,
        } => {
            assert_eq!(*id, bench.id);
            assert_eq!(*transform, rest.transform);
            assert_eq!(*linear_velocity, [0.0; 3]);
            assert_eq!(*angular_velocity, [0.0; 3]);
        }
        e => panic!("{e:?}"),
    }
    // A new episode puts it back.
    s.reset(5).unwrap();
    assert_eq!(s.prop(bench.id).unwrap(), bench);
    assert!(s.prop_edits().is_empty());
}

#[test]
fn a_car_pushes_a_light_body_without_crashing() {
    let mut s = sim(3);
    let (p, f) = pose(&s);
    let ground = s.agent_state(0).position[1];
    // A 30 kg box on the lane 8 m ahead, thrown in at rest.
    let at = p + f * 8.0 + Vec3::Y * 0.4 + Vec3::new(0.0, ground - p.y, 0.0);
    let id = s
        .throw_body(ThrownBody {
            position: at.to_array(),
            velocity: [0.0; 3],
            half_extents: [0.3, 0.3, 0.3],
            mass: 30.0,
        })
        .unwrap();
    let start = s.prop(id).unwrap();
    assert!(start.thrown && start.class == SemanticClass::Prop);
    let mut hit = false;
    for _ in 0..40 {
        s.step(&[&[0.6, 0.0, 0.0]]).unwrap();
        assert_ne!(
            s.outcome(0),
            Outcome::Crash,
            "a light box is pushed, not crashed into"
        );
        let now = s.prop(id).unwrap();
        if moved_by(&now, &start) > 1.0 {
            hit = true;
            // Pushed ahead, the way the car drives.
            let d = now.transform.translation - start.transform.translation;
            assert!(d.dot(f) > 0.5, "{d:?}");
            break;
        }
    }
    assert!(hit, "the car never moved the box: {:?}", s.prop(id));
    // Thrown bodies are the host's to keep: not among the edits.
    idle(&mut s, 60);
    assert!(s.prop_edits().iter().all(|e| e.object_id() != id));
}

#[test]
fn a_pedestrian_walks_a_light_box_along_instead_of_stopping() {
    let mut s = Sim::new(common::quiet("pedestrian")).unwrap();
    s.reset(3).unwrap();
    let (p, f) = pose(&s);
    // A 10 kg box 2 m ahead on the pavement.
    let id = s
        .throw_body(ThrownBody {
            position: (p + f * 2.0 + Vec3::Y * 0.3).to_array(),
            velocity: [0.0; 3],
            half_extents: [0.25, 0.25, 0.25],
            mass: 10.0,
        })
        .unwrap();
    idle_walker(&mut s, 20); // let it settle
    let start = s.prop(id).unwrap();
    for _ in 0..30 {
        s.step(&[&[1.0, 0.0]]).unwrap();
    }
    let end = s.prop(id).unwrap();
    let d = end.transform.translation - start.transform.translation;
    assert!(
        d.dot(f) > 1.0,
        "the box moved {d:?} while the walker pushed it"
    );
    let walked = Vec3::from(s.agent_state(0).position) - p;
    assert!(
        walked.dot(f) > 3.0,
        "the walker got {walked:?} along, blocked by a light box"
    );
}

fn idle_walker(sim: &mut Sim, n: usize) {
    for _ in 0..n {
        sim.step(&[&[0.0, 0.0]]).unwrap();
    }
}

#[test]
fn a_car_crashing_into_a_parked_car_shoves_it() {
    let mut s = sim(5);
    let parked: Vec<PropState> = s
        .props()
        .into_iter()
        .filter(|p| p.class == SemanticClass::ParkedCar)
        .collect();
    let mut shoved = 0;
    for car in parked.iter().take(4) {
        let along = car.transform.rotation * Vec3::Z;
        let start = car.transform.translation - along * 9.0;
        let heading = (-along.x).atan2(-along.z);
        s.reset(5).unwrap();
        s.teleport(0, start.to_array(), heading).unwrap();
        for _ in 0..40 {
            s.step(&[&[1.0, 0.0, 0.0]]).unwrap();
            if s.outcome(0) != Outcome::Running {
                break;
            }
        }
        if s.outcome(0) == Outcome::Crash {
            idle(&mut s, 1);
            let after = s.prop(car.id).unwrap();
            let d = after.transform.translation - car.transform.translation;
            if after.moved && d.dot(along) > 0.05 {
                shoved += 1;
            }
        }
    }
    assert!(shoved >= 2, "only {shoved} of 4 parked cars were shoved");
}

/// Same seed and actions: the same prop trajectories, bit for bit.
#[test]
fn props_are_deterministic() {
    let run = || {
        let mut s = sim(5);
        let ids: Vec<ObjectId> = s.props().iter().take(6).map(|p| p.id).collect();
        let (p, _) = pose(&s);
        let mut trace = Vec::new();
        for (k, id) in ids.iter().enumerate() {
            let j = [100.0 * (k as f32 - 2.5), 40.0, 70.0];
            s.apply_impulse(*id, j, None).unwrap();
        }
        s.throw_body(ThrownBody {
            position: (p + Vec3::new(0.0, 3.0, 0.0)).to_array(),
            velocity: [2.0, 1.0, -1.0],
            half_extents: [0.2, 0.3, 0.4],
            mass: 12.0,
        })
        .unwrap();
        for _ in 0..50 {
            s.step(&[&[0.3, 0.0, 0.1]]).unwrap();
            trace.push(s.props());
        }
        trace
    };
    let (a, b) = (run(), run());
    assert!(a.last().unwrap().iter().filter(|p| p.moved).count() >= 7);
    assert_eq!(a, b);
}

#[test]
fn bad_prop_requests_are_refused() {
    let mut fresh = Sim::new(common::quiet("car")).unwrap();
    let id = ObjectId::new(ChunkCoord::new(0, 0), 1);
    assert!(matches!(
        fresh.apply_impulse(id, [1.0; 3], None),
        Err(SimError::NotReset)
    ));
    let mut s = sim(5);
    let real = s.props()[0].id;
    assert!(matches!(
        s.apply_impulse(ObjectId::new(ChunkCoord::new(90, 90), 7), [1.0; 3], None),
        Err(SimError::UnknownProp(_))
    ));
    for (j, at) in [
        ([f32::NAN, 0.0, 0.0], None),
        ([0.0, f32::INFINITY, 0.0], None),
        ([1.0, 0.0, 0.0], Some([0.0, f32::NAN, 0.0])),
        ([3.0e38, 0.0, 0.0], None), // finite, but far past 100 m/s
    ] {
        assert!(matches!(
            s.apply_impulse(real, j, at),
            Err(SimError::InvalidProp(_))
        ));
    }
    let (p, _) = pose(&s);
    let good = ThrownBody {
        position: (p + Vec3::Y * 2.0).to_array(),
        velocity: [0.0; 3],
        half_extents: [0.2; 3],
        mass: 5.0,
    };
    for bad in [
        ThrownBody { mass: 0.0, ..good },
        ThrownBody {
            mass: f32::NAN,
            ..good
        },
        ThrownBody {
            half_extents: [0.2, 0.0, 0.2],
            ..good
        },
        ThrownBody {
            half_extents: [9.0, 0.2, 0.2],
            ..good
        },
        ThrownBody {
            velocity: [0.0, f32::INFINITY, 0.0],
            ..good
        },
        ThrownBody {
            velocity: [500.0, 0.0, 0.0],
            ..good
        },
        ThrownBody {
            position: [1.0e6, 0.0, 1.0e6],
            ..good
        },
    ] {
        assert!(
            matches!(s.throw_body(bad), Err(SimError::InvalidProp(_))),
            "{bad:?}"
        );
    }
    assert!(s.props().iter().all(|p| !p.thrown && !p.moved));
    s.throw_body(good).unwrap();
}

/// A world file's `DynamicState` edit puts the prop where it rested.
#[test]
fn a_world_file_edit_places_a_prop_where_it_rested() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("props.sprawl");
    let spec = WorldSpec {
        seed: 77,
        ..WorldSpec::default()
    };
    drop(WorldFile::create(&path, &spec, None, false).unwrap());
    let config = sprawl_sim::SimConfig {
        world: WorldSource::File(path.clone()),
        ..common::quiet("car")
    };
    let mut s = Sim::new(config.clone()).unwrap();
    s.reset(3).unwrap();
    let bench = s
        .props()
        .into_iter()
        .find(|p| p.class == SemanticClass::Bench)
        .expect("a bench");
    s.apply_impulse(bench.id, [0.0, 0.0, 200.0], None).unwrap();
    idle(&mut s, 100);
    let edits = s.prop_edits();
    let rest = s.prop(bench.id).unwrap();
    assert!(rest.resting && moved_by(&rest, &bench) > 0.3, "{rest:?}");
    drop(s);

    let mut file = WorldFile::open(&path).unwrap();
    for e in &edits {
        file.apply_edit(e).unwrap();
    }
    drop(file);
    let mut s = Sim::new(config).unwrap();
    s.reset(3).unwrap();
    let loaded = s.prop(bench.id).unwrap();
    assert_eq!(loaded.transform, rest.transform);
    assert!(
        !loaded.moved,
        "it starts there; it was not moved this episode"
    );

    // And a transform the file does not have is rejected by the world's own validation.
    let bad = Edit::DynamicState {
        id: bench.id,
        transform: Transform {
            translation: Vec3::NAN,
            rotation: Quat::IDENTITY,
            scale: Vec3::ONE,
        },
        linear_velocity: [0.0; 3],
        angular_velocity: [0.0; 3],
    };
    assert!(bad.validate().is_err());
}

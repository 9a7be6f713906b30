//! The simulator runs in a user's world file, with its edits.

mod common;

use glam::{Quat, Vec3};
use sprawl_sim::{Outcome, Sim, SimConfig, WorldSource};
use sprawl_store::WorldFile;
use sprawl_world::{
    ChunkCoord, MeshData, Object, ObjectId, PhysicsShape, Provenance, SemanticClass, Transform,
    WorldSpec,
};

fn config(path: &std::path::Path) -> SimConfig {
    SimConfig {
        world: WorldSource::File(path.to_owned()),
        ..common::quiet("car")
    }
}

#[test]
fn an_edited_world_file_is_simulated_with_its_edits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("edited.sprawl");
    let spec = WorldSpec {
        seed: 77,
        ..WorldSpec::default()
    };
    drop(WorldFile::create(&path, &spec, None, false).unwrap());

    // Where seed 3 puts the car in this world.
    let mut sim = Sim::new(config(&path)).unwrap();
    sim.reset(3).unwrap();
    let s = sim.agent_state(0);
    let p = Vec3::from(s.position);
    let forward = Vec3::new(-s.yaw.sin(), 0.0, -s.yaw.cos());
    let clear = common::forward_lidar(&sim, 50.0);
    // Another seed: the same city, another spawn.
    sim.reset(4).unwrap();
    assert_ne!(sim.agent_state(0).position, s.position);
    drop(sim);

    // A user puts a 4 m crate on the road 15 m ahead of that spawn.
    let at = p + forward * 15.0;
    let crate_box = Object {
        id: ObjectId::new(ChunkCoord::new(0, 0), 0),
        class: SemanticClass::Prop,
        transform: Transform {
            translation: at,
            rotation: Quat::from_rotation_y(s.yaw),
            scale: Vec3::ONE,
        },
        shape: PhysicsShape::Box {
            center: [0.0, 1.5, 0.0],
            half_extents: [2.0, 1.5, 2.0],
        },
        mesh: MeshData::default(),
        provenance: 0,
    };
    let mut file = WorldFile::open(&path).unwrap();
    file.add_object(
        ChunkCoord::containing(at.x, at.z, spec.chunk_size),
        crate_box,
        Provenance::embedded("test", "1", 0),
    )
    .unwrap();
    drop(file);

    let mut sim = Sim::new(config(&path)).unwrap();
    sim.reset(3).unwrap();
    assert_eq!(
        sim.agent_state(0).position,
        s.position,
        "same seed, same spawn"
    );
    let seen = common::forward_lidar(&sim, 50.0);
    assert!(
        (seen - 13.0).abs() < 0.5,
        "lidar reads {seen} m ahead (was {clear} m before the edit); the crate's face is 13 m away"
    );
    let mut outcome = Outcome::Running;
    for _ in 0..60 {
        sim.step(&[&[0.6, 0.0, 0.0]]).unwrap();
        outcome = sim.outcome(0);
        if outcome != Outcome::Running {
            break;
        }
    }
    assert_eq!(outcome, Outcome::Crash, "{:?}", sim.agent_state(0));
    let stop = Vec3::from(sim.agent_state(0).position);
    assert!(
        (stop - p).dot(forward) < 15.0 - 2.0 - 2.0,
        "drove into the crate"
    );
}

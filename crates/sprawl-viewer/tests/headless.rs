//! Headless app tests (no window, no GPU): the streaming and editing plugins
//! in a `MinimalPlugins` app with a manual clock, against a real world file.

use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;
use sprawl_store::WorldFile;
use sprawl_viewer::drive::{
    DrivePlugin, Mode, MovingProps, PropRequest, SimView, SwitchMode, TrafficBody,
};
use sprawl_viewer::edit::{EditCommand, EditLog, EditPlugin, PropKind, Selection, pick};
use sprawl_viewer::mesher::Lod;
use sprawl_viewer::stream::{
    ChunkPart, StreamAnchor, StreamConfig, Streamer, StreamingPlugin, distance_to_chunk,
};
use sprawl_viewer::world::{self, ActiveWorld, WorldSource};
use sprawl_world::{ChunkCoord, ObjectId, SemanticClass};
use std::path::Path;
use std::time::{Duration, Instant};

/// Small radii so that a debug build settles in seconds.
fn config() -> StreamConfig {
    StreamConfig {
        lod_radius: [140.0, 300.0, 520.0],
        prefetch: 64.0,
        drop_margin: 128.0,
        workers: 2,
        ..StreamConfig::default()
    }
}

fn open_world(path: &Path) -> ActiveWorld {
    world::open(
        &WorldSource::Prompt {
            text: "a small town with a park".into(),
            seed: Some(11),
            file: Some(path.to_owned()),
        },
        false,
    )
    .expect("world file")
}

fn app(world: ActiveWorld, at: Vec3) -> App {
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins,
        AssetPlugin::default(),
        TransformPlugin,
        bevy::input::InputPlugin,
    ))
    .init_asset::<Mesh>()
    .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(
        16,
    )))
    .insert_resource(world)
    .add_plugins((StreamingPlugin { config: config() }, EditPlugin));
    app.world_mut().spawn((
        StreamAnchor,
        Transform::from_translation(at).looking_to(Vec3::NEG_Z, Vec3::Y),
    ));
    app
}

/// Runs frames until the view has settled (workers run meanwhile).
fn settle(app: &mut App) {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut frames = 0;
    while Instant::now() < deadline {
        app.update();
        frames += 1;
        if frames > 3 && app.world().resource::<Streamer>().settled() {
            return;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let s = app.world().resource::<Streamer>();
    panic!(
        "streaming did not settle in 120 s: {:?}, errors {:?}",
        s.stats, s.errors
    );
}

fn chunk_parts(app: &mut App) -> Vec<ChunkPart> {
    let mut q = app.world_mut().query::<&ChunkPart>();
    q.iter(app.world()).copied().collect()
}

fn move_anchor(app: &mut App, to: Vec3) {
    let mut q = app
        .world_mut()
        .query_filtered::<&mut Transform, With<StreamAnchor>>();
    for mut t in q.iter_mut(app.world_mut()) {
        t.translation = to;
    }
}

#[test]
fn streaming_loads_nearest_first_coarser_far_and_drops_what_is_left_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stream.sprawl");
    let mut app = app(open_world(&path), Vec3::new(64.0, 30.0, 64.0));
    settle(&mut app);

    let s = app.world().resource::<Streamer>();
    let size = s.chunk_size;
    // The chunk under the camera is among the first installed, at full
    // detail. Workers finish in any order on a loaded machine (CI saw it
    // third), so this allows the first few jobs of every worker.
    assert!(
        s.install_log[..8].contains(&(ChunkCoord::new(0, 0), Lod::Full)),
        "{:?}",
        &s.install_log[..8]
    );
    // Every level is used, finer ones nearer.
    let here = Vec2::new(64.0, 64.0);
    for (c, live) in &s.live {
        let d = distance_to_chunk(*c, size, here);
        match live.lod {
            Lod::Full => assert!(d <= 140.0 + 48.0, "{c} full at {d} m"),
            Lod::Mid => assert!(d > 140.0 && d <= 300.0 + 48.0, "{c} mid at {d} m"),
            Lod::Far => assert!(d > 300.0, "{c} far at {d} m"),
        }
        assert_eq!(live.chunk.is_some(), live.lod == Lod::Full);
    }
    assert!(
        s.stats.loaded.iter().all(|n| *n > 0),
        "{:?}",
        s.stats.loaded
    );
    // Mean distance rises along the install order: nearest first.
    let first: f32 = s.install_log[..8]
        .iter()
        .map(|(c, _)| distance_to_chunk(*c, size, here))
        .sum();
    let last: f32 = s.install_log[s.install_log.len() - 8..]
        .iter()
        .map(|(c, _)| distance_to_chunk(*c, size, here))
        .sum();
    assert!(first < last, "first {first} m, last {last} m");
    let live_entities: usize = s.live.values().map(|l| l.entities.len()).sum();
    assert_eq!(chunk_parts(&mut app).len(), live_entities);

    // Fly 3 km east: the old chunks go, the new ones come.
    move_anchor(&mut app, Vec3::new(3064.0, 30.0, 64.0));
    settle(&mut app);
    let s = app.world().resource::<Streamer>();
    assert!(!s.live.contains_key(&ChunkCoord::new(0, 0)));
    assert!(s.live.contains_key(&ChunkCoord::new(23, 0)));
    assert!(
        s.live
            .keys()
            .all(|c| distance_to_chunk(*c, size, Vec2::new(3064.0, 64.0)) < 1000.0)
    );
    let live_entities: usize = s.live.values().map(|l| l.entities.len()).sum();
    assert_eq!(chunk_parts(&mut app).len(), live_entities);
}

fn find(app: &App, class: SemanticClass) -> ObjectId {
    let s = app.world().resource::<Streamer>();
    let mut coords: Vec<_> = s.live.keys().copied().collect();
    coords.sort();
    coords
        .into_iter()
        .filter_map(|c| s.chunk(c))
        .flat_map(|c| c.objects.iter())
        .find(|o| o.class == class)
        .map(|o| o.id)
        .unwrap_or_else(|| panic!("no {class} loaded at full detail"))
}

fn send(app: &mut App, cmd: EditCommand) {
    app.world_mut().write_message(cmd);
    app.update();
}

#[test]
fn edits_are_journalled_at_once_and_are_there_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("edit.sprawl");
    let mut app = app(open_world(&path), Vec3::new(64.0, 30.0, 64.0));
    settle(&mut app);

    let building = find(&app, SemanticClass::Building);
    let tree = find(&app, SemanticClass::Tree);
    let car = find(&app, SemanticClass::ParkedCar);
    let (b_obj, roof) = {
        let s = app.world().resource::<Streamer>();
        let chunk = s.chunk(building.chunk).unwrap();
        (
            chunk.object(building).unwrap().clone(),
            sprawl_viewer::edit::partner(chunk, building),
        )
    };
    let roof = roof.expect("a building has a roof with the same placement");
    let mut moved = b_obj.transform;
    moved.translation += glam::Vec3::new(4.0, 0.0, -3.0);
    send(
        &mut app,
        EditCommand::Move {
            id: building,
            transform: moved,
        },
    );
    send(&mut app, EditCommand::Remove { id: tree });
    let car_obj = {
        let s = app.world().resource::<Streamer>();
        s.chunk(car.chunk).unwrap().object(car).unwrap().clone()
    };
    let mut copy_at = car_obj.transform;
    copy_at.translation += glam::Vec3::new(0.0, 0.0, 6.0);
    send(
        &mut app,
        EditCommand::Duplicate {
            id: car,
            transform: copy_at,
        },
    );
    // The copy is selected, with a new user id and the viewer as its maker.
    let copy = selected(&app, "the duplicate");
    assert!(copy.id.is_user() && copy.id != car, "{}", copy.id);
    assert_eq!(copy.class, SemanticClass::ParkedCar);
    assert_eq!(copy.transform, copy_at);
    assert_eq!(copy.mesh, car_obj.mesh);
    let crate_at = Vec3::new(70.0, 5.0, 70.0);
    send(
        &mut app,
        EditCommand::Spawn {
            prop: PropKind::Crate,
            at: crate_at,
            yaw: 0.0,
        },
    );
    let spawned = selected(&app, "the spawned crate");
    assert!(spawned.id.is_user() && spawned.id != copy.id);
    assert_eq!(spawned.class, SemanticClass::Prop);
    assert_eq!(spawned.transform.translation, crate_at);
    let provenance = app
        .world()
        .resource::<Selection>()
        .provenance
        .clone()
        .expect("the spawned crate's provenance");
    assert_eq!(provenance.generator, "viewer");
    let log = app.world().resource::<EditLog>().clone();
    assert_eq!(log.journalled, 4, "{:?}", log.lines);

    // On screen at once: the live chunk data changed.
    {
        let s = app.world().resource::<Streamer>();
        let c = s.chunk(building.chunk).unwrap();
        assert_eq!(c.object(building).unwrap().transform, moved);
        assert_eq!(c.object(roof).unwrap().transform, moved);
        assert!(s.chunk(tree.chunk).unwrap().object(tree).is_none());
    }
    // Picking from above finds the moved building's roof (or the building).
    {
        let s = app.world().resource::<Streamer>();
        let p = moved.translation;
        let hit = pick(s, p + Vec3::Y * 500.0, Vec3::NEG_Y, 1000.0).expect("hit");
        assert!(hit.id == building || hit.id == roof, "hit {:?}", hit.id);
        // What the panel shows for a click there: id, class and provenance.
        let mut sel = Selection::default();
        sprawl_viewer::edit::select(s, &mut sel, Some(hit.id), Some(hit.point));
        assert_eq!(sel.id, Some(hit.id));
        let class = sel.object.as_ref().map(|o| o.class);
        assert!(
            matches!(class, Some(SemanticClass::Building | SemanticClass::Roof)),
            "{class:?}"
        );
        let made_by = sel.provenance.expect("a generated object's provenance");
        assert!(!made_by.generator.is_empty() && made_by.generator != "viewer");
    }

    // In the file at once: another connection sees every edit.
    let file = WorldFile::open(&path).unwrap();
    // Move (building and its roof), remove, two adds.
    assert_eq!(file.info().unwrap().edits.total(), 5);
    let live = file.load_chunk(building.chunk).unwrap().chunk;
    assert_eq!(live.object(building).unwrap().transform, moved);
    assert_eq!(live.object(roof).unwrap().transform, moved);
    let tree_chunk = file.load_chunk(tree.chunk).unwrap().chunk;
    assert!(tree_chunk.object(tree).is_none());
    drop(file);
    drop(app);

    // Reopened in a fresh viewer: the streamed chunks carry the edits.
    let mut app = app_reopened(&path);
    settle(&mut app);
    let s = app.world().resource::<Streamer>();
    // Move: the building and its roof stand where they were moved to.
    let c = s.chunk(building.chunk).unwrap();
    assert_eq!(c.object(building).unwrap().transform, moved);
    assert_eq!(c.object(roof).unwrap().transform, moved);
    // Delete: the tree is gone, and nothing else of its chunk.
    let tc = s.chunk(tree.chunk).unwrap();
    assert!(tc.object(tree).is_none());
    // Duplicate: the copy is there, with the same id, placement and mesh,
    // and the original is where it was.
    let again = s
        .chunk(copy.id.chunk)
        .and_then(|c| c.object(copy.id))
        .expect("the duplicate after reopening");
    assert_eq!(again.transform, copy_at);
    assert_eq!(again.class, SemanticClass::ParkedCar);
    assert_eq!(again.mesh, car_obj.mesh);
    assert_eq!(
        s.chunk(car.chunk).unwrap().object(car).unwrap().transform,
        car_obj.transform
    );
    // Spawn: the crate is there, with its provenance.
    let chunk = s.chunk(spawned.id.chunk).expect("the crate's chunk");
    let again = chunk.object(spawned.id).expect("the crate after reopening");
    assert_eq!(again.class, SemanticClass::Prop);
    assert_eq!(again.transform.translation, crate_at);
    assert_eq!(
        chunk.provenance[usize::from(again.provenance)].generator,
        "viewer"
    );
}

/// The selected object (edits select what they made).
fn selected(app: &App, what: &str) -> sprawl_world::Object {
    app.world()
        .resource::<Selection>()
        .object
        .clone()
        .unwrap_or_else(|| panic!("{what} is not selected"))
}

fn app_reopened(path: &Path) -> App {
    let world = world::open(&WorldSource::Open(path.to_owned()), false).unwrap();
    app(world, Vec3::new(64.0, 30.0, 64.0))
}

#[test]
fn bad_edits_are_reported_not_journalled() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.sprawl");
    let mut app = app(open_world(&path), Vec3::new(64.0, 30.0, 64.0));
    settle(&mut app);
    let terrain = find(&app, SemanticClass::Terrain);
    send(&mut app, EditCommand::Remove { id: terrain });
    let ghost = ObjectId::new(ChunkCoord::new(0, 0), 0x1234_5678);
    send(&mut app, EditCommand::Remove { id: ghost });
    let far = ObjectId::new(ChunkCoord::new(90, 90), 1);
    send(&mut app, EditCommand::Remove { id: far });
    let log = app.world().resource::<EditLog>();
    assert_eq!(log.journalled, 0);
    assert_eq!(log.lines.len(), 3, "{:?}", log.lines);
    assert!(log.lines.iter().all(|l| l.starts_with("edit failed")));
    assert_eq!(
        WorldFile::open(&path)
            .unwrap()
            .info()
            .unwrap()
            .edits
            .total(),
        0
    );
}

/// Runs frames until `done` holds (the simulator thread runs meanwhile).
fn run_until(app: &mut App, what: &str, mut done: impl FnMut(&App) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        app.update();
        if done(app) {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let status = app.world().resource::<SimView>().status.clone();
    panic!("{what} did not happen in 120 s (simulator: {status})");
}

fn sim_app(path: &Path) -> App {
    let mut app = app(open_world(path), Vec3::new(64.0, 30.0, 64.0));
    app.add_plugins(DrivePlugin);
    let mut q = app
        .world_mut()
        .query_filtered::<Entity, With<StreamAnchor>>();
    let cam = q.single(app.world()).unwrap();
    let pose = sprawl_viewer::camera::CameraPose::parse("64,30,64,0,-10").unwrap();
    app.world_mut()
        .entity_mut(cam)
        .insert(sprawl_viewer::camera::FlyCamera::from_pose(&pose));
    app
}

fn agent_position(app: &App) -> Option<Vec3> {
    app.world()
        .resource::<SimView>()
        .state
        .map(|s| Vec3::from(s.position))
}

#[test]
fn walking_and_driving_go_through_the_simulator() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sim.sprawl");
    let mut app = sim_app(&path);
    settle(&mut app);

    // Walk: the pedestrian starts under the camera and W takes it forwards.
    app.world_mut().write_message(SwitchMode(Mode::Walk));
    run_until(&mut app, "a first pedestrian state", |a| {
        agent_position(a).is_some()
    });
    assert_eq!(app.world().resource::<SimView>().mode, Mode::Walk);
    let start = agent_position(&app).unwrap();
    // Under the camera, or on the nearest street if that is inside a building.
    assert!(
        Vec2::new(start.x - 64.0, start.z - 64.0).length() < 150.0,
        "{start}"
    );
    app.world_mut()
        .resource_mut::<ButtonInput<KeyCode>>()
        .press(KeyCode::KeyW);
    run_until(&mut app, "walking 3 m", |a| {
        agent_position(a).is_some_and(|p| p.distance(start) > 3.0)
    });
    // The camera rides at eye height.
    let mut q = app
        .world_mut()
        .query_filtered::<&Transform, With<StreamAnchor>>();
    let eye = q.single(app.world()).unwrap().translation;
    let feet = agent_position(&app).unwrap();
    assert!(
        (eye.y - feet.y - 1.65).abs() < 0.6,
        "eye {eye}, feet {feet}"
    );

    // Drive: a car on the nearest lane; throttle makes it go.
    app.world_mut()
        .resource_mut::<ButtonInput<KeyCode>>()
        .release(KeyCode::KeyW);
    app.world_mut().write_message(SwitchMode(Mode::Drive));
    run_until(&mut app, "a first car state", |a| {
        a.world().resource::<SimView>().mode == Mode::Drive && agent_position(a).is_some()
    });
    app.world_mut()
        .resource_mut::<ButtonInput<KeyCode>>()
        .press(KeyCode::KeyW);
    run_until(&mut app, "the car reaching 3 m/s", |a| {
        a.world()
            .resource::<SimView>()
            .state
            .is_some_and(|s| s.speed > 3.0)
    });

    // Back to flying: the simulator stops and the fly camera takes over.
    app.world_mut().write_message(SwitchMode(Mode::Fly));
    app.update();
    let view = app.world().resource::<SimView>();
    assert_eq!(view.mode, Mode::Fly);
    assert!(view.state.is_none());
}

fn traffic_bodies(app: &mut App) -> Vec<(TrafficBody, Vec3)> {
    let mut q = app
        .world_mut()
        .query::<(&TrafficBody, &Transform, &Visibility)>();
    let mut v: Vec<_> = q
        .iter(app.world())
        .filter(|(_, _, vis)| **vis != Visibility::Hidden)
        .map(|(b, t, _)| (*b, t.translation))
        .collect();
    v.sort_by_key(|(b, _)| (b.car, b.slot));
    v
}

fn log_has(app: &App, prefix: &str) -> bool {
    app.world()
        .resource::<EditLog>()
        .lines
        .iter()
        .any(|l| l.starts_with(prefix))
}

#[test]
fn traffic_is_drawn_moving_and_props_rest_where_the_physics_left_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("props.sprawl");
    let mut app = sim_app(&path);
    settle(&mut app);
    app.world_mut().write_message(SwitchMode(Mode::Walk));
    run_until(&mut app, "a first pedestrian state", |a| {
        agent_position(a).is_some()
    });
    let feet = agent_position(&app).unwrap();

    // Traffic: boxes at the simulator's poses, and they move.
    run_until(&mut app, "background traffic drawn", |a| {
        !a.world().resource::<SimView>().movers.is_empty()
    });
    app.update();
    let before = traffic_bodies(&mut app);
    assert!(!before.is_empty(), "no traffic drawn");
    assert_eq!(before.len(), app.world().resource::<SimView>().movers.len());
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        app.update();
        let now = traffic_bodies(&mut app);
        let moved = now.iter().any(|(b, p)| {
            before
                .iter()
                .any(|(b0, p0)| b0 == b && p0.distance(*p) > 0.5)
        });
        if moved {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no drawn car or pedestrian moved 0.5 m in 60 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }

    // A kick: the bench (or parked car) nearest the pedestrian flies, is
    // drawn on its own meanwhile, and where it rests goes to the file.
    let (target, original) = {
        let s = app.world().resource::<Streamer>();
        s.live
            .values()
            .filter_map(|l| l.chunk.as_ref())
            .flat_map(|c| c.objects.iter())
            .filter(|o| matches!(o.class, SemanticClass::Bench | SemanticClass::ParkedCar))
            .min_by(|a, b| {
                let d = |o: &sprawl_world::Object| {
                    let t = o.transform.translation;
                    Vec2::new(t.x - feet.x, t.z - feet.z).length()
                        + if o.class == SemanticClass::Bench {
                            0.0
                        } else {
                            40.0
                        }
                };
                d(a).total_cmp(&d(b))
            })
            .map(|o| (o.clone(), o.transform))
            .expect("a bench or parked car near the pedestrian")
    };
    let mass = if target.class == SemanticClass::Bench {
        60.0
    } else {
        1200.0
    };
    app.world_mut().write_message(PropRequest::Kick {
        id: target.id,
        impulse: Vec3::new(0.6, 0.5, 0.6).normalize() * 5.0 * mass,
    });
    let rest = format!("{} came to rest", target.id);
    let mut saw_moving = false;
    let deadline = Instant::now() + Duration::from_secs(120);
    while !log_has(&app, &rest) {
        app.update();
        saw_moving |= app.world().resource::<MovingProps>().moving() > 0;
        assert!(
            Instant::now() < deadline,
            "{} {} did not come to rest in 120 s: {:?}",
            target.class,
            target.id,
            app.world().resource::<EditLog>().lines
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(saw_moving, "the kicked prop was never drawn on its own");
    let live = {
        let s = app.world().resource::<Streamer>();
        s.chunk(target.id.chunk)
            .and_then(|c| c.object(target.id))
            .expect("the prop back in its chunk")
            .transform
    };
    assert!(
        live.translation.distance(original.translation) > 0.3,
        "the kicked {} moved only {:?} -> {:?}",
        target.class,
        original.translation,
        live.translation
    );
    let in_file = WorldFile::open(&path)
        .unwrap()
        .load_chunk(target.id.chunk)
        .unwrap()
        .chunk
        .object(target.id)
        .unwrap()
        .transform;
    assert_eq!(in_file, live);

    // A thrown crate lands and becomes a crate in the file.
    let (eye, forward) = {
        let mut q = app
            .world_mut()
            .query_filtered::<&Transform, With<StreamAnchor>>();
        let t = q.single(app.world()).unwrap();
        (t.translation, t.forward().as_vec3())
    };
    app.world_mut().write_message(PropRequest::Throw {
        from: eye + forward * 1.5,
        velocity: forward * 8.0 + Vec3::Y * 2.0,
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    while !log_has(&app, "a thrown crate landed") {
        app.update();
        assert!(
            Instant::now() < deadline,
            "the thrown crate did not land in 120 s: {:?} ({})",
            app.world().resource::<EditLog>().lines,
            app.world().resource::<SimView>().status
        );
        std::thread::sleep(Duration::from_millis(5));
    }

    // Reopened: the kicked prop rests where it came to rest, the crate is there.
    app.world_mut().write_message(SwitchMode(Mode::Fly));
    app.update();
    drop(app);
    let mut app = app_reopened(&path);
    settle(&mut app);
    let s = app.world().resource::<Streamer>();
    let again = s
        .chunk(target.id.chunk)
        .and_then(|c| c.object(target.id))
        .expect("the kicked prop after reopening");
    assert_eq!(again.transform, live);
    let crates = s
        .live
        .values()
        .filter_map(|l| l.chunk.as_ref())
        .flat_map(|c| c.objects.iter())
        .filter(|o| o.id.is_user() && o.class == SemanticClass::Prop)
        .count();
    assert_eq!(crates, 1, "the thrown crate after reopening");
}

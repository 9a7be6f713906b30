//! Picking and editing: click an object to see what it is; move, delete or
//! duplicate it; spawn props. Every edit is journalled in the world file
//! before it shows on screen, so it is there after reopening.
//!
//! | input | does |
//! |---|---|
//! | left click | select the object under the cursor (or place, in a placing mode) |
//! | G | move the selection: the next click puts it there |
//! | H | duplicate the selection: the next click puts the copy there |
//! | R | turn the selection 15° |
//! | Delete / X | delete the selection |
//! | P | spawn a crate where the screen centre points |
//! | T, F | throw a crate, kick the selection (walking or driving; see [`crate::drive`]) |
//! | Esc | cancel placing, clear the selection |
//!
//! A building and its roof are separate objects with the same placement;
//! moving, deleting or duplicating one does the same to the other.
//!
//! Picking casts a ray against the objects of chunks loaded at full detail
//! (the ones within [`StreamConfig::lod_radius`]`[0]`), first their bounding
//! boxes, then their triangles.
//!
//! [`StreamConfig::lod_radius`]: crate::stream::StreamConfig::lod_radius

use crate::camera::UiCapture;
use crate::look::LookMaterials;
use crate::mesher::MeshStyle;
use crate::stream::{ChunkMaterials, StreamSet, Streamer, rebake};
use crate::world::ActiveWorld;
use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use sprawl_world::geom::{ray_aabb, ray_triangle};
use sprawl_world::hash::StableHasher;
use sprawl_world::{
    ChunkCoord, Edit, MaterialId, MaterialKind, MeshData, Object, ObjectId, PhysicsShape,
    Provenance, SemanticClass, Transform as WTransform, apply_edits,
};

/// Props the viewer can spawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PropKind {
    /// A 1 m wooden crate.
    Crate,
    /// A steel barrel.
    Barrel,
    /// A concrete road barrier.
    Barrier,
}

impl PropKind {
    /// Every prop.
    pub const ALL: [PropKind; 3] = [PropKind::Crate, PropKind::Barrel, PropKind::Barrier];

    /// Name shown in the panel.
    pub fn name(self) -> &'static str {
        match self {
            PropKind::Crate => "crate",
            PropKind::Barrel => "barrel",
            PropKind::Barrier => "barrier",
        }
    }
}

/// One edit asked for by the panel, a key, a click or a test.
#[derive(Message, Debug, Clone, PartialEq)]
pub enum EditCommand {
    /// Give an object a new placement.
    Move {
        /// The object.
        id: ObjectId,
        /// Its new placement.
        transform: WTransform,
    },
    /// Delete an object.
    Remove {
        /// The object.
        id: ObjectId,
    },
    /// Add a copy of an object at a new placement.
    Duplicate {
        /// The original.
        id: ObjectId,
        /// Where the copy goes.
        transform: WTransform,
    },
    /// Record where the simulator's physics left a movable object
    /// (journalled as [`Edit::DynamicState`]).
    Rest {
        /// The object.
        id: ObjectId,
        /// Where it came to rest.
        transform: WTransform,
    },
    /// Add a prop with a full placement (a thrown crate where it landed).
    Place {
        /// Which prop.
        prop: PropKind,
        /// Its placement (origin at the middle of its base).
        transform: WTransform,
    },
    /// Add a prop standing at a point.
    Spawn {
        /// Which prop.
        prop: PropKind,
        /// Base centre (metres).
        at: Vec3,
        /// Heading (radians).
        yaw: f32,
    },
}

/// What a click does.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PickMode {
    /// Select what is under the cursor.
    #[default]
    Select,
    /// Move the selection where the click lands.
    PlaceMove,
    /// Put a copy of the selection where the click lands.
    PlaceDuplicate,
    /// Put a prop where the click lands.
    PlaceProp(PropKind),
}

/// The selected object.
#[derive(Resource, Debug, Clone, Default)]
pub struct Selection {
    /// Its id.
    pub id: Option<ObjectId>,
    /// A snapshot of it (as it is after the latest edit).
    pub object: Option<Object>,
    /// Where it came from.
    pub provenance: Option<Provenance>,
    /// Where the click hit it.
    pub hit: Option<Vec3>,
}

/// The last edits' outcomes, newest last (for the panel).
#[derive(Resource, Debug, Clone, Default)]
pub struct EditLog {
    /// Messages.
    pub lines: Vec<String>,
    /// Edits journalled this session.
    pub journalled: usize,
}

impl EditLog {
    fn say(&mut self, s: String) {
        if self.lines.len() >= 6 {
            self.lines.remove(0);
        }
        self.lines.push(s);
    }
}

/// Ordering of the editing systems.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EditSet {
    /// Turn clicks and keys into commands.
    Input,
    /// Journal and apply commands.
    Apply,
}

/// Picking, selection and editing.
#[derive(Default)]
pub struct EditPlugin;

impl Plugin for EditPlugin {
    fn build(&self, app: &mut App) {
        app.add_message::<EditCommand>()
            .init_resource::<Selection>()
            .init_resource::<PickMode>()
            .init_resource::<EditLog>()
            .init_resource::<UiCapture>()
            .configure_sets(
                Update,
                (EditSet::Input, EditSet::Apply)
                    .chain()
                    .after(StreamSet::Upload),
            )
            .add_systems(Update, (click, keys).in_set(EditSet::Input))
            .add_systems(
                Update,
                (apply_commands, highlight).chain().in_set(EditSet::Apply),
            );
    }
}

/// A ray hit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// The object.
    pub id: ObjectId,
    /// Where (metres).
    pub point: Vec3,
    /// Distance along the ray.
    pub distance: f32,
}

/// Hits nearer than this (metres) are the ray's own origin surface.
const PICK_T_MIN: f32 = 1e-4;

/// The nearest object a ray hits, among chunks loaded at full detail.
pub fn pick(streamer: &Streamer, origin: Vec3, dir: Vec3, max_distance: f32) -> Option<Hit> {
    let dir = dir.normalize_or_zero();
    if dir == Vec3::ZERO {
        return None;
    }
    let inv = Vec3::ONE / dir;
    let mut best: Option<Hit> = None;
    for live in streamer.live.values() {
        let Some(chunk) = &live.chunk else { continue };
        for (object, (lo, hi)) in chunk.objects.iter().zip(&live.object_bounds) {
            let limit = best.map_or(max_distance, |b| b.distance);
            match ray_aabb(origin, inv, Vec3::from(*lo), Vec3::from(*hi)) {
                Some(t) if t <= limit => {}
                _ => continue,
            }
            let m = &object.mesh;
            let tr = object.transform;
            let world = |i: u32| -> Option<Vec3> {
                m.positions
                    .get(i as usize)
                    .map(|p| tr.apply(glam::Vec3::from(*p)))
            };
            for tri in m.indices.chunks_exact(3) {
                let (Some(a), Some(b), Some(c)) = (world(tri[0]), world(tri[1]), world(tri[2]))
                else {
                    continue;
                };
                if let Some(t) = ray_triangle(origin, dir, a, b, c, PICK_T_MIN)
                    && t < best.map_or(max_distance, |h| h.distance)
                {
                    best = Some(Hit {
                        id: object.id,
                        point: origin + dir * t,
                        distance: t,
                    });
                }
            }
        }
    }
    best
}

/// The roof that belongs to a building (same placement), or the building of a roof.
pub fn partner(chunk: &sprawl_world::Chunk, id: ObjectId) -> Option<ObjectId> {
    let o = chunk.object(id)?;
    let want = match o.class {
        SemanticClass::Building => SemanticClass::Roof,
        SemanticClass::Roof => SemanticClass::Building,
        _ => return None,
    };
    chunk
        .objects
        .iter()
        .find(|p| p.class == want && p.transform == o.transform && p.id != id)
        .map(|p| p.id)
}

/// Whether the viewer lets a user move or delete objects of `class`
/// (terrain and water span whole chunks).
pub fn editable(class: SemanticClass) -> bool {
    !matches!(class, SemanticClass::Terrain | SemanticClass::Water)
}

fn cuboid(mesh: &mut MeshData, half: [f32; 3]) {
    let [x, y, z] = half;
    let v = |a: f32, b: f32, c: f32| [a, b, c];
    let faces: [([[f32; 3]; 4], [f32; 3]); 6] = [
        (
            [
                v(-x, 0.0, z),
                v(x, 0.0, z),
                v(x, 2.0 * y, z),
                v(-x, 2.0 * y, z),
            ],
            [0.0, 0.0, 1.0],
        ),
        (
            [
                v(x, 0.0, -z),
                v(-x, 0.0, -z),
                v(-x, 2.0 * y, -z),
                v(x, 2.0 * y, -z),
            ],
            [0.0, 0.0, -1.0],
        ),
        (
            [
                v(x, 0.0, z),
                v(x, 0.0, -z),
                v(x, 2.0 * y, -z),
                v(x, 2.0 * y, z),
            ],
            [1.0, 0.0, 0.0],
        ),
        (
            [
                v(-x, 0.0, -z),
                v(-x, 0.0, z),
                v(-x, 2.0 * y, z),
                v(-x, 2.0 * y, -z),
            ],
            [-1.0, 0.0, 0.0],
        ),
        (
            [
                v(-x, 2.0 * y, z),
                v(x, 2.0 * y, z),
                v(x, 2.0 * y, -z),
                v(-x, 2.0 * y, -z),
            ],
            [0.0, 1.0, 0.0],
        ),
        (
            [v(-x, 0.0, -z), v(x, 0.0, -z), v(x, 0.0, z), v(-x, 0.0, z)],
            [0.0, -1.0, 0.0],
        ),
    ];
    for (corners, n) in faces {
        let w = (glam::Vec3::from(corners[1]) - glam::Vec3::from(corners[0])).length();
        let h = (glam::Vec3::from(corners[3]) - glam::Vec3::from(corners[0])).length();
        mesh.push_quad(corners, n, [[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]]);
    }
}

/// A new prop object standing at `at` (its id is set when journalled).
pub fn prop_object(kind: PropKind, at: Vec3, yaw: f32) -> Object {
    let (half, material) = match kind {
        PropKind::Crate => ([0.5, 0.5, 0.5], MaterialId::of(MaterialKind::Wood)),
        PropKind::Barrel => (
            [0.3, 0.45, 0.3],
            MaterialId {
                kind: MaterialKind::Metal,
                variant: 1,
            },
        ),
        PropKind::Barrier => ([1.0, 0.4, 0.25], MaterialId::of(MaterialKind::Concrete)),
    };
    let mut mesh = MeshData::new(material);
    cuboid(&mut mesh, half);
    Object {
        id: ObjectId::new(ChunkCoord::containing(at.x, at.z, 1.0), ObjectId::USER_BIT),
        class: SemanticClass::Prop,
        transform: WTransform::from_translation_yaw(at, yaw),
        shape: PhysicsShape::Box {
            center: [0.0, half[1], 0.0],
            half_extents: half,
        },
        mesh,
        provenance: 0,
    }
}

/// Provenance of objects the viewer adds.
pub fn viewer_provenance(what: &str, at: Vec3) -> Provenance {
    let inputs = StableHasher::new()
        .str(what)
        .f32(at.x)
        .f32(at.y)
        .f32(at.z)
        .finish();
    Provenance::embedded("viewer", env!("CARGO_PKG_VERSION"), inputs)
}

/// What a command did.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// Chunks whose contents changed.
    pub chunks: Vec<ChunkCoord>,
    /// What to select now (`None`: clear).
    pub select: Option<ObjectId>,
    /// For the log.
    pub message: String,
    /// Whether the selection and the placing mode stay as they are (edits
    /// the physics made, not the user).
    pub keep_selection: bool,
}

/// Journals `cmd` in the world file and applies it to the live chunks in
/// `streamer` (the chunks' meshes are re-baked by the caller). An object the
/// command names must be on screen at full detail.
pub fn apply_command(
    world: &ActiveWorld,
    streamer: &mut Streamer,
    cmd: &EditCommand,
) -> Result<Applied, String> {
    let size = world.spec.chunk_size;
    let live_object =
        |streamer: &Streamer, id: ObjectId| -> Result<(Object, Option<ObjectId>), String> {
            let chunk = streamer
                .chunk(id.chunk)
                .ok_or_else(|| format!("object {id}: its chunk is not loaded at full detail"))?;
            let o = chunk
                .object(id)
                .cloned()
                .ok_or_else(|| format!("object {id} does not exist (deleted?)"))?;
            if !editable(o.class) {
                return Err(format!(
                    "{} objects cannot be edited in the viewer",
                    o.class
                ));
            }
            Ok((o, partner(chunk, id)))
        };
    let journal = |edit: &Edit| -> Result<(), String> {
        world
            .writer()
            .append_edit(edit)
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    let mut touched = Vec::new();
    let apply_live = |streamer: &mut Streamer, edit: &Edit, touched: &mut Vec<ChunkCoord>| {
        let c = edit.object_id().chunk;
        if let Some(chunk) = streamer.live.get_mut(&c).and_then(|l| l.chunk.as_mut()) {
            let _ = apply_edits(chunk, [edit]);
        }
        if !touched.contains(&c) {
            touched.push(c);
        }
    };
    let add = |streamer: &mut Streamer,
               touched: &mut Vec<ChunkCoord>,
               object: Object,
               provenance: Provenance|
     -> Result<ObjectId, String> {
        let t = object.transform.translation;
        let chunk = ChunkCoord::containing(t.x, t.z, size);
        let (_, id) = world
            .writer()
            .add_object(chunk, object.clone(), provenance.clone())
            .map_err(|e| e.to_string())?;
        let edit = Edit::Add {
            object: Box::new(Object { id, ..object }),
            provenance,
        };
        apply_live(streamer, &edit, touched);
        Ok(id)
    };
    let message;
    let mut select = None;
    let mut keep_selection = false;
    match cmd {
        EditCommand::Move { id, transform } => {
            if !transform.is_finite() {
                return Err("the new placement is not finite".into());
            }
            let (_, other) = live_object(streamer, *id)?;
            for target in std::iter::once(*id).chain(other) {
                let edit = Edit::Move {
                    id: target,
                    transform: *transform,
                };
                journal(&edit)?;
                apply_live(streamer, &edit, &mut touched);
            }
            select = Some(*id);
            let p = transform.translation;
            message = format!("moved {id} to ({:.1}, {:.1}, {:.1})", p.x, p.y, p.z);
        }
        EditCommand::Remove { id } => {
            let (o, other) = live_object(streamer, *id)?;
            for target in std::iter::once(*id).chain(other) {
                let edit = Edit::Remove { id: target };
                journal(&edit)?;
                apply_live(streamer, &edit, &mut touched);
            }
            message = format!("deleted {} {id}", o.class);
        }
        EditCommand::Duplicate { id, transform } => {
            if !transform.is_finite() {
                return Err("the copy's placement is not finite".into());
            }
            let (o, other) = live_object(streamer, *id)?;
            let prov = viewer_provenance(&format!("duplicate {id}"), transform.translation);
            let partner_obj = other.and_then(|p| streamer.chunk(p.chunk)?.object(p).cloned());
            let new_id = add(
                streamer,
                &mut touched,
                Object {
                    transform: *transform,
                    ..o.clone()
                },
                prov.clone(),
            )?;
            if let Some(p) = partner_obj {
                add(
                    streamer,
                    &mut touched,
                    Object {
                        transform: *transform,
                        ..p
                    },
                    prov,
                )?;
            }
            select = Some(new_id);
            message = format!("duplicated {id} as {new_id}");
        }
        EditCommand::Rest { id, transform } => {
            if !transform.is_finite() {
                return Err("the resting place is not finite".into());
            }
            let edit = Edit::DynamicState {
                id: *id,
                transform: *transform,
                linear_velocity: [0.0; 3],
                angular_velocity: [0.0; 3],
            };
            journal(&edit)?;
            apply_live(streamer, &edit, &mut touched);
            keep_selection = true;
            let p = transform.translation;
            message = format!("{id} came to rest at ({:.1}, {:.1}, {:.1})", p.x, p.y, p.z);
        }
        EditCommand::Place { prop, transform } => {
            if !transform.is_finite() {
                return Err("the prop's placement is not finite".into());
            }
            let object = Object {
                transform: *transform,
                ..prop_object(*prop, transform.translation, 0.0)
            };
            let id = add(
                streamer,
                &mut touched,
                object,
                viewer_provenance(&format!("thrown {}", prop.name()), transform.translation),
            )?;
            keep_selection = true;
            let p = transform.translation;
            message = format!(
                "a thrown {} landed at ({:.1}, {:.1}, {:.1}) as {id}",
                prop.name(),
                p.x,
                p.y,
                p.z
            );
        }
        EditCommand::Spawn { prop, at, yaw } => {
            if !at.is_finite() || !yaw.is_finite() {
                return Err("the prop's position is not finite".into());
            }
            let object = prop_object(*prop, *at, *yaw);
            let id = add(
                streamer,
                &mut touched,
                object,
                viewer_provenance(prop.name(), *at),
            )?;
            select = Some(id);
            message = format!("spawned a {} as {id}", prop.name());
        }
    }
    for c in &touched {
        streamer.bump_epoch(*c);
    }
    Ok(Applied {
        chunks: touched,
        select,
        message,
        keep_selection,
    })
}

#[expect(
    clippy::too_many_arguments,
    reason = "an edit touches the world, the stream and the selection"
)]
fn apply_commands(
    mut commands: Commands,
    mut reader: MessageReader<EditCommand>,
    world: Option<Res<ActiveWorld>>,
    materials: Res<ChunkMaterials>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut streamer: ResMut<Streamer>,
    mut selection: ResMut<Selection>,
    mut log: ResMut<EditLog>,
    mut mode: ResMut<PickMode>,
) {
    let Some(world) = world else {
        reader.clear();
        return;
    };
    let style = MeshStyle {
        palette: world.spec.palette.clone(),
        look: world.spec.look,
    };
    for cmd in reader.read() {
        match apply_command(&world, &mut streamer, cmd) {
            Ok(done) => {
                for c in &done.chunks {
                    rebake(
                        &mut commands,
                        &mut meshes,
                        &materials,
                        &mut streamer,
                        &style,
                        *c,
                    );
                }
                log.journalled += 1;
                log.say(done.message);
                if !done.keep_selection {
                    select(&streamer, &mut selection, done.select, None);
                    *mode = PickMode::Select;
                }
            }
            Err(e) => log.say(format!("edit failed: {e}")),
        }
    }
    // Keep the snapshot in step with the live chunk.
    if let Some(id) = selection.id {
        let now = streamer.chunk(id.chunk).and_then(|c| c.object(id)).cloned();
        if now.is_some() && now != selection.object {
            let hit = selection.hit;
            select(&streamer, &mut selection, Some(id), hit);
        }
    }
}

/// Selects `id` (or clears), snapshotting the object and its provenance.
pub fn select(
    streamer: &Streamer,
    selection: &mut Selection,
    id: Option<ObjectId>,
    hit: Option<Vec3>,
) {
    let found = id.and_then(|id| {
        let chunk = streamer.chunk(id.chunk)?;
        let o = chunk.object(id)?.clone();
        let p = chunk.provenance.get(usize::from(o.provenance)).cloned();
        Some((o, p))
    });
    *selection = match found {
        Some((o, p)) => Selection {
            id: Some(o.id),
            object: Some(o),
            provenance: p,
            hit,
        },
        None => Selection::default(),
    };
}

/// The ray under the cursor, if the cursor is over the window and not the panel.
fn cursor_ray(
    windows: &Query<&Window, With<PrimaryWindow>>,
    cameras: &Query<(&Camera, &GlobalTransform), With<crate::stream::StreamAnchor>>,
    at_centre: bool,
) -> Option<Ray3d> {
    let window = windows.single().ok()?;
    let (camera, transform) = cameras.single().ok()?;
    let pos = if at_centre {
        Vec2::new(window.width(), window.height()) * 0.5
    } else {
        window.cursor_position()?
    };
    camera.viewport_to_world(transform, pos).ok()
}

/// Where a placed object's origin goes for a click at `point`: on the
/// ground, keeping the object's height above the ground it stood on.
fn placement(world: &ActiveWorld, object: &Object, point: Vec3) -> WTransform {
    let old = object.transform.translation;
    let lift = old.y - world.ground_height(old.x, old.z);
    let ground = world.ground_height(point.x, point.z);
    WTransform {
        translation: glam::Vec3::new(point.x, ground + lift, point.z),
        ..object.transform
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "clicks need the window, camera, world and selection"
)]
fn click(
    buttons: Res<ButtonInput<MouseButton>>,
    ui: Res<UiCapture>,
    windows: Query<&Window, With<PrimaryWindow>>,
    cameras: Query<(&Camera, &GlobalTransform), With<crate::stream::StreamAnchor>>,
    world: Option<Res<ActiveWorld>>,
    streamer: Res<Streamer>,
    mut selection: ResMut<Selection>,
    mut mode: ResMut<PickMode>,
    mut writer: MessageWriter<EditCommand>,
) {
    if !buttons.just_pressed(MouseButton::Left) || ui.pointer {
        return;
    }
    let (Some(world), Some(ray)) = (world, cursor_ray(&windows, &cameras, false)) else {
        return;
    };
    let hit = pick(&streamer, ray.origin, ray.direction.as_vec3(), 2000.0);
    match *mode {
        PickMode::Select => {
            select(
                &streamer,
                &mut selection,
                hit.map(|h| h.id),
                hit.map(|h| h.point),
            );
        }
        PickMode::PlaceMove | PickMode::PlaceDuplicate => {
            let (Some(h), Some(o)) = (hit, selection.object.clone()) else {
                return;
            };
            let transform = placement(&world, &o, h.point);
            writer.write(if *mode == PickMode::PlaceMove {
                EditCommand::Move {
                    id: o.id,
                    transform,
                }
            } else {
                EditCommand::Duplicate {
                    id: o.id,
                    transform,
                }
            });
        }
        PickMode::PlaceProp(prop) => {
            if let Some(h) = hit {
                writer.write(EditCommand::Spawn {
                    prop,
                    at: h.point,
                    yaw: 0.0,
                });
                *mode = PickMode::Select;
            }
        }
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "keys act on the selection, the world and the view"
)]
fn keys(
    keys: Res<ButtonInput<KeyCode>>,
    ui: Res<UiCapture>,
    windows: Query<&Window, With<PrimaryWindow>>,
    cameras: Query<(&Camera, &GlobalTransform), With<crate::stream::StreamAnchor>>,
    streamer: Res<Streamer>,
    mut selection: ResMut<Selection>,
    mut mode: ResMut<PickMode>,
    mut writer: MessageWriter<EditCommand>,
) {
    if ui.keyboard {
        return;
    }
    if keys.just_pressed(KeyCode::Escape) {
        if *mode == PickMode::Select {
            *selection = Selection::default();
        }
        *mode = PickMode::Select;
    }
    if keys.just_pressed(KeyCode::KeyP)
        && let Some(ray) = cursor_ray(&windows, &cameras, true)
        && let Some(h) = pick(&streamer, ray.origin, ray.direction.as_vec3(), 2000.0)
    {
        writer.write(EditCommand::Spawn {
            prop: PropKind::Crate,
            at: h.point,
            yaw: 0.0,
        });
    }
    let Some(o) = selection.object.clone() else {
        return;
    };
    if !editable(o.class) {
        return;
    }
    if keys.just_pressed(KeyCode::KeyG) {
        *mode = PickMode::PlaceMove;
    }
    if keys.just_pressed(KeyCode::KeyH) {
        *mode = PickMode::PlaceDuplicate;
    }
    if keys.just_pressed(KeyCode::KeyR) {
        let mut t = o.transform;
        t.rotation = glam::Quat::from_rotation_y(15f32.to_radians()) * t.rotation;
        writer.write(EditCommand::Move {
            id: o.id,
            transform: t,
        });
    }
    if keys.any_just_pressed([KeyCode::Delete, KeyCode::KeyX]) {
        writer.write(EditCommand::Remove { id: o.id });
    }
}

/// The translucent copy drawn over the selection.
#[derive(Component, Debug)]
pub struct Highlight;

fn highlight(
    mut commands: Commands,
    selection: Res<Selection>,
    look: Option<Res<LookMaterials>>,
    mut meshes: ResMut<Assets<Mesh>>,
    existing: Query<Entity, With<Highlight>>,
) {
    if !selection.is_changed() {
        return;
    }
    for e in &existing {
        commands.entity(e).despawn();
    }
    let (Some(look), Some(o)) = (look, &selection.object) else {
        return;
    };
    if o.mesh.is_empty() || o.mesh.validate().is_err() {
        return;
    }
    let t = o.transform;
    let positions: Vec<[f32; 3]> = o
        .mesh
        .positions
        .iter()
        .map(|p| (t.apply(glam::Vec3::from(*p)) - t.translation).to_array())
        .collect();
    let n = positions.len();
    let buffers = crate::mesher::MeshBuffers {
        positions,
        normals: vec![[0.0, 1.0, 0.0]; n],
        uvs: vec![[0.0, 0.0]; n],
        colors: vec![[1.0; 4]; n],
        indices: o.mesh.indices.clone(),
    };
    commands.spawn((
        Highlight,
        Mesh3d(meshes.add(crate::stream::to_mesh(buffers))),
        MeshMaterial3d(look.highlight.clone()),
        Transform::from_translation(t.translation),
        bevy::light::NotShadowCaster,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn props_are_valid_objects() {
        for p in PropKind::ALL {
            let o = prop_object(p, Vec3::new(1.0, 2.0, 3.0), 0.5);
            assert!(o.mesh.validate().is_ok());
            assert_eq!(o.mesh.triangle_count(), 12);
            assert_eq!(o.class, SemanticClass::Prop);
        }
    }
}

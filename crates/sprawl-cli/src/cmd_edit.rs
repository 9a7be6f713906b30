//! `sprawl edit`: move, remove and add objects through the world's journal.

use crate::args::{MAX_COORD, Position};
use crate::cmd_region::open;
use crate::{EditArgs, EditOp};
use anyhow::{Result, bail};
use glam::{Quat, Vec3};
use sprawl_gen::ChunkGenerator;
use sprawl_store::WorldFile;
use sprawl_world::hash::StableHasher;
use sprawl_world::{
    ChunkCoord, Edit, MaterialId, MaterialKind, MeshData, Object, ObjectId, PhysicsShape,
    Provenance, SemanticClass, Transform,
};
use std::io::Write;

/// Name recorded in the provenance of objects added from the command line.
const USER_GENERATOR: &str = "user";

/// `sprawl edit`.
pub fn run(args: EditArgs) -> Result<()> {
    let mut world = open(&args.file)?;
    let mut out = std::io::stdout().lock();
    match args.op {
        EditOp::Move { id, to, yaw } => {
            let object = require(&world, id)?;
            let old = object.transform;
            let transform = Transform {
                translation: Vec3::from_array(to),
                rotation: yaw.map_or(old.rotation, |deg| Quat::from_rotation_y(deg.to_radians())),
                scale: old.scale,
            };
            let seq = world.apply_edit(&Edit::Move { id, transform })?;
            let turn = yaw.map_or_else(String::new, |d| format!(", yaw {d}°"));
            writeln!(
                out,
                "journal #{seq}: moved {id} ({}) from {} to {}{turn}",
                object.class,
                point(old.translation),
                point(transform.translation)
            )?;
        }
        EditOp::Remove { id } => {
            let object = require(&world, id)?;
            let seq = world.apply_edit(&Edit::Remove { id })?;
            writeln!(
                out,
                "journal #{seq}: removed {id} ({}) at {}",
                object.class,
                point(object.transform.translation)
            )?;
        }
        EditOp::Add {
            class,
            at,
            size,
            yaw,
        } => {
            let spec = world.spec();
            let at = match at {
                Position::Point(p) => Vec3::from_array(p),
                Position::OnGround([x, z]) => {
                    let y = ChunkGenerator::new(spec).ground_height(f64::from(x), f64::from(z));
                    if !y.is_finite() {
                        bail!("the ground height at ({x}, {z}) is not a number");
                    }
                    Vec3::new(x, y as f32, z)
                }
            };
            let chunk = ChunkCoord::containing(at.x, at.z, spec.chunk_size);
            let object = cuboid(class, at, size, yaw);
            let inputs = StableHasher::new()
                .str(class.name())
                .f32(at.x)
                .f32(at.y)
                .f32(at.z)
                .f32(size[0])
                .f32(size[1])
                .f32(size[2])
                .f32(yaw)
                .finish();
            let provenance =
                Provenance::embedded(USER_GENERATOR, env!("CARGO_PKG_VERSION"), inputs);
            let (seq, id) = world.add_object(chunk, object, provenance)?;
            writeln!(
                out,
                "journal #{seq}: added {id} ({class}) at {}, {}×{}×{} m, yaw {yaw}°",
                point(at),
                size[0],
                size[1],
                size[2]
            )?;
        }
    }
    Ok(())
}

fn point(p: Vec3) -> String {
    format!("({:.2}, {:.2}, {:.2})", p.x, p.y, p.z)
}

/// The object `id` as the world has it now, or a clear error.
fn require(world: &WorldFile, id: ObjectId) -> Result<Object> {
    // An id far outside any plausible world would make the generator work
    // at absurd coordinates; no object can live there.
    let size = f64::from(world.spec().chunk_size);
    let reach = f64::from(MAX_COORD);
    if (f64::from(id.chunk.x) * size).abs() > reach || (f64::from(id.chunk.z) * size).abs() > reach
    {
        bail!(
            "{}: object {id} does not exist: chunk {} lies beyond ±{MAX_COORD} m",
            world.path().display(),
            id.chunk
        );
    }
    Ok(world.require_object(id)?)
}

/// Material of a user-added box of `class`.
fn material(class: SemanticClass) -> MaterialKind {
    match class {
        SemanticClass::Bench => MaterialKind::Wood,
        SemanticClass::Tree => MaterialKind::Foliage,
        SemanticClass::Water => MaterialKind::Water,
        SemanticClass::Terrain | SemanticClass::Park => MaterialKind::Grass,
        SemanticClass::Road => MaterialKind::Asphalt,
        SemanticClass::Sidewalk => MaterialKind::Paving,
        SemanticClass::Building => MaterialKind::Wall,
        SemanticClass::Roof => MaterialKind::Roof,
        SemanticClass::Bridge => MaterialKind::Concrete,
        SemanticClass::Lamp
        | SemanticClass::ParkedCar
        | SemanticClass::Prop
        | SemanticClass::Agent => MaterialKind::Metal,
    }
}

/// A box of `size` (W along X, H up, D along Z, metres) standing with its
/// base centre at `at`, turned `yaw_deg` degrees about +Y. Its id is set by
/// the world file when it is added.
fn cuboid(class: SemanticClass, at: Vec3, size: [f32; 3], yaw_deg: f32) -> Object {
    let h = Vec3::from_array(size) * 0.5;
    let centre = Vec3::new(0.0, h.y, 0.0);
    let mut mesh = MeshData::new(MaterialId::of(material(class)));
    // For each face: outward normal, and two in-plane axes u, v (half
    // lengths) with u × v = normal, so the corners below run
    // counter-clockwise seen from outside.
    let faces = [
        (Vec3::X, -Vec3::Z * h.z, Vec3::Y * h.y, h.x),
        (-Vec3::X, Vec3::Z * h.z, Vec3::Y * h.y, h.x),
        (Vec3::Y, Vec3::X * h.x, -Vec3::Z * h.z, h.y),
        (-Vec3::Y, Vec3::X * h.x, Vec3::Z * h.z, h.y),
        (Vec3::Z, Vec3::X * h.x, Vec3::Y * h.y, h.z),
        (-Vec3::Z, -Vec3::X * h.x, Vec3::Y * h.y, h.z),
    ];
    for (n, u, v, depth) in faces {
        let c = centre + n * depth;
        let (lu, lv) = (u.length() * 2.0, v.length() * 2.0);
        mesh.push_quad(
            [
                (c - u - v).to_array(),
                (c + u - v).to_array(),
                (c + u + v).to_array(),
                (c - u + v).to_array(),
            ],
            n.to_array(),
            [[0.0, 0.0], [lu, 0.0], [lu, lv], [0.0, lv]],
        );
    }
    Object {
        id: ObjectId::new(ChunkCoord::new(0, 0), ObjectId::USER_BIT),
        class,
        transform: Transform::from_translation_yaw(at, yaw_deg.to_radians()),
        shape: PhysicsShape::Box {
            center: centre.to_array(),
            half_extents: h.to_array(),
        },
        mesh,
        provenance: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuboid_is_closed_outward_and_valid() {
        let o = cuboid(
            SemanticClass::Prop,
            Vec3::new(1.0, 2.0, 3.0),
            [2.0, 4.0, 6.0],
            30.0,
        );
        o.mesh.validate().unwrap();
        assert_eq!(o.mesh.triangle_count(), 12);
        assert_eq!(o.mesh.bounds(), Some(([-1.0, 0.0, -3.0], [1.0, 4.0, 3.0])));
        // Every triangle's winding agrees with its normal (outward, CCW).
        for t in o.mesh.indices.chunks_exact(3) {
            let p = |i: u32| Vec3::from_array(o.mesh.positions[i as usize]);
            let cross = (p(t[1]) - p(t[0])).cross(p(t[2]) - p(t[0]));
            let n = Vec3::from_array(o.mesh.normals[t[0] as usize]);
            assert!(cross.dot(n) > 0.0);
            // Outward: the face lies on the side its normal points to.
            let mid = (p(t[0]) + p(t[1]) + p(t[2])) / 3.0 - Vec3::new(0.0, 2.0, 0.0);
            assert!(mid.dot(n) > 0.0);
        }
        assert!(o.transform.is_finite());
    }
}

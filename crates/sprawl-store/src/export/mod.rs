//! Exports of any region of a world: GLB (glTF 2.0 binary) and top-down PNG maps.
//!
//! - [`export_glb`]: one glTF node per object (named `"{id} {class}"`), grouped
//!   under one root node per chunk, one material per distinct
//!   [`MaterialId`](sprawl_world::MaterialId) coloured from the
//!   [`Palette`](sprawl_world::Palette). Byte-identical output for equal input.
//! - [`render_map`] / [`encode_png`]: a top-down map coloured by
//!   [`SemanticClass`](sprawl_world::SemanticClass), north up, with hillshade.
//!
//! Both check their input (meshes, transforms, scales) and refuse what they
//! cannot write correctly with an [`ExportError`]; neither panics on bad data.
//!
//! ```
//! use sprawl_store::export::{export_glb, render_map, encode_png};
//! use sprawl_world::{ChunkCoord, Region, WorldSpec};
//! let spec = WorldSpec::default();
//! let chunk = sprawl_gen::generate_chunk(&spec, ChunkCoord::new(0, 0));
//! let glb = export_glb(std::slice::from_ref(&chunk), &spec.palette, None).unwrap();
//! assert_eq!(&glb[..4], b"glTF");
//! let map = render_map(&[chunk], Region::new(0.0, 0.0, 128.0, 128.0), 2.0).unwrap();
//! assert_eq!(map.dimensions(), (64, 64));
//! let png = encode_png(&map).unwrap();
//! assert_eq!(&png[1..4], b"PNG");
//! ```

mod glb;
mod map;

pub use glb::export_glb;
pub use map::{BACKGROUND, MAX_MAP_SIDE, class_colour, encode_png, map_size, render_map};

use sprawl_world::{ChunkCoord, ObjectId, Region};

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// An object's mesh breaks [`MeshData::validate`](sprawl_world::MeshData::validate)
    /// (mismatched attribute lengths, out-of-range index, NaN or infinity, …).
    #[error("object {object}: invalid mesh: {reason}")]
    InvalidMesh {
        /// The offending object.
        object: ObjectId,
        /// What is wrong with its mesh.
        reason: String,
    },
    /// An object's normal cannot be made unit length (zero length).
    #[error("object {object}: normal of vertex {vertex} has zero length")]
    ZeroNormal {
        /// The offending object.
        object: ObjectId,
        /// Index of the vertex.
        vertex: usize,
    },
    /// An object's transform is not usable (a non-finite component, or a zero rotation quaternion).
    #[error("object {object}: invalid transform: {reason}")]
    InvalidTransform {
        /// The offending object.
        object: ObjectId,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A palette colour is not finite.
    #[error("palette: {what} colour {colour:?} is not finite")]
    InvalidPalette {
        /// Which palette entry.
        what: &'static str,
        /// The colour.
        colour: [f32; 3],
    },
    /// A chunk's terrain heightfield is malformed.
    #[error("chunk {chunk}: invalid terrain heightfield: {reason}")]
    InvalidHeightfield {
        /// The chunk.
        chunk: ChunkCoord,
        /// What is wrong with it.
        reason: String,
    },
    /// The region is not a finite rectangle with positive width and depth.
    #[error(
        "region x {}..{}, z {}..{} is not a finite rectangle with positive width and depth",
        region.x0, region.x1, region.z0, region.z1
    )]
    InvalidRegion {
        /// The rejected region.
        region: Region,
    },
    /// The map scale is zero, negative or not a number.
    #[error("map scale must be a finite number of metres per pixel greater than 0, got {0}")]
    InvalidScale(f32),
    /// The map would be too large.
    #[error(
        "map would be {width}×{height} pixels, over the limit of {max}×{max}; \
         use a coarser scale (more metres per pixel) or a smaller region"
    )]
    MapTooLarge {
        /// Width the map would have (pixels).
        width: u64,
        /// Height the map would have (pixels).
        height: u64,
        /// Largest side allowed (pixels).
        max: u32,
    },
    /// The GLB would exceed the format's 4 GiB limit.
    #[error(
        "GLB would be {bytes} bytes, over the format's limit of 4 GiB; export a smaller region"
    )]
    TooLarge {
        /// Size it would have (bytes).
        bytes: u64,
    },
    /// Writing the glTF JSON failed.
    #[error("cannot write glTF JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Encoding the PNG failed.
    #[error("cannot encode PNG: {0}")]
    Png(#[from] image::ImageError),
}

/// Checks that a region is a finite rectangle with positive extent.
fn check_region(region: Region) -> Result<(), ExportError> {
    let ok = [region.x0, region.z0, region.x1, region.z1]
        .iter()
        .all(|v| v.is_finite())
        && region.x1 > region.x0
        && region.z1 > region.z0;
    if ok {
        Ok(())
    } else {
        Err(ExportError::InvalidRegion { region })
    }
}

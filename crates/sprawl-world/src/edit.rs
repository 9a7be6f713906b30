//! Edits: a journal of user and simulator changes over the generated base.
//!
//! The world file stores edits, not edited chunks; loading regenerates a
//! chunk and reapplies its edits in journal order with [`apply_edits`].

use crate::{Chunk, Object, ObjectId, Provenance, Transform};
use serde::{Deserialize, Serialize};

/// One change to the world.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Edit {
    /// An object was moved (its whole transform replaced).
    Move {
        /// Which object.
        id: ObjectId,
        /// New placement.
        transform: Transform,
    },
    /// An object was removed.
    Remove {
        /// Which object.
        id: ObjectId,
    },
    /// An object was added (its id has [`ObjectId::USER_BIT`] set).
    Add {
        /// The new object, owned by `object.id.chunk`.
        object: Box<Object>,
        /// Who added it.
        provenance: Provenance,
    },
    /// A dynamic object's last physical state (where it came to rest).
    DynamicState {
        /// Which object.
        id: ObjectId,
        /// Its placement.
        transform: Transform,
        /// Linear velocity (metres per second).
        linear_velocity: [f32; 3],
        /// Angular velocity (radians per second).
        angular_velocity: [f32; 3],
    },
}

impl Edit {
    /// The object the edit is about.
    pub fn object_id(&self) -> ObjectId {
        match self {
            Self::Move { id, .. } | Self::Remove { id } | Self::DynamicState { id, .. } => *id,
            Self::Add { object, .. } => object.id,
        }
    }

    /// Short name of the operation.
    pub fn op(&self) -> &'static str {
        match self {
            Self::Move { .. } => "move",
            Self::Remove { .. } => "remove",
            Self::Add { .. } => "add",
            Self::DynamicState { .. } => "dynamic_state",
        }
    }

    /// Rejects edits that would put non-finite numbers into the world.
    pub fn validate(&self) -> Result<(), EditError> {
        let ok = match self {
            Self::Move { transform, .. } => transform.is_finite(),
            Self::Remove { .. } => true,
            Self::Add { object, .. } => {
                object.transform.is_finite() && object.mesh.validate().is_ok()
            }
            Self::DynamicState {
                transform,
                linear_velocity,
                angular_velocity,
                ..
            } => {
                transform.is_finite()
                    && linear_velocity
                        .iter()
                        .chain(angular_velocity)
                        .all(|v| v.is_finite())
            }
        };
        if ok {
            Ok(())
        } else {
            Err(EditError::NotFinite(self.object_id()))
        }
    }
}

/// Why an edit cannot be applied.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EditError {
    /// The edit names an object this chunk does not have.
    #[error("object {0} does not exist (removed, or never generated)")]
    UnknownObject(ObjectId),
    /// An added object's id is already taken.
    #[error("object {0} already exists")]
    DuplicateObject(ObjectId),
    /// The edit belongs to another chunk.
    #[error("edit for object {0} does not belong to this chunk")]
    WrongChunk(ObjectId),
    /// The edit carries NaN or infinite numbers.
    #[error("edit for object {0} has a non-finite number")]
    NotFinite(ObjectId),
}

/// Applies `edits` (in journal order) to a freshly generated chunk.
///
/// Edits that no longer apply (an object the generator no longer makes)
/// are returned, not silently dropped, so the caller can report them.
pub fn apply_edits<'a>(
    chunk: &mut Chunk,
    edits: impl IntoIterator<Item = &'a Edit>,
) -> Vec<(Edit, EditError)> {
    let mut rejected = Vec::new();
    for edit in edits {
        if let Err(e) = apply_one(chunk, edit) {
            rejected.push((edit.clone(), e));
        }
    }
    rejected
}

fn apply_one(chunk: &mut Chunk, edit: &Edit) -> Result<(), EditError> {
    let id = edit.object_id();
    if id.chunk != chunk.coord {
        return Err(EditError::WrongChunk(id));
    }
    edit.validate()?;
    let position = chunk.objects.iter().position(|o| o.id == id);
    match (edit, position) {
        (Edit::Move { transform, .. } | Edit::DynamicState { transform, .. }, Some(i)) => {
            chunk.objects[i].transform = *transform;
        }
        (Edit::Remove { .. }, Some(i)) => {
            chunk.objects.remove(i);
        }
        (Edit::Add { object, provenance }, None) => {
            let index = match chunk.provenance.iter().position(|p| p == provenance) {
                Some(i) => i,
                None => {
                    chunk.provenance.push(provenance.clone());
                    chunk.provenance.len() - 1
                }
            };
            let mut object = (**object).clone();
            object.provenance = index as u16;
            chunk.objects.push(object);
        }
        (Edit::Add { .. }, Some(_)) => return Err(EditError::DuplicateObject(id)),
        (_, None) => return Err(EditError::UnknownObject(id)),
    }
    Ok(())
}

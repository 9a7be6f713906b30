//! Exports: GLB and PNG maps (being written).

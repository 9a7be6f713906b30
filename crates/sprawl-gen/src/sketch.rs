//! Sketch interpreter (being written).

//! Prompt interpreter (being written).

//! Sprawl store.

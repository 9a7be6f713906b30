//! # sprawl-py
//!
//! The `sprawl._core` Python extension module: thin pyo3 bindings over
//! [`sprawl_sim::Sim`]. The Python package `sprawl` (in `python/sprawl/`) builds
//! the Gymnasium, vector and PettingZoo environments on top of three classes:
//!
//! - [`Config`]: a simulator configuration from keyword arguments;
//! - [`World`]: one simulated world with one or more agents (the Gymnasium env
//!   uses one agent, the PettingZoo env several);
//! - [`VecWorld`]: N single-agent worlds stepped together on a thread pool with
//!   the GIL released, writing straight into NumPy buffers that Python owns.
//!
//! Every action is checked here (shape and finiteness) before the simulator sees
//! it, so a bad action is a `ValueError` and never reaches the physics.
//!
//! Built with maturin (`crates/sprawl-py/pyproject.toml`); `scripts/test.sh`
//! builds the wheel and runs the Python tests.

mod config;
mod vec;
mod world;

pub use config::Config;
pub use vec::VecWorld;
pub use world::World;

use pyo3::exceptions::{PyIndexError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use sprawl_sim::{Outcome, SimError};

/// Outcome names indexed by the codes that [`VecWorld`] writes (`outcome_code`).
pub const OUTCOME_NAMES: [&str; 6] = [
    "running",
    "success",
    "crash",
    "off_road",
    "wrong_way",
    "timeout",
];

/// Small integer code of an outcome, an index into [`OUTCOME_NAMES`].
pub fn outcome_code(o: Outcome) -> u8 {
    match o {
        Outcome::Running => 0,
        Outcome::Success => 1,
        Outcome::Crash => 2,
        Outcome::OffRoad => 3,
        Outcome::WrongWay => 4,
        Outcome::Timeout => 5,
    }
}

/// Maps a simulator error to the Python exception a caller expects: bad input
/// (configuration, prompt, sketch, world file, action) is a `ValueError`,
/// anything else a `RuntimeError`.
pub(crate) fn sim_err(e: SimError) -> PyErr {
    let msg = e.to_string();
    match e {
        SimError::InvalidConfig(_)
        | SimError::UnknownAgentKind { .. }
        | SimError::Prompt(_)
        | SimError::Sketch { .. }
        | SimError::Spec(_)
        | SimError::Store(_)
        | SimError::WrongActionCount { .. }
        | SimError::InvalidAction { .. } => PyValueError::new_err(msg),
        _ => PyRuntimeError::new_err(msg),
    }
}

/// Checks one action vector: its length and that every component is finite.
pub(crate) fn check_action(what: &str, action: &[f32], dim: usize) -> PyResult<()> {
    if action.len() != dim {
        return Err(PyValueError::new_err(format!(
            "{what}: expected an action of shape ({dim},), got {} values",
            action.len()
        )));
    }
    if let Some((k, v)) = action.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(PyValueError::new_err(format!(
            "{what}: action component {k} is {v}; actions must be finite"
        )));
    }
    Ok(())
}

/// Checks an agent index against the number of agents.
pub(crate) fn check_agent(agent: usize, n: usize) -> PyResult<()> {
    if agent < n {
        Ok(())
    } else {
        Err(PyIndexError::new_err(format!(
            "agent index {agent} out of range (this world has {n} agents)"
        )))
    }
}

/// Checks the size of a top-down render.
pub(crate) fn check_render(size_px: u32, metres: f32) -> PyResult<()> {
    if (1..=4096).contains(&size_px) && metres.is_finite() && metres > 0.0 {
        Ok(())
    } else {
        Err(PyValueError::new_err(format!(
            "render: size_px must be 1..=4096 and metres positive, got {size_px} px over {metres} m"
        )))
    }
}

/// The `sprawl._core` module.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("OUTCOME_NAMES", OUTCOME_NAMES.to_vec())?;
    m.add_class::<Config>()?;
    m.add_class::<World>()?;
    m.add_class::<VecWorld>()?;
    Ok(())
}

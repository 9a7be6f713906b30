//! The simulator's errors.

use std::path::PathBuf;

/// Why the simulator refused a configuration, a world or an action.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// A configuration value is out of range (the message names it).
    #[error("invalid simulator configuration: {0}")]
    InvalidConfig(String),
    /// An agent kind name that no agent model is registered under (see [`agent_kinds`](crate::agent_kinds)).
    #[error("unknown agent kind `{name}`; registered kinds: {known}")]
    UnknownAgentKind {
        /// The name given.
        name: String,
        /// The registered names, comma-separated.
        known: String,
    },
    /// The prompt could not be interpreted.
    #[error("prompt: {0}")]
    Prompt(#[from] sprawl_gen::prompt::PromptError),
    /// The sketch could not be read or interpreted.
    #[error("sketch {}: {source}", path.display())]
    Sketch {
        /// The sketch file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: sprawl_gen::sketch::SketchError,
    },
    /// The spec is invalid.
    #[error("world spec: {0}")]
    Spec(#[from] sprawl_world::SpecError),
    /// The world file could not be opened or read.
    #[error("world file: {0}")]
    Store(#[from] sprawl_store::StoreError),
    /// No road to place an agent on was found near the origin of the world.
    #[error("no road found within {searched_m} m of the world origin to place agent {agent} on")]
    NoRoad {
        /// The agent that could not be placed.
        agent: usize,
        /// How far the search went (metres).
        searched_m: f32,
    },
    /// `step` was given a number of actions other than the number of agents.
    #[error("expected one action per agent ({expected}), got {got}")]
    WrongActionCount {
        /// Number of agents.
        expected: usize,
        /// Number of actions given.
        got: usize,
    },
    /// One agent's action is unusable; nothing was applied to any agent.
    #[error("invalid action for agent {agent}: {reason}")]
    InvalidAction {
        /// Index of the agent.
        agent: usize,
        /// What is wrong (length, NaN, infinity, out of bounds).
        reason: String,
    },
    /// No movable prop with this id is in the live chunks.
    #[error("no movable prop {0} in the loaded world")]
    UnknownProp(sprawl_world::ObjectId),
    /// A prop impulse or thrown body with bad numbers.
    #[error("invalid prop request: {0}")]
    InvalidProp(String),
    /// `step` was called before `reset`.
    #[error("step called before reset")]
    NotReset,
    /// The background chunk loader stopped (it panicked or its world file failed).
    #[error("chunk loader: {0}")]
    Loader(String),
}

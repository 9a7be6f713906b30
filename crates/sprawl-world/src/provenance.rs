//! Provenance: which generator made a thing, which version, from which inputs.

use serde::{Deserialize, Serialize};

/// Where a chunk, object or spec came from. Kept beside every generated
/// result so that a world can say which backend, model and version made
/// each part of it, and so that caches can be invalidated by version.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Provenance {
    /// Generator or backend name, e.g. `"procedural"`, `"prompt-interpreter"`, `"user"`.
    pub generator: String,
    /// Generator version; changing it changes generated output.
    pub version: String,
    /// Model name for learned backends; `None` for embedded generators.
    pub model: Option<String>,
    /// Stable hash of the inputs (seed, spec, coordinate, …), as 16 hex digits.
    pub inputs_hash: String,
}

impl Provenance {
    /// Provenance for an embedded generator with no model.
    pub fn embedded(generator: &str, version: &str, inputs_hash: u64) -> Self {
        Self {
            generator: generator.to_owned(),
            version: version.to_owned(),
            model: None,
            inputs_hash: format!("{inputs_hash:016x}"),
        }
    }
}

impl std::fmt::Display for Provenance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.generator, self.version)?;
        if let Some(m) = &self.model {
            write!(f, " model={m}")?;
        }
        write!(f, " inputs={}", self.inputs_hash)
    }
}

//! The registry of backend kinds.
//!
//! Adding a backend kind is one module that implements
//! [`Backend`] and the task traits it supports, plus one [`Registration`]
//! line in [`REGISTRY`].

use crate::backend::Backend;
use crate::config::BackendConfig;
use crate::task::TaskKind;
use secrecy::SecretString;
use std::sync::Arc;

/// Builds a backend from its name and configuration.
pub type BuildFn =
    fn(&str, &BackendConfig, Option<SecretString>) -> Result<Arc<dyn Backend>, String>;

/// How to build one kind of backend.
pub struct Registration {
    /// The `kind` in the configuration.
    pub kind: &'static str,
    /// Which tasks a backend of this kind can do with this configuration.
    pub supports: fn(TaskKind, &BackendConfig) -> bool,
    /// Builds a backend from its name, configuration and key (read by the
    /// orchestrator from the variable named by `api_key_env`). Errors make
    /// the backend unavailable, not the whole configuration.
    pub build: BuildFn,
}

/// Every backend kind. (`procedural` is built in and not listed.)
pub const REGISTRY: &[Registration] = &[
    Registration {
        kind: "openai",
        supports: crate::openai::supports,
        build: crate::openai::build,
    },
    Registration {
        kind: "mesh-jobs",
        supports: crate::mesh_jobs::supports,
        build: crate::mesh_jobs::build,
    },
];

/// The kinds in [`REGISTRY`].
pub const KINDS: &[&str] = &["openai", "mesh-jobs"];

/// Whether a backend of `kind` configured as `cfg` can do `task`.
pub fn supports(kind: &str, task: TaskKind, cfg: &BackendConfig) -> bool {
    REGISTRY
        .iter()
        .find(|r| r.kind == kind)
        .is_some_and(|r| (r.supports)(task, cfg))
}

/// Builds backend `name` from its configuration and key.
pub fn build(
    name: &str,
    cfg: &BackendConfig,
    key: Option<SecretString>,
) -> Result<Arc<dyn Backend>, String> {
    match REGISTRY.iter().find(|r| r.kind == cfg.kind) {
        Some(r) => (r.build)(name, cfg, key),
        None => Err(format!("unknown kind `{}`", cfg.kind)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn kinds_match_the_registry() {
        let kinds: Vec<&str> = super::REGISTRY.iter().map(|r| r.kind).collect();
        assert_eq!(kinds, super::KINDS);
    }
}

//! `sprawl serve-gen`: the orchestrator as an HTTP service.

use crate::ServeArgs;
use anyhow::{Context, Result, bail};
use secrecy::SecretString;
use sprawl_backends::server::{MIN_TOKEN_CHARS, serve};
use sprawl_backends::{Config, MemoryStore, Orchestrator, ResultStore, WorldStore};
use std::io::Write;
use std::sync::Arc;

/// `sprawl serve-gen`.
pub fn run(args: ServeArgs) -> Result<()> {
    let config = Config::load(&args.config)?;
    let token = match std::env::var(&args.token_env) {
        Ok(t) if t.trim().chars().count() >= MIN_TOKEN_CHARS => {
            SecretString::from(t.trim().to_owned())
        }
        Ok(_) => bail!(
            "the token in ${} must be at least {MIN_TOKEN_CHARS} characters long",
            args.token_env
        ),
        Err(_) => bail!(
            "environment variable {} (--token-env) is not set; clients must send its value as a bearer token",
            args.token_env
        ),
    };
    let store: Arc<dyn ResultStore> = match &args.world {
        Some(path) => Arc::new(WorldStore::new(crate::cmd_region::open(path)?)),
        None => Arc::new(MemoryStore::default()),
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .try_init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let orch = Orchestrator::new(&config, store, tokio::runtime::Handle::current());
        for s in orch.statuses() {
            if let Some(why) = &s.unavailable {
                crate::load::warn(&format!("backend {}: {why}; it is skipped", s.name));
            }
        }
        let listener = tokio::net::TcpListener::bind(args.bind)
            .await
            .with_context(|| format!("cannot listen on {}", args.bind))?;
        let addr = listener.local_addr().context("no local address")?;
        if !addr.ip().is_loopback() {
            crate::load::warn(&format!(
                "listening on {addr}, which is reachable from other machines; the token is the only protection"
            ));
        }
        {
            // Status lines only: a closed stdout must not stop the service.
            let mut out = std::io::stdout().lock();
            let cache = args.world.as_deref().map_or_else(
                || "in memory (pass --world FILE to keep it)".into(),
                |p| p.display().to_string(),
            );
            let _ = writeln!(
                out,
                "listening on http://{addr} (bearer token from ${})\ncache: {cache}",
                args.token_env
            );
            let _ = out.flush();
        }
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        serve(orch, listener, token, shutdown).await?;
        Ok(())
    })
}

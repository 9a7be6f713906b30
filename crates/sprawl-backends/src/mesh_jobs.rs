//! `mesh-jobs`: an asynchronous text-to-3D job API that returns GLB models.
//!
//! The protocol (which small adapters can put in front of real services):
//!
//! 1. `POST {base_url}/jobs` with `{"prompt": "...", "class": "bench",
//!    "size_m": [w, h, d], "format": "glb"}` → `200/201/202` and
//!    `{"id": "..."}`;
//! 2. `GET {base_url}/jobs/{id}` every `poll_interval_s` →
//!    `{"status": "queued" | "running" | "succeeded" | "failed",
//!    "result_url": "...", "error": "..."}`;
//! 3. `GET result_url` (absolute, or relative to `base_url`; it must be on
//!    the same scheme, host and port, so that a key never goes elsewhere)
//!    → the GLB bytes.
//!
//! The whole exchange runs under the attempt's deadline. The GLB is read
//! with a size cap and must pass [`crate::glb::import_glb`] (container,
//! references, index ranges, finite numbers, triangle and extent limits);
//! the mesh is then scaled uniformly to fit the requested box, centred on
//! the origin and stood on `y = 0`.

use crate::backend::{Backend, BoxFuture, ObjectBackend};
use crate::config::BackendConfig;
use crate::error::BackendError;
use crate::glb::{GlbLimits, import_glb};
use crate::http::{Redactor, read_capped, status_error, transport};
use crate::openai::{client, join};
use crate::task::{ObjectInput, TaskKind};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use sprawl_world::MeshData;
use std::sync::Arc;

/// A `mesh-jobs` backend does only the object task.
pub fn supports(task: TaskKind, _cfg: &BackendConfig) -> bool {
    task == TaskKind::Object
}

/// Builds a `mesh-jobs` backend.
pub fn build(
    name: &str,
    cfg: &BackendConfig,
    key: Option<SecretString>,
) -> Result<Arc<dyn Backend>, String> {
    Ok(Arc::new(MeshJobs::new(name, cfg, key)?))
}

/// Most polls of one job (the deadline usually ends it first).
const MAX_POLLS: u32 = 10_000;
/// Largest status document (bytes).
const MAX_STATUS_BYTES: u64 = 64 << 10;

/// A client of one mesh job service.
pub struct MeshJobs {
    name: String,
    cfg: BackendConfig,
    base: reqwest::Url,
    key: Option<SecretString>,
    client: reqwest::Client,
    redactor: Redactor,
}

impl std::fmt::Debug for MeshJobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeshJobs")
            .field("name", &self.name)
            .field("base", &self.base.as_str())
            .field("key", &self.key.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl MeshJobs {
    /// A backend from its configuration.
    pub fn new(name: &str, cfg: &BackendConfig, key: Option<SecretString>) -> Result<Self, String> {
        let base_text = cfg.base_url.as_deref().ok_or("base_url is required")?;
        let base = join(base_text, "")?;
        Ok(Self {
            name: name.to_owned(),
            client: client(cfg, &base)?,
            redactor: Redactor::new(key.as_ref()),
            base,
            key,
            cfg: cfg.clone(),
        })
    }

    fn invalid(&self, message: String) -> BackendError {
        BackendError::Invalid {
            backend: self.name.clone(),
            message: self.redactor.scrub(&message),
        }
    }

    async fn send(
        &self,
        req: reqwest::RequestBuilder,
        limit: u64,
    ) -> Result<Vec<u8>, BackendError> {
        let req = match &self.key {
            Some(k) => req.bearer_auth(k.expose_secret()),
            None => req,
        };
        let resp = req
            .send()
            .await
            .map_err(|e| transport(&self.name, &e, &self.redactor, self.cfg.timeout()))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = read_capped(&self.name, resp, limit, self.cfg.timeout()).await?;
        if !status.is_success() {
            return Err(status_error(
                &self.name,
                status,
                &headers,
                &bytes,
                &self.redactor,
            ));
        }
        Ok(bytes)
    }

    fn json(&self, bytes: &[u8], what: &str) -> Result<Value, BackendError> {
        serde_json::from_slice(bytes)
            .map_err(|e| self.invalid(format!("the {what} is not JSON: {e}")))
    }

    /// `result_url` resolved against the base, refused if it leaves the base's origin.
    fn result_url(&self, text: &str) -> Result<reqwest::Url, BackendError> {
        let url = self
            .base
            .join(text)
            .map_err(|e| self.invalid(format!("result_url is not a URL: {e}")))?;
        if url.scheme() != self.base.scheme()
            || url.host_str() != self.base.host_str()
            || url.port_or_known_default() != self.base.port_or_known_default()
        {
            return Err(self.invalid(
                "result_url points to another server; refusing to send the key there".into(),
            ));
        }
        Ok(url)
    }

    async fn run(&self, input: &ObjectInput) -> Result<MeshData, BackendError> {
        let submit = json!({
            "prompt": input.description,
            "class": input.class,
            "size_m": input.size,
            "format": "glb",
        });
        let url = join(self.base.as_str(), "jobs").map_err(|e| self.invalid(e))?;
        let body = self
            .send(self.client.post(url).json(&submit), MAX_STATUS_BYTES)
            .await?;
        let id = self
            .json(&body, "job submission answer")?
            .get("id")
            .and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .filter(|id| {
                !id.is_empty()
                    && id.len() <= 200
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            })
            .ok_or_else(|| self.invalid("the job submission answer has no usable `id`".into()))?;
        let status_url =
            join(self.base.as_str(), &format!("jobs/{id}")).map_err(|e| self.invalid(e))?;
        let mut polls = 0;
        let result = loop {
            let s = self
                .send(self.client.get(status_url.clone()), MAX_STATUS_BYTES)
                .await?;
            let s = self.json(&s, "job status")?;
            match s.get("status").and_then(Value::as_str) {
                Some("succeeded" | "completed" | "done") => {
                    let r = s
                        .get("result_url")
                        .and_then(Value::as_str)
                        .ok_or_else(|| self.invalid("a finished job has no result_url".into()))?;
                    break self.result_url(r)?;
                }
                Some("failed" | "error" | "cancelled") => {
                    let why = s
                        .get("error")
                        .map(|e| e.as_str().map_or_else(|| e.to_string(), str::to_owned))
                        .unwrap_or_else(|| "no reason given".into());
                    return Err(BackendError::JobFailed {
                        backend: self.name.clone(),
                        message: self.redactor.scrub(&why),
                    });
                }
                Some("queued" | "pending" | "running" | "in_progress") => {}
                other => {
                    return Err(self.invalid(format!("unknown job status {other:?}")));
                }
            }
            polls += 1;
            if polls >= MAX_POLLS {
                return Err(self.invalid("the job never finished".into()));
            }
            tokio::time::sleep(self.cfg.poll_interval()).await;
        };
        let limit = self.cfg.max_response_bytes();
        let glb = self.send(self.client.get(result), limit).await?;
        let limits = GlbLimits {
            max_bytes: limit,
            max_triangles: u64::from(self.cfg.max_triangles()),
            max_vertices: u64::from(self.cfg.max_triangles()) * 3,
            max_extent: self.cfg.max_extent_m(),
        };
        let mut mesh = import_glb(&glb, &limits).map_err(|e| self.invalid(e.to_string()))?;
        fit(&mut mesh, input.size);
        Ok(mesh)
    }
}

/// Scales `mesh` uniformly to fit `size` (W,H,D), centred on the origin
/// in X and Z, standing on `y = 0`.
pub fn fit(mesh: &mut MeshData, size: [f32; 3]) {
    let Some((lo, hi)) = mesh.bounds() else {
        return;
    };
    let ext = [hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]];
    let scale = (0..3)
        .filter(|&k| ext[k] > 0.0)
        .map(|k| size[k] / ext[k])
        .fold(f32::INFINITY, f32::min);
    let scale = if scale.is_finite() { scale } else { 1.0 };
    let centre = [(lo[0] + hi[0]) / 2.0, lo[1], (lo[2] + hi[2]) / 2.0];
    for p in &mut mesh.positions {
        for k in 0..3 {
            p[k] = (p[k] - centre[k]) * scale;
        }
    }
    for uv in &mut mesh.uvs {
        uv[0] *= scale;
        uv[1] *= scale;
    }
}

impl ObjectBackend for MeshJobs {
    fn mesh<'a>(
        &'a self,
        input: &'a ObjectInput,
        baseline: &'a MeshData,
    ) -> BoxFuture<'a, Result<MeshData, BackendError>> {
        Box::pin(async move {
            let mut mesh = self.run(input).await?;
            mesh.material = baseline.material;
            Ok(mesh)
        })
    }
}

impl Backend for MeshJobs {
    fn name(&self) -> &str {
        &self.name
    }
    fn kind(&self) -> &'static str {
        "mesh-jobs"
    }
    fn model(&self) -> Option<&str> {
        self.cfg.model.as_deref()
    }
    fn as_object(&self) -> Option<&dyn ObjectBackend> {
        Some(self)
    }
}

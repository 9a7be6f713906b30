//! `openai`: any OpenAI-compatible chat-completions server (OpenAI, vLLM,
//! Ollama, llama.cpp, …) asked for JSON that follows a schema.
//!
//! Each request is one `POST {base_url}/chat/completions` with a system
//! message that explains the task and includes the JSON schema, the user's
//! input (text, or text and the sketch as a data-URL image part when
//! `vision = true`), `temperature: 0`, and `response_format: {type:
//! json_schema, json_schema: {name, strict: true, schema}}`. A server that
//! rejects `response_format` with HTTP 400 (llama.cpp does for some
//! schemas) is asked again at once without it, and not asked with it again
//! in this run; the answer is checked the same way either way.
//!
//! The answer's `choices[0].message.content` is parsed as the draft type
//! (code fences and text around the JSON object are tolerated), applied to
//! the procedural answer and validated by the task. Keys go only into the
//! `Authorization` header; redirects are not followed, so a key is never
//! sent to another host.

use crate::backend::{Backend, BoxFuture, PromptBackend, RegionBackend, SketchBackend};
use crate::config::BackendConfig;
use crate::draft::{RegionDraft, SketchDraft, SpecDraft, strict_schema};
use crate::error::BackendError;
use crate::http::{Redactor, base64_encode, read_capped, status_error, transport};
use crate::task::{PromptInput, RegionInput, SketchInput, TaskKind};
use schemars::JsonSchema;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sprawl_world::{Chunk, SketchLayout, WorldSpec};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Which tasks an `openai` backend does: prompts and regions always,
/// sketches when the model takes images.
pub fn supports(task: TaskKind, cfg: &BackendConfig) -> bool {
    match task {
        TaskKind::Prompt | TaskKind::Region => true,
        TaskKind::Sketch => cfg.vision(),
        TaskKind::Object => false,
    }
}

/// Builds an `openai` backend.
pub fn build(
    name: &str,
    cfg: &BackendConfig,
    key: Option<SecretString>,
) -> Result<Arc<dyn Backend>, String> {
    Ok(Arc::new(OpenAi::new(name, cfg, key)?))
}

/// A client of one OpenAI-compatible server and model.
pub struct OpenAi {
    name: String,
    cfg: BackendConfig,
    model: String,
    url: reqwest::Url,
    key: Option<SecretString>,
    client: reqwest::Client,
    redactor: Redactor,
    schema_accepted: AtomicBool,
}

impl std::fmt::Debug for OpenAi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAi")
            .field("name", &self.name)
            .field("model", &self.model)
            .field("url", &self.url.as_str())
            .field("key", &self.key.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// An HTTP client for a backend: no redirects, a connect time-out, the
/// attempt deadline as a whole-request time-out, and no proxy for loopback.
pub(crate) fn client(cfg: &BackendConfig, url: &reqwest::Url) -> Result<reqwest::Client, String> {
    let mut b = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(cfg.timeout().min(std::time::Duration::from_secs(10)))
        // A backstop: the orchestrator's deadline (the same duration) normally fires first.
        .timeout(cfg.timeout() + std::time::Duration::from_secs(1))
        .user_agent(concat!("sprawl/", env!("CARGO_PKG_VERSION")));
    let loopback = url.host_str().is_some_and(|h| {
        h == "localhost"
            || h.trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|a| a.is_loopback())
    });
    if loopback {
        b = b.no_proxy();
    }
    b.build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))
}

/// `base` with `path` appended (keeping the base's own path).
pub(crate) fn join(base: &str, path: &str) -> Result<reqwest::Url, String> {
    let base = base.trim_end_matches('/');
    reqwest::Url::parse(&format!("{base}/{path}")).map_err(|e| format!("bad base_url: {e}"))
}

impl OpenAi {
    /// A backend from its configuration and key.
    pub fn new(name: &str, cfg: &BackendConfig, key: Option<SecretString>) -> Result<Self, String> {
        let base = cfg.base_url.as_deref().ok_or("base_url is required")?;
        let url = join(base, "chat/completions")?;
        Ok(Self {
            name: name.to_owned(),
            model: cfg.model.clone().ok_or("model is required")?,
            client: client(cfg, &url)?,
            redactor: Redactor::new(key.as_ref()),
            url,
            key,
            schema_accepted: AtomicBool::new(cfg.json_schema()),
            cfg: cfg.clone(),
        })
    }

    async fn post(
        &self,
        body: &Value,
    ) -> Result<(reqwest::StatusCode, reqwest::header::HeaderMap, Vec<u8>), BackendError> {
        let mut req = self.client.post(self.url.clone()).json(body);
        if let Some(k) = &self.key {
            req = req.bearer_auth(k.expose_secret());
        }
        let resp = req
            .send()
            .await
            .map_err(|e| transport(&self.name, &e, &self.redactor, self.cfg.timeout()))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = read_capped(
            &self.name,
            resp,
            self.cfg.max_response_bytes(),
            self.cfg.timeout(),
        )
        .await?;
        Ok((status, headers, bytes))
    }

    /// One chat completion whose answer must be a `D`.
    async fn ask<D: DeserializeOwned + JsonSchema>(
        &self,
        schema_name: &str,
        system: String,
        user: Value,
    ) -> Result<D, BackendError> {
        let schema = strict_schema::<D>();
        let system = format!(
            "{system}\n\nAnswer with a single JSON object and nothing else. It must follow this \
             JSON schema:\n{schema}"
        );
        let mut body = json!({
            "model": self.model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
            "temperature": 0,
            "max_tokens": self.cfg.max_tokens(),
        });
        let with_schema = self.schema_accepted.load(Ordering::Relaxed);
        if with_schema {
            body["response_format"] = json!({
                "type": "json_schema",
                "json_schema": {"name": schema_name, "strict": true, "schema": schema},
            });
        }
        let (mut status, mut headers, mut bytes) = self.post(&body).await?;
        if with_schema && status == reqwest::StatusCode::BAD_REQUEST {
            // llama.cpp and some proxies reject `response_format`; ask again without it.
            tracing::warn!(
                backend = %self.name,
                "the server rejected response_format (HTTP 400); asking again without it"
            );
            self.schema_accepted.store(false, Ordering::Relaxed);
            if let Some(o) = body.as_object_mut() {
                o.remove("response_format");
            }
            (status, headers, bytes) = self.post(&body).await?;
        }
        if !status.is_success() {
            return Err(status_error(
                &self.name,
                status,
                &headers,
                &bytes,
                &self.redactor,
            ));
        }
        let content = self.content(&bytes)?;
        let object = extract_json(&content)
            .ok_or_else(|| self.invalid("the answer holds no JSON object".into()))?;
        serde_json::from_str::<D>(object)
            .map_err(|e| self.invalid(format!("the answer does not follow the schema: {e}")))
    }

    fn invalid(&self, message: String) -> BackendError {
        BackendError::Invalid {
            backend: self.name.clone(),
            message: self.redactor.scrub(&message),
        }
    }

    /// `choices[0].message.content` of a chat-completions answer.
    fn content(&self, bytes: &[u8]) -> Result<String, BackendError> {
        let v: Value = serde_json::from_slice(bytes).map_err(|e| {
            let start = String::from_utf8_lossy(&bytes[..bytes.len().min(80)]).into_owned();
            self.invalid(format!(
                "the answer is not JSON ({e}); it starts with `{start}`"
            ))
        })?;
        let choice = v
            .pointer("/choices/0")
            .ok_or_else(|| self.invalid("the answer has no choices".into()))?;
        if let Some(r) = choice.pointer("/message/refusal").and_then(Value::as_str) {
            return Err(self.invalid(format!("the model refused: {r}")));
        }
        if choice.get("finish_reason").and_then(Value::as_str) == Some("length") {
            return Err(self.invalid(format!(
                "the answer was cut off at max_tokens ({})",
                self.cfg.max_tokens()
            )));
        }
        choice
            .pointer("/message/content")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| self.invalid("the answer has no message content".into()))
    }
}

/// The JSON object in a model's text: the whole text, or what lies between
/// the first `{` and the last `}` (code fences, a sentence before it).
fn extract_json(text: &str) -> Option<&str> {
    let start = text.find('{')?;
    let end = text.rfind('}')?;
    (end > start).then(|| &text[start..=end])
}

const PROMPT_SYSTEM: &str = "You design cities for a procedural city generator. Read the \
user's description and choose the generator's parameters so that the generated city matches \
it. Keep values the description does not decide close to those of an ordinary modern city \
(density 0.75, 1 to 40 floors, districts about 700 m across, blocks of 96 m, rolling terrain \
with 12 m relief, vegetation 0.5, 14:00 in summer, clear, fog 0.1).";

const SKETCH_SYSTEM: &str = "You read hand-drawn city maps. The picture uses this legend: \
white = undecided, black or dark grey lines = roads, blue = water, green = park, red = \
downtown towers, orange = mid-rise, yellow = residential houses, purple = industrial. \
Describe the picture as a grid of cells with the same proportions as the picture, and trace \
each road as a polyline in cell units.";

const REGION_SYSTEM: &str = "You detail one square region of a procedural city. Its roads \
and terrain are fixed; you choose what stands on its lots: how densely they are built, how \
tall the buildings are and how many trees there are.";

impl PromptBackend for OpenAi {
    fn world_spec<'a>(
        &'a self,
        input: &'a PromptInput,
        baseline: &'a WorldSpec,
    ) -> BoxFuture<'a, Result<WorldSpec, BackendError>> {
        Box::pin(async move {
            let draft: SpecDraft = self
                .ask(
                    "city_parameters",
                    PROMPT_SYSTEM.into(),
                    Value::String(input.text.trim().to_owned()),
                )
                .await?;
            let mut spec = draft.apply(baseline);
            spec.prompt = Some(input.text.trim().to_owned());
            spec.validate()
                .map_err(|e| self.invalid(format!("the parameters are out of range: {e}")))?;
            Ok(spec)
        })
    }
}

/// `image/png` or `image/jpeg` from magic bytes.
fn mime(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        "image/jpeg"
    } else {
        "image/png"
    }
}

impl SketchBackend for OpenAi {
    fn layout<'a>(
        &'a self,
        input: &'a SketchInput,
        baseline: &'a SketchLayout,
    ) -> BoxFuture<'a, Result<SketchLayout, BackendError>> {
        Box::pin(async move {
            if !self.cfg.vision() {
                return Err(BackendError::Unsupported {
                    backend: self.name.clone(),
                    task: "sketch",
                });
            }
            let url = format!(
                "data:{};base64,{}",
                mime(&input.image),
                base64_encode(&input.image)
            );
            let r = baseline.region();
            let user = json!([
                {"type": "text", "text": format!(
                    "This map covers {:.0} m west to east and {:.0} m north to south. Use a grid \
                     of at most 64 cells across.", r.width(), r.depth())},
                {"type": "image_url", "image_url": {"url": url}},
            ]);
            let draft: SketchDraft = self.ask("sketch_grid", SKETCH_SYSTEM.into(), user).await?;
            draft.to_layout(baseline).map_err(|e| self.invalid(e))
        })
    }
}

impl RegionBackend for OpenAi {
    fn region<'a>(
        &'a self,
        input: &'a RegionInput,
        baseline: &'a Chunk,
    ) -> BoxFuture<'a, Result<Chunk, BackendError>> {
        Box::pin(async move {
            let s = &input.spec;
            let user = format!(
                "Region: chunk ({}, {}) of {} m. The city: density {:.2}, {} to {} floors, era \
                 {:?}, vegetation {:.2}.{}",
                input.coord.x,
                input.coord.z,
                s.chunk_size,
                s.density,
                s.heights.min_floors,
                s.heights.max_floors,
                s.era,
                s.vegetation,
                input
                    .brief
                    .as_deref()
                    .map(|b| format!(" What this region should be like: {b}"))
                    .unwrap_or_default()
            );
            let draft: RegionDraft = self
                .ask("region_detail", REGION_SYSTEM.into(), Value::String(user))
                .await?;
            let spec = draft.apply(s);
            spec.validate()
                .map_err(|e| self.invalid(format!("the parameters are out of range: {e}")))?;
            let chunk = sprawl_gen::generate_chunk(&spec, input.coord);
            // The detail may change what stands on the lots, never the roads
            // or the ground, so that seams with neighbours stay exact.
            if chunk.roads != baseline.roads || chunk.terrain != baseline.terrain {
                return Err(self.invalid(
                    "the detailed region changes roads or terrain, which would break its seams"
                        .into(),
                ));
            }
            Ok(chunk)
        })
    }
}

impl Backend for OpenAi {
    fn name(&self) -> &str {
        &self.name
    }
    fn kind(&self) -> &'static str {
        "openai"
    }
    fn model(&self) -> Option<&str> {
        Some(&self.model)
    }
    fn as_prompt(&self) -> Option<&dyn PromptBackend> {
        Some(self)
    }
    fn as_sketch(&self) -> Option<&dyn SketchBackend> {
        self.cfg.vision().then_some(self as &dyn SketchBackend)
    }
    fn as_region(&self) -> Option<&dyn RegionBackend> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_found_in_chatty_answers() {
        assert_eq!(extract_json("```json\n{\"a\": 1}\n```"), Some("{\"a\": 1}"));
        assert_eq!(
            extract_json("Sure! {\"a\": {\"b\": 2}} Hope it helps"),
            Some("{\"a\": {\"b\": 2}}")
        );
        assert_eq!(extract_json("no json"), None);
        assert_eq!(extract_json("} {"), None);
    }
}

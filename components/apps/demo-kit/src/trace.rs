//! A small tracer: W3C Trace Context propagation and spans exported as OTLP/HTTP with the JSON encoding.
//!
//! It implements the subset the lab needs, faithfully to the specs: `traceparent` version 00
//! (<https://www.w3.org/TR/trace-context/>) and `POST {endpoint}/v1/traces` with an
//! `ExportTraceServiceRequest` in OTLP's JSON mapping (hex trace/span ids, lowerCamelCase fields, 64-bit
//! integers as strings), which the OpenTelemetry Collector, Tempo and Jaeger accept on port 4318.
//! Spans are sampled always, buffered, and sent in batches every `OTEL_BSP_SCHEDULE_DELAY` ms and at shutdown.

use crate::client::HttpClient;
use crate::config::{ConfigError, Env};
use crate::log;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Name of the propagation header.
pub const TRACEPARENT: &str = "traceparent";
/// Spans kept while the collector is unreachable; older ones are dropped.
const MAX_QUEUE: usize = 4096;

/// The part of a span that crosses process boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpanContext {
    pub trace_id: u128,
    pub span_id: u64,
    pub sampled: bool,
}

impl SpanContext {
    /// Parses a version-00 `traceparent` value; `None` for anything malformed or all-zero ids.
    pub fn from_traceparent(value: &str) -> Option<Self> {
        let parts: Vec<&str> = value.trim().split('-').collect();
        let [version, trace, span, flags] = parts.as_slice() else {
            return None;
        };
        hex(version, 2).filter(|v| *v != "ff")?;
        let trace_id = u128::from_str_radix(hex(trace, 32)?, 16)
            .ok()
            .filter(|t| *t != 0)?;
        let span_id = u64::from_str_radix(hex(span, 16)?, 16)
            .ok()
            .filter(|s| *s != 0)?;
        let flags = u8::from_str_radix(hex(flags, 2)?, 16).ok()?;
        Some(Self {
            trace_id,
            span_id,
            sampled: flags & 1 == 1,
        })
    }

    /// Formats as a version-00 `traceparent` value.
    pub fn traceparent(&self) -> String {
        format!(
            "00-{:032x}-{:016x}-{:02x}",
            self.trace_id,
            self.span_id,
            u8::from(self.sampled)
        )
    }

    /// The trace id as 32 lower-case hex characters (log field, exemplar label).
    pub fn trace_id_hex(&self) -> String {
        format!("{:032x}", self.trace_id)
    }

    /// A fresh, sampled root context (random trace and span ids).
    pub fn new_root() -> Self {
        Self {
            trace_id: new_trace_id(),
            span_id: new_span_id(),
            sampled: true,
        }
    }

    /// Reads `traceparent` from request headers.
    pub fn extract(headers: &HeaderMap) -> Option<Self> {
        headers
            .get(TRACEPARENT)?
            .to_str()
            .ok()
            .and_then(Self::from_traceparent)
    }

    /// Writes `traceparent` into outgoing request headers.
    pub fn inject(&self, headers: &mut HeaderMap) {
        if let Ok(v) = HeaderValue::from_str(&self.traceparent()) {
            headers.insert(TRACEPARENT, v);
        }
    }
}

/// `s` if it is exactly `len` lower-case hex digits.
fn hex(s: &str, len: usize) -> Option<&str> {
    (s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then_some(s)
}

fn new_trace_id() -> u128 {
    fastrand::u128(1..)
}

fn new_span_id() -> u64 {
    fastrand::u64(1..)
}

/// OTLP span kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Internal = 1,
    Server = 2,
    Client = 3,
}

/// Attribute value (OTLP `AnyValue` subset).
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl From<&str> for AttrValue {
    fn from(v: &str) -> Self {
        AttrValue::Str(v.to_owned())
    }
}
impl From<String> for AttrValue {
    fn from(v: String) -> Self {
        AttrValue::Str(v)
    }
}
impl From<i64> for AttrValue {
    fn from(v: i64) -> Self {
        AttrValue::Int(v)
    }
}
impl From<f64> for AttrValue {
    fn from(v: f64) -> Self {
        AttrValue::Float(v)
    }
}
impl From<bool> for AttrValue {
    fn from(v: bool) -> Self {
        AttrValue::Bool(v)
    }
}

fn any_value(v: &AttrValue) -> Value {
    match v {
        AttrValue::Str(s) => json!({ "stringValue": s }),
        AttrValue::Int(i) => json!({ "intValue": i.to_string() }),
        AttrValue::Float(f) => json!({ "doubleValue": f }),
        AttrValue::Bool(b) => json!({ "boolValue": b }),
    }
}

fn key_values(attrs: &[(String, AttrValue)]) -> Value {
    attrs
        .iter()
        .map(|(k, v)| json!({ "key": k, "value": any_value(v) }))
        .collect()
}

fn unix_nanos(t: SystemTime) -> String {
    t.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos()
        .to_string()
}

struct Exporter {
    endpoint: String,
    resource: Vec<(String, AttrValue)>,
    queue: Mutex<Vec<Value>>,
    client: HttpClient,
}

impl Exporter {
    fn push(&self, span: Value) {
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        if q.len() >= MAX_QUEUE {
            q.remove(0);
        }
        q.push(span);
    }

    async fn flush(&self) {
        let spans = std::mem::take(&mut *self.queue.lock().unwrap_or_else(|p| p.into_inner()));
        if spans.is_empty() {
            return;
        }
        let count = spans.len();
        let body = json!({ "resourceSpans": [{
            "resource": { "attributes": key_values(&self.resource) },
            "scopeSpans": [{ "scope": { "name": "demo-kit", "version": env!("CARGO_PKG_VERSION") }, "spans": spans }]
        }]});
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let url = format!("{}/v1/traces", self.endpoint);
        let result = self
            .client
            .send(Method::POST, &url, headers, body.to_string().into_bytes())
            .await;
        let problem = match result {
            Ok(r) if r.status.is_success() => None,
            Ok(r) => Some(format!("status {}", r.status)),
            Err(e) => Some(e),
        };
        if let Some(problem) = problem {
            log::error(
                "span export failed",
                vec![("spans", count.into()), ("error", problem.into())],
            );
        }
    }
}

/// Creates spans for one service. Cheap to clone.
#[derive(Clone)]
pub struct Tracer {
    exporter: Option<Arc<Exporter>>,
}

/// Tracer settings from the standard OpenTelemetry variables.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceConfig {
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`: base URL of an OTLP/HTTP receiver; unset disables export.
    pub endpoint: Option<String>,
    /// `OTEL_SERVICE_NAME`.
    pub service_name: String,
    /// `OTEL_BSP_SCHEDULE_DELAY`: milliseconds between batch exports.
    pub schedule_delay: Duration,
}

impl TraceConfig {
    /// Reads the variables; `default_service` is used when `OTEL_SERVICE_NAME` is unset.
    pub fn from_env<S: crate::config::Source>(
        env: &Env<S>,
        default_service: &str,
    ) -> Result<Self, ConfigError> {
        let endpoint = match env.string("OTEL_EXPORTER_OTLP_ENDPOINT", "").as_str() {
            "" => None,
            _ => Some(env.http_url("OTEL_EXPORTER_OTLP_ENDPOINT", "")?),
        };
        Ok(Self {
            endpoint,
            service_name: env.string("OTEL_SERVICE_NAME", default_service),
            schedule_delay: Duration::from_millis(env.int_in(
                "OTEL_BSP_SCHEDULE_DELAY",
                5000u64,
                10,
                600_000,
            )?),
        })
    }
}

impl Tracer {
    /// A tracer that records nothing (export disabled).
    pub fn disabled() -> Self {
        Self { exporter: None }
    }

    /// Starts the batch exporter task (call inside the runtime). Use [`Tracer::shutdown`] to flush at exit.
    pub fn start(config: &TraceConfig, resource: Vec<(&str, AttrValue)>) -> Self {
        let Some(endpoint) = config.endpoint.clone() else {
            return Self::disabled();
        };
        let mut attrs = vec![(
            "service.name".to_owned(),
            AttrValue::from(config.service_name.as_str()),
        )];
        attrs.extend(resource.into_iter().map(|(k, v)| (k.to_owned(), v)));
        let exporter = Arc::new(Exporter {
            endpoint,
            resource: attrs,
            queue: Mutex::new(Vec::new()),
            client: HttpClient::new(Duration::from_secs(5)),
        });
        let weak = Arc::downgrade(&exporter);
        let delay = config.schedule_delay;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(delay).await;
                let Some(exporter) = weak.upgrade() else {
                    break;
                };
                exporter.flush().await;
            }
        });
        Self {
            exporter: Some(exporter),
        }
    }

    /// Sends every finished span now.
    pub async fn shutdown(&self) {
        if let Some(exporter) = &self.exporter {
            exporter.flush().await;
        }
    }

    /// A span continuing the caller's trace (from `traceparent`) or starting a new one.
    pub fn start_span(&self, name: &str, kind: Kind, parent: Option<SpanContext>) -> Span {
        let trace_id = parent.map_or_else(new_trace_id, |p| p.trace_id);
        Span {
            tracer: self.clone(),
            context: SpanContext {
                trace_id,
                span_id: new_span_id(),
                sampled: true,
            },
            parent: parent.map(|p| p.span_id),
            name: name.to_owned(),
            kind,
            start: SystemTime::now(),
            attributes: Vec::new(),
            error: None,
            ended: false,
        }
    }

    /// A server span for an incoming request, continuing the trace in its headers.
    pub fn server_span(&self, name: &str, headers: &HeaderMap) -> Span {
        self.start_span(name, Kind::Server, SpanContext::extract(headers))
    }
}

/// An operation in a trace; ended explicitly or when dropped.
pub struct Span {
    tracer: Tracer,
    context: SpanContext,
    parent: Option<u64>,
    name: String,
    kind: Kind,
    start: SystemTime,
    attributes: Vec<(String, AttrValue)>,
    error: Option<String>,
    ended: bool,
}

impl Span {
    /// Ids to propagate or to use as a parent.
    pub fn context(&self) -> SpanContext {
        self.context
    }

    /// A child span in the same trace.
    pub fn child(&self, name: &str, kind: Kind) -> Span {
        self.tracer.start_span(name, kind, Some(self.context))
    }

    /// Sets an attribute (later values for the same key replace earlier ones).
    pub fn set(&mut self, key: &str, value: impl Into<AttrValue>) {
        let value = value.into();
        match self.attributes.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.attributes.push((key.to_owned(), value)),
        }
    }

    /// Marks the span as failed.
    pub fn fail(&mut self, message: impl Into<String>) {
        self.error = Some(message.into());
    }

    /// Ends the span and queues it for export.
    pub fn end(mut self) {
        self.finish();
    }

    fn finish(&mut self) {
        if std::mem::replace(&mut self.ended, true) {
            return;
        }
        let Some(exporter) = &self.tracer.exporter else {
            return;
        };
        let status = match &self.error {
            Some(message) => json!({ "code": 2, "message": message }),
            None => json!({ "code": 0 }),
        };
        let mut span = json!({
            "traceId": format!("{:032x}", self.context.trace_id),
            "spanId": format!("{:016x}", self.context.span_id),
            "name": self.name,
            "kind": self.kind as i32,
            "startTimeUnixNano": unix_nanos(self.start),
            "endTimeUnixNano": unix_nanos(SystemTime::now()),
            "attributes": key_values(&self.attributes),
            "status": status,
        });
        if let Some(parent) = self.parent {
            span["parentSpanId"] = Value::String(format!("{parent:016x}"));
        }
        exporter.push(span);
    }
}

impl Drop for Span {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparent_round_trip_and_rejections() {
        let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let ctx = SpanContext::from_traceparent(tp).expect("valid");
        assert_eq!(ctx.trace_id, 0x4bf92f3577b34da6a3ce929d0e0e4736);
        assert_eq!(ctx.span_id, 0x00f067aa0ba902b7);
        assert!(ctx.sampled);
        assert_eq!(ctx.traceparent(), tp);
        for bad in [
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        ] {
            assert_eq!(SpanContext::from_traceparent(bad), None, "{bad}");
        }
    }

    #[test]
    fn child_continues_trace() {
        let tracer = Tracer::disabled();
        let root = tracer.start_span("root", Kind::Server, None);
        let child = root.child("db", Kind::Internal);
        assert_eq!(child.context().trace_id, root.context().trace_id);
        assert_ne!(child.context().span_id, root.context().span_id);
        assert_eq!(child.parent, Some(root.context().span_id));
    }
}

//! Names the signal pipeline agrees on: the datasource uids dashboards and links point at, the
//! trace-id field of the lab's JSON logs, and the RED metric names of the demo apps. Every
//! module of this crate may read them; they read nothing back.

/// Datasource uids, stable so that dashboards and links can name them.
pub const MIMIR_UID: &str = "mimir";
pub const LOKI_UID: &str = "loki";
pub const TEMPO_UID: &str = "tempo";

/// Name of the trace-id field in the lab's JSON logs (and in the demo apps' log lines).
pub const TRACE_ID_FIELD: &str = "trace_id";

/// Names of an app's RED metrics (assumed shared by every Rust demo app serving HTTP).
#[derive(Clone, Debug)]
pub struct RedMetrics {
    /// Counter of requests, labelled by route and status code.
    pub requests: &'static str,
    /// Histogram of request durations in seconds, with trace-id exemplars.
    pub duration: &'static str,
    pub route_label: &'static str,
    pub code_label: &'static str,
}

pub const HTTP_RED: RedMetrics = RedMetrics {
    requests: "http_requests_total",
    duration: "http_request_duration_seconds",
    route_label: "route",
    code_label: "code",
};

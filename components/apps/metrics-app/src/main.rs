//! `metrics-app`: a RED-instrumented HTTP service for the Prometheus, exemplar and SLO tutorials.
//!
//! # Endpoints
//! - `GET /` sleeps 10–100 ms; `GET /slow` sleeps 500–2000 ms; `GET /error` fails with 500 at `ERROR_RATE`;
//!   `GET /process` adds 1–10 to `items_processed_total`.
//! - `/healthz`, `/readyz` (not instrumented), `/metrics` (OpenMetrics text).
//!
//! # Metrics (exact names and labels)
//! - `http_requests_total{method, route, code}` counter; `route` is the route template (`/`, `/slow`,
//!   `/error`, `/process`), `code` the numeric HTTP status (`200`, `500`).
//! - `http_request_duration_seconds{method, route}` histogram, buckets (s)
//!   `0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, +Inf`; each bucket carries an exemplar
//!   `{trace_id="<32 hex>"}`: the caller's W3C `traceparent` trace id, or a fresh one when absent.
//! - `http_requests_in_flight` gauge; `items_processed_total` counter;
//!   `metrics_app_build_info{version}` info.
//!
//! # ServiceMonitor facts
//! Container port name `http` (port from `PORT`, default `8080`), path `/metrics`, scheme `http`. Exemplars
//! are exposed only in OpenMetrics, which this endpoint always serves; Prometheus needs
//! `--enable-feature=exemplar-storage` to keep them.
//!
//! # Environment
//! `PORT` (default 8080), `BIND_ADDRESS` (default 0.0.0.0), `VERSION` (default `dev`),
//! `ERROR_RATE` (0–1, default 0.3), `POD_NAME` (shown by `/`).

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::Response;
use axum::routing::get;
use demo_kit::metrics::DEFAULT_BUCKETS;
use demo_kit::trace::SpanContext;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::exemplar::HistogramWithExemplars;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TraceLabel {
    trace_id: String,
}

type Latency = HistogramWithExemplars<TraceLabel>;

fn new_latency() -> Latency {
    HistogramWithExemplars::new(DEFAULT_BUCKETS.into_iter())
}

/// Rate, errors, duration.
struct Red {
    requests: Family<RequestLabels, Counter>,
    duration: Family<RouteLabels, Latency, fn() -> Latency>,
    in_flight: Gauge,
}

struct AppState {
    red: Red,
    items: Counter,
    error_rate: f64,
    pod: String,
}

async fn track(
    State(state): State<Arc<AppState>>,
    route: MatchedPath,
    req: Request,
    next: Next,
) -> Response {
    let method = req.method().as_str().to_owned();
    let route = route.as_str().to_owned();
    let trace = SpanContext::extract(req.headers()).unwrap_or_else(SpanContext::new_root);
    let red = &state.red;
    red.in_flight.inc();
    let started = Instant::now();
    let response = next.run(req).await;
    let seconds = started.elapsed().as_secs_f64();
    red.in_flight.dec();
    let exemplar = TraceLabel {
        trace_id: trace.trace_id_hex(),
    };
    red.duration
        .get_or_create(&RouteLabels {
            method: method.clone(),
            route: route.clone(),
        })
        .observe(seconds, Some(exemplar), None);
    let code = response.status().as_u16().to_string();
    red.requests
        .get_or_create(&RequestLabels {
            method,
            route,
            code,
        })
        .inc();
    response
}

async fn root(State(state): State<Arc<AppState>>) -> String {
    demo_kit::sleep_ms(10, 100).await;
    format!("Hello from metrics-app! Pod: {}\n", state.pod)
}

async fn slow() -> &'static str {
    demo_kit::sleep_ms(500, 2000).await;
    "Slow response complete\n"
}

async fn error(State(state): State<Arc<AppState>>) -> (StatusCode, &'static str) {
    if demo_kit::chance(state.error_rate) {
        (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error\n")
    } else {
        (StatusCode::OK, "Success\n")
    }
}

async fn process(State(state): State<Arc<AppState>>) -> String {
    let n = demo_kit::random_between(1, 10);
    state.items.inc_by(n);
    format!("Processed {n} items\n")
}

fn main() -> ExitCode {
    demo_kit::run("metrics-app", |env, _| {
        let error_rate = env.f64_in("ERROR_RATE", 0.3, 0.0, 1.0)?;
        let version = env.string("VERSION", "dev");
        let state = Arc::new(AppState {
            red: Red {
                requests: Family::default(),
                duration: Family::new_with_constructor(new_latency as fn() -> Latency),
                in_flight: Gauge::default(),
            },
            items: Counter::default(),
            error_rate,
            pod: env.string("POD_NAME", "unknown"),
        });
        let mut registry = Registry::default();
        registry.register(
            "http_requests",
            "HTTP requests by method, route and status code",
            state.red.requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by method and route, exemplars carry trace ids",
            state.red.duration.clone(),
        );
        registry.register(
            "http_requests_in_flight",
            "HTTP requests being served",
            state.red.in_flight.clone(),
        );
        registry.register(
            "items_processed",
            "Items processed by /process",
            state.items.clone(),
        );
        registry.register(
            "metrics_app_build",
            "Build information",
            Info::new(vec![("version".to_owned(), version)]),
        );

        let router = Router::new()
            .route("/", get(root))
            .route("/slow", get(slow))
            .route("/error", get(error))
            .route("/process", get(process))
            .route_layer(from_fn_with_state(Arc::clone(&state), track))
            .with_state(state)
            .merge(demo_kit::metrics::routes(registry));
        Ok(demo_kit::Service::new(router))
    })
}

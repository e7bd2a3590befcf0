//! `cardinality-generator`: exposes `sensor_reading{deck, section, sensor_type}` with a chosen number of
//! series, so the cost of label cardinality can be watched in Prometheus/Mimir.
//!
//! Environment: `PORT`, `BIND_ADDRESS`, `CARDINALITY_LEVEL`: `low` (1000 series, default), `medium` (10000),
//! `high` (50000) or an integer 1–200000.
//!
//! Endpoints: `/metrics`; `GET /cardinality` shows the series count; `POST /cardinality?series=<level|n>`
//! changes it at run time (400 on a bad value).
//!
//! Metrics: `sensor_reading{deck, section, sensor_type}` gauge (one series per label set; `sensor_type`
//! `type_1..10`, `section` `a..z`, `deck` `1..`), `cardinality_generator_series` gauge.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

const MAX_SERIES: u32 = 200_000;
const EXPECTED: &str = "low, medium, high or an integer between 1 and 200000 (series)";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SensorLabels {
    deck: String,
    section: String,
    sensor_type: String,
}

type Readings = Family<SensorLabels, Gauge<f64, AtomicU64>>;

struct Sensors {
    readings: Readings,
    series: Gauge,
}

fn parse_series(raw: &str) -> Option<u32> {
    match raw {
        "low" => Some(1000),
        "medium" => Some(10_000),
        "high" => Some(50_000),
        n => n.parse().ok().filter(|n| (1..=MAX_SERIES).contains(n)),
    }
}

/// The labels of series `i`: distinct for every `i`.
fn labels(i: u32) -> SensorLabels {
    let section = char::from(b'a' + (i / 10 % 26) as u8);
    SensorLabels {
        deck: (i / 260 + 1).to_string(),
        section: section.to_string(),
        sensor_type: format!("type_{}", i % 10 + 1),
    }
}

impl Sensors {
    fn resize(&self, n: u32) {
        self.readings.clear();
        for i in 0..n {
            self.readings
                .get_or_create(&labels(i))
                .set(demo_kit::random_between(0, 10_000) as f64 / 100.0);
        }
        self.series.set(i64::from(n));
    }
}

async fn show(State(s): State<Arc<Sensors>>) -> Json<Value> {
    Json(json!({ "series": s.series.get() }))
}

async fn change(
    State(s): State<Arc<Sensors>>,
    Query(q): Query<BTreeMap<String, String>>,
) -> (StatusCode, Json<Value>) {
    match q.get("series").and_then(|raw| parse_series(raw)) {
        Some(n) => {
            s.resize(n);
            (
                StatusCode::OK,
                Json(json!({ "status": "updated", "series": n })),
            )
        }
        None => (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": format!("series must be {EXPECTED}") })),
        ),
    }
}

fn main() -> ExitCode {
    demo_kit::run("cardinality-generator", |env, _| {
        let n = env.parse_with("CARDINALITY_LEVEL", 1000, EXPECTED, parse_series)?;
        let sensors = Arc::new(Sensors {
            readings: Readings::default(),
            series: Gauge::default(),
        });
        sensors.resize(n);
        let mut registry = Registry::default();
        registry.register(
            "sensor_reading",
            "Simulated sensor reading, one series per sensor",
            sensors.readings.clone(),
        );
        registry.register(
            "cardinality_generator_series",
            "Series currently exposed by sensor_reading",
            sensors.series.clone(),
        );
        let router = Router::new()
            .route("/cardinality", get(show).post(change))
            .with_state(sensors)
            .merge(demo_kit::metrics::routes(registry));
        Ok(demo_kit::Service::new(router))
    })
}

//! `log-generator`: writes structured JSON access-style logs to stdout for the Loki tutorials.
//!
//! Each line: `timestamp` (RFC 3339 UTC), `level`, `msg`, `service` (`service-1..N`), `endpoint`, `method`,
//! `status`, `duration_ms`, `trace_id` (32 hex). Errors get 4xx/5xx and long durations, warnings 429 or 200.
//!
//! Environment: `PORT`, `BIND_ADDRESS`; `LOG_RATE` lines per second (`low`=10, `medium`=100, `high`=1000, or
//! an integer 1–10000; default `low`); `LOG_LEVELS` weighted level mix (default
//! `debug=40,info=40,warn=15,error=5`); `LOG_SERVICES` number of services (1–1000, default 5).
//!
//! Metrics: `log_generator_logs_total{level, service}`, `log_generator_rate` (configured lines/s),
//! `log_generator_active_services`. `GET /config` returns the configuration as JSON.

use axum::routing::get;
use axum::{Json, Router};
use demo_kit::log::{Level, emit, record};
use demo_kit::{ConfigError, Env, Shutdown};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use serde_json::json;
use std::process::ExitCode;
use std::time::Duration;

const ENDPOINTS: [&str; 8] = [
    "/api/v1/users",
    "/api/v1/orders",
    "/api/v1/products",
    "/api/v1/payments",
    "/api/v1/inventory",
    "/api/v1/notifications",
    "/api/v1/auth",
    "/api/v1/search",
];
const METHODS: [(&str, u32); 4] = [("GET", 60), ("POST", 25), ("PUT", 10), ("DELETE", 5)];
const ERROR_STATUSES: [i64; 7] = [400, 401, 403, 404, 500, 502, 503];
/// Lines are written in batches this often.
const TICK: Duration = Duration::from_millis(100);

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LineLabels {
    level: String,
    service: String,
}

#[derive(Debug, Clone, PartialEq)]
struct Config {
    rate: u32,
    levels: Vec<(Level, u32)>,
    services: u32,
}

/// Picks an item by weight.
fn weighted<T: Copy>(items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut roll = fastrand_below(total);
    for (item, weight) in items {
        if roll < *weight {
            return *item;
        }
        roll -= weight;
    }
    items[items.len() - 1].0
}

fn fastrand_below(n: u32) -> u32 {
    demo_kit::random_between(0, u64::from(n.max(1)) - 1) as u32
}

/// `debug=40,info=40,...`: known level names, integer weights, at least one positive.
fn parse_levels(raw: &str) -> Option<Vec<(Level, u32)>> {
    let mut mix = Vec::new();
    for part in raw.split(',') {
        let (name, weight) = part.trim().split_once('=')?;
        let level = *Level::ALL.iter().find(|l| l.as_str() == name.trim())?;
        mix.push((level, weight.trim().parse::<u32>().ok()?));
    }
    (mix.iter().map(|(_, w)| u64::from(*w)).sum::<u64>() > 0).then_some(mix)
}

fn config(env: &Env) -> Result<Config, ConfigError> {
    let rate = env.parse_with(
        "LOG_RATE",
        10,
        "low, medium, high or an integer between 1 and 10000 (lines per second)",
        |raw| match raw {
            "low" => Some(10),
            "medium" => Some(100),
            "high" => Some(1000),
            n => n.parse().ok().filter(|n| (1..=10_000).contains(n)),
        },
    )?;
    let levels = env.parse_with(
        "LOG_LEVELS",
        vec![(Level::Debug, 40), (Level::Info, 40), (Level::Warn, 15), (Level::Error, 5)],
        "comma-separated level=weight pairs with levels debug, info, warn, error, e.g. info=90,error=10",
        parse_levels,
    )?;
    let services = env.int_in("LOG_SERVICES", 5u32, 1, 1000)?;
    Ok(Config {
        rate,
        levels,
        services,
    })
}

fn line(cfg: &Config, lines: &Family<LineLabels, Counter>) {
    let level = weighted(&cfg.levels);
    let service = format!("service-{}", 1 + fastrand_below(cfg.services));
    let (status, duration_ms, msg) = match level {
        Level::Error => (
            ERROR_STATUSES[fastrand_below(7) as usize],
            1000 + fastrand_below(5000),
            "request failed",
        ),
        Level::Warn if demo_kit::chance(0.3) => {
            (429, 500 + fastrand_below(2000), "rate limit approaching")
        }
        Level::Warn => (200, 500 + fastrand_below(2000), "slow response"),
        Level::Info => (200, 10 + fastrand_below(200), "request completed"),
        Level::Debug => (200, 10 + fastrand_below(200), "cache lookup"),
    };
    lines
        .get_or_create(&LineLabels {
            level: level.as_str().into(),
            service: service.clone(),
        })
        .inc();
    emit(&record(
        level,
        msg,
        vec![
            ("service", service.into()),
            (
                "endpoint",
                ENDPOINTS[fastrand_below(ENDPOINTS.len() as u32) as usize].into(),
            ),
            ("method", weighted(&METHODS).into()),
            ("status", status.into()),
            ("duration_ms", duration_ms.into()),
            (
                "trace_id",
                demo_kit::trace::SpanContext::new_root()
                    .trace_id_hex()
                    .into(),
            ),
        ],
    ));
}

async fn generate(cfg: Config, lines: Family<LineLabels, Counter>, mut shutdown: Shutdown) {
    let mut ticker = tokio::time::interval(TICK);
    let per_tick = f64::from(cfg.rate) * TICK.as_secs_f64();
    let mut owed = 0.0;
    loop {
        tokio::select! {
            _ = shutdown.wait() => break,
            _ = ticker.tick() => {
                owed += per_tick;
                while owed >= 1.0 {
                    line(&cfg, &lines);
                    owed -= 1.0;
                }
            }
        }
    }
}

fn main() -> ExitCode {
    demo_kit::run("log-generator", |env, shutdown| {
        let cfg = config(env)?;
        let lines = Family::<LineLabels, Counter>::default();
        let mut registry = Registry::default();
        registry.register(
            "log_generator_logs",
            "Log lines written by level and service",
            lines.clone(),
        );
        let mut gauge = |name: &str, help: &str, value: u32| {
            let g = Gauge::<i64>::default();
            g.set(i64::from(value));
            registry.register(name, help, g);
        };
        gauge(
            "log_generator_rate",
            "Configured log lines per second",
            cfg.rate,
        );
        gauge(
            "log_generator_active_services",
            "Services that log lines are spread over",
            cfg.services,
        );
        let levels: serde_json::Map<String, serde_json::Value> = cfg
            .levels
            .iter()
            .map(|(l, w)| (l.as_str().to_owned(), (*w).into()))
            .collect();
        let view = json!({"logs_per_sec": cfg.rate, "services": cfg.services, "levels": levels});
        tokio::spawn(generate(cfg, lines, shutdown));
        let router = Router::new()
            .route("/config", get(move || async move { Json(view) }))
            .merge(demo_kit::metrics::routes(registry));
        Ok(demo_kit::Service::new(router))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_mix_parsing() {
        assert_eq!(
            parse_levels("info=3, error=1"),
            Some(vec![(Level::Info, 3), (Level::Error, 1)])
        );
        assert_eq!(parse_levels("info=0"), None);
        assert_eq!(parse_levels("fatal=1"), None);
        assert_eq!(parse_levels("info"), None);
    }

    #[test]
    fn weights_are_respected() {
        let picks: Vec<Level> = (0..200)
            .map(|_| weighted(&[(Level::Warn, 1), (Level::Debug, 0)]))
            .collect();
        assert!(picks.iter().all(|l| *l == Level::Warn));
    }
}

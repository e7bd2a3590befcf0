//! Shared runtime for the lab's demo apps (`components/apps/*`).
//!
//! Every app is a binary whose `main` is `demo_kit::run(name, setup)`: it reads its configuration from
//! environment variables ([`config::Env`], errors name the variable and the expected form), serves its routes
//! plus `/healthz` and `/readyz` ([`server`]), exposes `/metrics` in OpenMetrics ([`metrics`]), logs JSON lines
//! ([`log`]), and stops gracefully on SIGTERM. [`trace`] is a small OTLP/HTTP (JSON) span exporter with W3C
//! `traceparent` propagation; [`client`] an HTTP/1 client for service-to-service calls.

pub mod client;
pub mod config;
pub mod log;
pub mod metrics;
pub mod server;
pub mod trace;

#[cfg(feature = "testing")]
pub mod testing;

pub use config::{ConfigError, Env};
pub use server::{Service, Shutdown, run};

/// Random integer in `lo..=hi` (simulated latencies, counts).
pub fn random_between(lo: u64, hi: u64) -> u64 {
    fastrand::u64(lo..=hi)
}

/// True with probability `p` (simulated failures).
pub fn chance(p: f64) -> bool {
    fastrand::f64() < p
}

/// Sleeps a random number of milliseconds in `lo..=hi`.
pub async fn sleep_ms(lo: u64, hi: u64) {
    tokio::time::sleep(std::time::Duration::from_millis(random_between(lo, hi))).await;
}

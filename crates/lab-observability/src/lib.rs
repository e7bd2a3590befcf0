//! Observability for the lab: the hub's storage and telemetry backends (SeaweedFS, Loki, Tempo,
//! Mimir), the collectors that feed them (Alloy, OpenTelemetry Collector), Grafana with
//! correlated datasources, the demo apps' workloads, RED and cost dashboards, and SLOs both as
//! Pyrra objects and as our own multi-window multi-burn-rate PrometheusRules.
//!
//! Every address one component uses to reach another is derived from that other component
//! (its name, namespace and port), so moving a backend is a one-line change.

pub mod backends;
pub mod collectors;
pub mod dashboard;
pub mod grafana;
pub mod promtool;
pub mod signals;
pub mod slo;
pub mod storage;
pub mod targets;
pub mod workload;

use lab_model::Registry;
use lab_model::component::PlanError;

/// Namespace of the hub's observability stack (SeaweedFS has its own).
pub const OBSERVABILITY_NAMESPACE: &str = "observability";

/// Adds every hub component of this crate to `reg`, with the lab's default placement.
pub fn register(reg: &mut Registry) -> Result<(), PlanError> {
    reg.add(storage::SeaweedFs::default())?;
    reg.add(backends::Loki::default())?;
    reg.add(backends::Tempo::default())?;
    reg.add(backends::Mimir::default())?;
    reg.add(grafana::Grafana::default())?;
    reg.add(collectors::Alloy::default())?;
    reg.add(collectors::OtelCollector::default())?;
    Ok(())
}

//! What the component families share, so no family imports another: the one way a chart
//! becomes an App, typed value fragments most charts take, in-cluster service URLs, pod
//! hardening, and secrets — OpenBao, the External Secrets Operator and the one
//! ClusterSecretStore every ExternalSecret reads through.
//!
//! Architecture invariant: this crate knows no family crate and no layout; it depends only on
//! `lab-core`, `lab-model` and the CRD bindings it needs.

pub mod namespaces;
pub mod pod;
pub mod secrets;
pub mod storage;
pub mod values;

pub use values::{Apply, Resources, ServiceValues, Toggle, chart_app, meta, quantities, resources};

/// API group of the Prometheus operator's CRDs (ServiceMonitor, PodMonitor, PrometheusRule):
/// installed by one component per cluster, used by many charts and builders.
pub const MONITORING_GROUP: &str = "monitoring.coreos.com";

/// `<service>.<namespace>.svc.cluster.local[:port]`, for clients that take a host without
/// scheme.
pub fn service_host(service: &str, namespace: &str, port: Option<u16>) -> String {
    match port {
        Some(p) => format!("{service}.{namespace}.svc.cluster.local:{p}"),
        None => format!("{service}.{namespace}.svc.cluster.local"),
    }
}

/// `http://<service>.<namespace>.svc.cluster.local[:port]`: the in-cluster address of a
/// Service.
pub fn service_url(service: &str, namespace: &str, port: Option<u16>) -> String {
    format!("http://{}", service_host(service, namespace, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_urls_are_fully_qualified() {
        assert_eq!(
            service_url("openbao", "vault", Some(8200)),
            "http://openbao.vault.svc.cluster.local:8200"
        );
        assert_eq!(
            service_host("loki", "obs", None),
            "loki.obs.svc.cluster.local"
        );
    }
}

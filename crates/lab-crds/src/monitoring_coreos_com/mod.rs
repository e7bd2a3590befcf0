//! API group `monitoring.coreos.com`.

/// PodMonitor `monitoring.coreos.com/v1`
#[cfg(feature = "monitoring_coreos_com-podmonitors")]
pub mod podmonitors;
/// PrometheusRule `monitoring.coreos.com/v1`
#[cfg(feature = "monitoring_coreos_com-prometheusrules")]
pub mod prometheusrules;
/// ServiceMonitor `monitoring.coreos.com/v1`
#[cfg(feature = "monitoring_coreos_com-servicemonitors")]
pub mod servicemonitors;

//! Service level objectives as our own PrometheusRules (error-ratio recording rules and
//! multi-window multi-burn-rate alerts, after the Google SRE workbook), so the math is
//! readable and nothing but a rule evaluator is needed. `Slo::pyrra` gives the same objective
//! as a Pyrra `ServiceLevelObjective` for a cluster that installs Pyrra; the hub renders none.
//!
//! Every threshold is computed here from the objective and the burn-rate table, with integer
//! arithmetic so that `14.4 × 0.1%` is written as `0.0144`, never `0.014400000000000001`.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use lab_crds::monitoring_coreos_com::prometheusrules::*;
use lab_crds::pyrra_dev::servicelevelobjectives::*;

use crate::signals::RedMetrics;

const PPM: u64 = 1_000_000;

/// An objective in parts per million of good events: 999_000 is 99.9%.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Objective(pub u32);

impl Objective {
    /// The error budget, in parts per million.
    pub fn budget_ppm(self) -> u64 {
        PPM - u64::from(self.0)
    }

    /// `99.9`, as Pyrra's `target` takes it.
    pub fn percent(self) -> String {
        decimal(u64::from(self.0), 4)
    }
}

/// `n / 10^scale` written exactly, without trailing zeros.
pub fn decimal(n: u64, scale: u32) -> String {
    let div = 10u64.pow(scale);
    let (int, frac) = (n / div, n % div);
    if frac == 0 {
        return int.to_string();
    }
    let digits = format!("{frac:0width$}", width = scale as usize);
    format!("{int}.{}", digits.trim_end_matches('0'))
}

/// How "bad" is measured.
#[derive(Clone, Debug)]
pub enum Indicator {
    /// Errors over total of one counter: `errors` is the extra matcher picking bad events.
    Ratio { counter: String, errors: String },
    /// Requests slower than `le` seconds over all requests of one histogram.
    Latency { histogram: String, le: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Page,
    Ticket,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Page => "page",
            Severity::Ticket => "ticket",
        }
    }
}

/// One row of the burn-rate table: alert when the error ratio over both windows exceeds
/// `factor ×` the budget.
#[derive(Clone, Copy, Debug)]
pub struct BurnRate {
    pub severity: Severity,
    /// Burn factor in tenths: 144 is 14.4×.
    pub factor_tenths: u64,
    pub long: Window,
    pub short: Window,
}

/// A rate window, kept as minutes so windows sort by length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Window(pub u32);

impl Window {
    /// `5m`, `1h`, `3d`: the largest whole unit.
    pub fn prom(self) -> String {
        let m = self.0;
        if m.is_multiple_of(24 * 60) {
            format!("{}d", m / (24 * 60))
        } else if m.is_multiple_of(60) {
            format!("{}h", m / 60)
        } else {
            format!("{m}m")
        }
    }
}

const fn minutes(m: u32) -> Window {
    Window(m)
}
const fn hours(h: u32) -> Window {
    Window(h * 60)
}
const fn days(d: u32) -> Window {
    Window(d * 24 * 60)
}

/// The SRE workbook's table for a 30-day window: 2% of the budget in 1h and 5% in 6h page;
/// 10% in 1d and 100% in 3d open a ticket.
pub const BURN_RATES: [BurnRate; 4] = [
    BurnRate {
        severity: Severity::Page,
        factor_tenths: 144,
        long: hours(1),
        short: minutes(5),
    },
    BurnRate {
        severity: Severity::Page,
        factor_tenths: 60,
        long: hours(6),
        short: minutes(30),
    },
    BurnRate {
        severity: Severity::Ticket,
        factor_tenths: 30,
        long: days(1),
        short: hours(2),
    },
    BurnRate {
        severity: Severity::Ticket,
        factor_tenths: 10,
        long: days(3),
        short: hours(6),
    },
];

/// Every window a burn-rate alert reads, shortest first: the recording rules to write.
pub fn windows() -> Vec<Window> {
    let mut w: Vec<Window> = BURN_RATES.iter().flat_map(|b| [b.long, b.short]).collect();
    w.sort();
    w.dedup();
    w
}

/// One objective of one service.
#[derive(Clone, Debug)]
pub struct Slo {
    /// `metrics-app-availability`: the `slo` label of every rule and the Pyrra object's name.
    pub name: String,
    pub namespace: String,
    /// The `job` label of the service's series.
    pub job: String,
    pub objective: Objective,
    pub period: Window,
    pub indicator: Indicator,
    pub description: String,
}

/// Name of the recording rule holding the error ratio over `w`.
pub fn record_name(w: Window) -> String {
    format!("slo:sli_error:ratio_rate{}", w.prom())
}

impl Slo {
    fn selector(&self, extra: &str) -> String {
        if extra.is_empty() {
            format!("{{job=\"{}\"}}", self.job)
        } else {
            format!("{{job=\"{}\",{extra}}}", self.job)
        }
    }

    /// (bad-or-good selector, total selector) as Pyrra and the rules read them.
    fn series(&self) -> (String, String) {
        match &self.indicator {
            Indicator::Ratio { counter, errors } => (
                format!("{counter}{}", self.selector(errors)),
                format!("{counter}{}", self.selector("")),
            ),
            Indicator::Latency { histogram, le } => (
                format!(
                    "{histogram}_bucket{}",
                    self.selector(&format!("le=\"{le}\""))
                ),
                format!("{histogram}_count{}", self.selector("")),
            ),
        }
    }

    /// Share of bad events over `w`.
    pub fn error_ratio_expr(&self, w: Window) -> String {
        let (first, total) = self.series();
        let w = w.prom();
        let ratio = format!("sum(rate({first}[{w}])) / sum(rate({total}[{w}]))");
        match self.indicator {
            Indicator::Ratio { .. } => ratio,
            // The bucket counts the good (fast) requests.
            Indicator::Latency { .. } => format!("1 - ({ratio})"),
        }
    }

    /// Error ratio above which `b` fires: factor × budget, as an exact decimal.
    pub fn threshold(&self, b: &BurnRate) -> String {
        // factor_tenths/10 × budget_ppm/10^6 = factor_tenths × budget_ppm / 10^7
        decimal(b.factor_tenths * self.objective.budget_ppm(), 7)
    }

    /// Hours until the whole budget of the period is spent at `b`'s burn rate.
    pub fn exhaustion_hours(&self, b: &BurnRate) -> u64 {
        u64::from(self.period.0) * 10 / 60 / b.factor_tenths
    }

    fn slo_labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([("slo".to_owned(), self.name.clone())])
    }

    pub fn recording_group(&self) -> PrometheusRuleGroups {
        PrometheusRuleGroups {
            name: format!("{}-sli", self.name),
            interval: Some("30s".into()),
            rules: Some(
                windows()
                    .into_iter()
                    .map(|w| PrometheusRuleGroupsRules {
                        record: Some(record_name(w)),
                        expr: IntOrString::String(self.error_ratio_expr(w)),
                        labels: Some(self.slo_labels()),
                        ..Default::default()
                    })
                    .collect(),
            ),
            ..Default::default()
        }
    }

    /// `MetricsAppAvailabilityBurnRate1h` for the row with a 1h long window.
    pub fn alert_name(&self, b: &BurnRate) -> String {
        let camel: String = self
            .name
            .split('-')
            .map(|p| {
                let mut c = p.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect();
        format!("{camel}BurnRate{}", b.long.prom())
    }

    pub fn alert_group(&self) -> PrometheusRuleGroups {
        let rules = BURN_RATES
            .iter()
            .map(|b| {
                let threshold = self.threshold(b);
                let sel = format!("{{slo=\"{}\"}}", self.name);
                let expr = format!(
                    "{long}{sel} > {threshold}\nand\n{short}{sel} > {threshold}",
                    long = record_name(b.long),
                    short = record_name(b.short),
                );
                let factor = decimal(b.factor_tenths, 1);
                let mut labels = self.slo_labels();
                labels.insert("severity".into(), b.severity.label().into());
                labels.insert("long_window".into(), b.long.prom());
                labels.insert("short_window".into(), b.short.prom());
                PrometheusRuleGroupsRules {
                    alert: Some(self.alert_name(b)),
                    expr: IntOrString::String(expr),
                    labels: Some(labels),
                    annotations: Some(BTreeMap::from([
                        (
                            "summary".to_owned(),
                            format!("{} is burning its error budget {factor}× too fast", self.name),
                        ),
                        (
                            "description".to_owned(),
                            format!(
                                "The error ratio over {} and over {} is above {threshold} ({factor} × the {}% budget of a {}% objective). At this rate the {} budget is gone in about {} hours.",
                                b.long.prom(),
                                b.short.prom(),
                                decimal(self.objective.budget_ppm(), 4),
                                self.objective.percent(),
                                self.period.prom(),
                                self.exhaustion_hours(b),
                            ),
                        ),
                    ])),
                    ..Default::default()
                }
            })
            .collect();
        PrometheusRuleGroups {
            name: format!("{}-burn-rate", self.name),
            rules: Some(rules),
            ..Default::default()
        }
    }

    /// The same objective for Pyrra, which generates its own rules and UI.
    pub fn pyrra(&self) -> ServiceLevelObjective {
        let (first, total) = self.series();
        let indicator = match &self.indicator {
            Indicator::Ratio { .. } => ServiceLevelObjectiveIndicator {
                ratio: Some(ServiceLevelObjectiveIndicatorRatio {
                    errors: ServiceLevelObjectiveIndicatorRatioErrors { metric: first },
                    total: ServiceLevelObjectiveIndicatorRatioTotal { metric: total },
                    grouping: None,
                }),
                ..Default::default()
            },
            Indicator::Latency { .. } => ServiceLevelObjectiveIndicator {
                latency: Some(ServiceLevelObjectiveIndicatorLatency {
                    success: ServiceLevelObjectiveIndicatorLatencySuccess { metric: first },
                    total: ServiceLevelObjectiveIndicatorLatencyTotal { metric: total },
                    grouping: None,
                }),
                ..Default::default()
            },
        };
        let mut slo = ServiceLevelObjective::new(
            &self.name,
            ServiceLevelObjectiveSpec {
                target: self.objective.percent(),
                window: self.period.prom(),
                description: Some(self.description.clone()),
                indicator,
                alerting: Some(ServiceLevelObjectiveAlerting {
                    burnrates: Some(true),
                    ..Default::default()
                }),
            },
        );
        slo.metadata.namespace = Some(self.namespace.clone());
        slo
    }
}

/// One PrometheusRule holding the recording and alert groups of `slos`.
pub fn prometheus_rule(name: &str, namespace: &str, slos: &[Slo]) -> PrometheusRule {
    PrometheusRule {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(namespace.to_owned()),
            ..Default::default()
        },
        spec: PrometheusRuleSpec {
            groups: Some(
                slos.iter()
                    .flat_map(|s| [s.recording_group(), s.alert_group()])
                    .collect(),
            ),
        },
        status: None,
    }
}

/// metrics-app's objectives: 99.9% of requests without a 5xx, and 99% faster than 500 ms,
/// over 30 days.
pub fn metrics_app_slos(job: &str, namespace: &str, red: Option<&RedMetrics>) -> Vec<Slo> {
    let Some(red) = red else {
        return Vec::new();
    };
    let slo = |kind: &str, objective, indicator, description: &str| Slo {
        name: format!("{job}-{kind}"),
        namespace: namespace.to_owned(),
        job: job.to_owned(),
        objective: Objective(objective),
        period: days(30),
        indicator,
        description: description.to_owned(),
    };
    vec![
        slo(
            "availability",
            999_000,
            Indicator::Ratio {
                counter: red.requests.to_owned(),
                errors: format!("{}=~\"5..\"", red.code_label),
            },
            "99.9% of metrics-app requests are answered without a server error.",
        ),
        slo(
            "latency",
            990_000,
            Indicator::Latency {
                histogram: red.duration.to_owned(),
                le: "0.5".to_owned(),
            },
            "99% of metrics-app requests complete within 500 ms.",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recording_windows_are_the_issues_seven() {
        let w: Vec<String> = windows().into_iter().map(Window::prom).collect();
        assert_eq!(w, ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]);
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(decimal(144_000, 7), "0.0144");
        assert_eq!(decimal(999_000, 4), "99.9");
        assert_eq!(decimal(10, 1), "1");
        assert_eq!(decimal(5, 3), "0.005");
    }

    #[test]
    fn thresholds_follow_the_objective() {
        let slos = metrics_app_slos("metrics-app", "demo", Some(&crate::signals::HTTP_RED));
        let (avail, latency) = (&slos[0], &slos[1]);
        let t = |s: &Slo| -> Vec<String> { BURN_RATES.iter().map(|b| s.threshold(b)).collect() };
        // 0.1% budget and 1% budget.
        assert_eq!(t(avail), ["0.0144", "0.006", "0.003", "0.001"]);
        assert_eq!(t(latency), ["0.144", "0.06", "0.03", "0.01"]);
        assert_eq!(avail.exhaustion_hours(&BURN_RATES[0]), 50);
        assert_eq!(avail.pyrra().spec.target, "99.9");
    }

    #[test]
    fn alerts_pair_long_and_short_windows() {
        let slo = &metrics_app_slos("metrics-app", "demo", Some(&crate::signals::HTTP_RED))[0];
        let group = slo.alert_group();
        let page = &group.rules.as_ref().unwrap()[0];
        assert_eq!(
            page.alert.as_deref(),
            Some("MetricsAppAvailabilityBurnRate1h")
        );
        let IntOrString::String(expr) = &page.expr else {
            panic!("string expr")
        };
        assert!(
            expr.contains("slo:sli_error:ratio_rate1h{slo=\"metrics-app-availability\"} > 0.0144")
        );
        assert!(
            expr.contains("slo:sli_error:ratio_rate5m{slo=\"metrics-app-availability\"} > 0.0144")
        );
        assert_eq!(page.labels.as_ref().unwrap()["severity"], "page");
    }
}

//! The experiment's alerting rules as one PrometheusRule, from the spec's `alerts`: the story's
//! alerts live beside the story, and CI checks their expressions with promtool like any query.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use lab_core::Object;
use lab_crds::monitoring_coreos_com::prometheusrules::{
    PrometheusRule, PrometheusRuleGroups, PrometheusRuleGroupsRules, PrometheusRuleSpec,
};

use crate::{Error, Experiment};

/// `<experiment>-alerts` in `namespace`, one group per distinct `group` in spec order;
/// The label naming the experiment on each alert it fires: a Prometheus label name
/// (`[a-zA-Z_][a-zA-Z0-9_]*`), so not the Kubernetes label `illm.io/experiment`, which
/// Prometheus would refuse with the whole rule group.
pub const ALERT_LABEL: &str = "experiment";

/// `None` when the spec has no alerts.
pub fn prometheus_rule(exp: &Experiment, namespace: &str) -> Result<Option<Object>, Error> {
    if exp.spec.alerts.is_empty() {
        return Ok(None);
    }
    let mut groups: Vec<PrometheusRuleGroups> = Vec::new();
    for alert in &exp.spec.alerts {
        let rule = PrometheusRuleGroupsRules {
            alert: Some(alert.name.clone()),
            expr: IntOrString::String(alert.expr.clone()),
            r#for: alert.r#for.clone(),
            labels: Some(BTreeMap::from([
                ("severity".to_owned(), alert.severity.as_str().to_owned()),
                (ALERT_LABEL.to_owned(), exp.name.clone()),
            ])),
            annotations: Some(BTreeMap::from([(
                "summary".to_owned(),
                alert.summary.clone(),
            )])),
            ..Default::default()
        };
        match groups.iter_mut().find(|g| g.name == alert.group) {
            Some(g) => g.rules.get_or_insert_with(Vec::new).push(rule),
            None => groups.push(PrometheusRuleGroups {
                name: alert.group.clone(),
                rules: Some(vec![rule]),
                ..Default::default()
            }),
        }
    }
    let mut rule = PrometheusRule::new(
        &format!("{}-alerts", exp.name),
        PrometheusRuleSpec {
            groups: Some(groups),
        },
    );
    rule.metadata.namespace = Some(namespace.to_owned());
    rule.metadata.labels = Some(exp.labels());
    Ok(Some(Object::new(&rule)?))
}

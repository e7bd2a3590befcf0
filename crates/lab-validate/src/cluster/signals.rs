//! Signals arrive:
//! - `monitor-scraped`: every ServiceMonitor/PodMonitor is selected by a scraper on its
//!   cluster (a kube-prometheus-stack Prometheus, or Alloy's `prometheus.operator.*`
//!   components) that writes to a store a Grafana datasource reads (its own Prometheus, or a
//!   `remote_write` URL, followed through an HTTPRoute when it leaves the cluster).
//! - `rule-evaluated`: every PrometheusRule is evaluated (a Prometheus whose rule selector
//!   takes it, or Alloy's `mimir.rules.kubernetes` loading it into a Mimir whose ruler is
//!   on); every Pyrra ServiceLevelObjective has Pyrra on its cluster.
//! - `mimir-tenant`: a Mimir with multitenancy on (its default) refuses every write and
//!   query that carries no `X-Scope-OrgID` header; unless multitenancy is switched off, some
//!   client on the lab must send one.
//! - `dashboard-series`: every `job="…"` a dashboard queries is the job of a monitor that is
//!   scraped into a store Grafana reads. Approximation: metric names are not checked (what an
//!   app exports is not in the tree), and only exact `job` matchers are.

use std::collections::BTreeSet;

use regex::Regex;
use serde_json::Value;

use super::{Lab, Obj, Rules, charts, keyed, labels, refs, selects};

pub(crate) const MONITOR: &str = "monitor-scraped";
pub(crate) const RULES: &str = "rule-evaluated";
pub(crate) const DASHBOARD: &str = "dashboard-series";
pub(crate) const TENANT: &str = "mimir-tenant";

/// The header Mimir reads the tenant from.
const TENANT_HEADER: &str = "X-Scope-OrgID";

/// `mimir-tenant`: see the module doc.
fn tenants(lab: &Lab, out: &mut Rules) {
    let sends_tenant = lab
        .tree
        .artifacts()
        .flat_map(|a| a.documents.iter())
        .any(|d| d.to_string().contains(TENANT_HEADER));
    for cluster in lab.clusters() {
        for (path, app, chart, values) in lab.values_on(cluster) {
            if chart.chart != "mimir-distributed" {
                continue;
            }
            out.checked(TENANT);
            let on = values
                .pointer("/mimir/structuredConfig/multitenancy_enabled")
                .and_then(Value::as_bool)
                .unwrap_or(true);
            if on && !sends_tenant {
                out.file(
                    path,
                    TENANT,
                    format!(
                        "{}: Mimir runs with multitenancy on and refuses every request without                          an {TENANT_HEADER} header, which no client of the lab sends; set                          mimir.structuredConfig.multitenancy_enabled: false or give each                          client a tenant",
                        app.name
                    ),
                );
            }
        }
    }
}

/// A store of series: (cluster, namespace, service).
type Store = (String, String, String);

/// Which objects a Prometheus-like selector takes: all, or those labelled `release: <name>`.
#[derive(Debug, Clone)]
enum Takes {
    None,
    All,
    Release(String),
}

impl Takes {
    fn takes(&self, o: &Obj) -> bool {
        match self {
            Takes::None => false,
            Takes::All => true,
            Takes::Release(r) => {
                labels(o.doc, "/metadata/labels").get("release") == Some(&r.as_str())
            }
        }
    }
}

#[derive(Debug)]
struct Scraper {
    /// The Application that installs it (index into `Lab::objects`).
    app: usize,
    by: String,
    cluster: String,
    monitors: Takes,
    pod_monitors: Takes,
    /// Rules it evaluates itself.
    rules: Takes,
    /// Stores it writes to, or is.
    stores: Vec<Store>,
    /// A Mimir it loads PrometheusRules into (Alloy `mimir.rules.kubernetes`).
    rules_to: Option<Store>,
}

fn bool_at(v: &[&Value], p: &str) -> Option<bool> {
    v.iter().find_map(|v| v.pointer(p).and_then(Value::as_bool))
}

/// A URL as a store: a cluster-local Service, or a host an HTTPRoute serves.
fn locate(lab: &Lab, cluster: &str, url: &str) -> Option<Store> {
    if let Some(e) = refs::endpoints(url).into_iter().next() {
        return Some((cluster.to_owned(), e.namespace, e.service));
    }
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', ':'])
        .next()?;
    lab.objects
        .iter()
        .filter(|o| o.id.kind == "HTTPRoute")
        .find_map(|o| {
            let hosts = o.doc.pointer("/spec/hostnames")?.as_array()?;
            if !hosts.iter().any(|h| h.as_str() == Some(host)) {
                return None;
            }
            let b = o.doc.pointer("/spec/rules/0/backendRefs/0")?;
            let ns = b
                .get("namespace")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or_else(|| refs::namespace_of(lab, o))?;
            Some((o.cluster.clone(), ns, b.get("name")?.as_str()?.to_owned()))
        })
}

fn scrapers(lab: &Lab) -> Vec<Scraper> {
    let mut out = Vec::new();
    for cluster in lab.clusters() {
        for (app, use_) in lab.charts_on(cluster) {
            let v = &use_.values;
            match use_.chart {
                "kube-prometheus-stack" => {
                    if bool_at(v, "/prometheus/enabled") == Some(false) {
                        continue;
                    }
                    let takes = |flag: &str| {
                        if bool_at(v, &format!("/prometheus/prometheusSpec/{flag}")) == Some(false)
                        {
                            Takes::All
                        } else {
                            Takes::Release(use_.release.clone())
                        }
                    };
                    let fullname = charts::find(use_.chart)
                        .map(|c| c.fullname(&use_.release, v))
                        .unwrap_or_else(|| use_.release.clone());
                    let mut stores = vec![(
                        cluster.to_owned(),
                        app.namespace.to_owned(),
                        format!("{fullname}-prometheus"),
                    )];
                    for v in v.iter() {
                        for rw in v
                            .pointer("/prometheus/prometheusSpec/remoteWrite")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                        {
                            if let Some(url) = rw.get("url").and_then(Value::as_str) {
                                stores.extend(locate(lab, cluster, url));
                            }
                        }
                    }
                    out.push(Scraper {
                        app: app.obj,
                        by: format!("Application {} (kube-prometheus-stack)", app.name),
                        cluster: cluster.to_owned(),
                        monitors: takes("serviceMonitorSelectorNilUsesHelmValues"),
                        pod_monitors: takes("podMonitorSelectorNilUsesHelmValues"),
                        rules: takes("ruleSelectorNilUsesHelmValues"),
                        stores,
                        rules_to: None,
                    });
                }
                "alloy" => {
                    let config: String = v
                        .iter()
                        .filter_map(|v| v.pointer("/alloy/configMap/content")?.as_str())
                        .collect();
                    let has = |c: &str| config.contains(&format!("{c} \""));
                    let first_after = |block: &str, key: &str| -> Vec<String> {
                        let re = Regex::new(&format!(
                            r#"(?s){} "[^"]*"\s*\{{.*?{key}\s*=\s*"([^"]+)""#,
                            regex::escape(block)
                        ))
                        .expect("valid regex");
                        re.captures_iter(&config).map(|c| c[1].to_owned()).collect()
                    };
                    let stores = first_after("prometheus.remote_write", "url")
                        .iter()
                        .filter_map(|u| locate(lab, cluster, u))
                        .collect();
                    let rules_to = first_after("mimir.rules.kubernetes", "address")
                        .first()
                        .and_then(|u| locate(lab, cluster, u));
                    let all = |on: bool| if on { Takes::All } else { Takes::None };
                    out.push(Scraper {
                        app: app.obj,
                        by: format!("Application {} (Alloy)", app.name),
                        cluster: cluster.to_owned(),
                        monitors: all(has("prometheus.operator.servicemonitors")),
                        pod_monitors: all(has("prometheus.operator.podmonitors")),
                        rules: Takes::None,
                        stores,
                        rules_to,
                    });
                }
                _ => {}
            }
        }
    }
    out
}

/// What Grafana reads: the Prometheus-type datasources of every Grafana chart.
fn grafana_stores(lab: &Lab) -> BTreeSet<Store> {
    let mut out = BTreeSet::new();
    for cluster in lab.clusters() {
        for (_, use_) in lab.charts_on(cluster).filter(|(_, c)| c.chart == "grafana") {
            for v in &use_.values {
                let mut urls = Vec::new();
                keyed(v, "datasources", String::new(), &mut urls);
                for (_, list) in urls {
                    for ds in list.as_array().into_iter().flatten() {
                        if ds.get("type").and_then(Value::as_str) != Some("prometheus") {
                            continue;
                        }
                        if let Some(url) = ds.get("url").and_then(Value::as_str) {
                            out.extend(locate(lab, cluster, url));
                        }
                    }
                }
            }
        }
    }
    out
}

/// Mimir releases whose ruler runs, by their Services.
fn rulers(lab: &Lab) -> BTreeSet<Store> {
    let mut out = BTreeSet::new();
    for cluster in lab.clusters() {
        for (app, use_) in lab
            .charts_on(cluster)
            .filter(|(_, c)| c.chart == "mimir-distributed")
        {
            if bool_at(&use_.values, "/ruler/enabled") == Some(false) {
                continue;
            }
            let Some(chart) = charts::find(use_.chart) else {
                continue;
            };
            let fullname = chart.fullname(&use_.release, &use_.values);
            for s in chart.services {
                out.insert((
                    cluster.to_owned(),
                    app.namespace.to_owned(),
                    s.name.replace("{}", &fullname),
                ));
            }
        }
    }
    out
}

pub(crate) fn check(lab: &Lab, out: &mut Rules) {
    tenants(lab, out);
    let scrapers = scrapers(lab);
    let read = grafana_stores(lab);
    let rulers = rulers(lab);
    let mut jobs: BTreeSet<String> = BTreeSet::new();
    // A Prometheus whose series no Grafana reads scrapes for nothing.
    for s in scrapers
        .iter()
        .filter(|s| !matches!(s.monitors, Takes::None))
    {
        out.checked(MONITOR);
        if !s.stores.iter().any(|st| read.contains(st)) {
            let o = &lab.objects[s.app];
            out.object(o, MONITOR, format!("{} scrapes on {} but neither is nor remote-writes to a store a Grafana datasource reads", s.by, s.cluster));
        }
    }
    for o in &lab.objects {
        let kind = o.id.kind.as_str();
        if o.id.group() == "monitoring.coreos.com"
            && matches!(kind, "ServiceMonitor" | "PodMonitor")
        {
            out.checked(MONITOR);
            let selected: Vec<&Scraper> = scrapers
                .iter()
                .filter(|s| s.cluster == o.cluster)
                .filter(|s| match kind {
                    "ServiceMonitor" => s.monitors.takes(o),
                    _ => s.pod_monitors.takes(o),
                })
                .collect();
            if selected.is_empty() {
                out.object(
                    o,
                    MONITOR,
                    format!(
                        "no scraper on {} selects this {kind}: its targets are never scraped",
                        o.cluster
                    ),
                );
            } else if !selected
                .iter()
                .any(|s| s.stores.iter().any(|st| read.contains(st)))
            {
                let by: Vec<&str> = selected.iter().map(|s| s.by.as_str()).collect();
                out.object(
                    o,
                    MONITOR,
                    format!(
                        "scraped by {} but written to no store a Grafana datasource reads",
                        by.join(", ")
                    ),
                );
            } else {
                jobs.extend(monitor_jobs(lab, o));
            }
        }
        if o.id.group() == "monitoring.coreos.com" && kind == "PrometheusRule" {
            out.checked(RULES);
            let evaluated = scrapers.iter().filter(|s| s.cluster == o.cluster).any(|s| {
                s.rules.takes(o) || s.rules_to.as_ref().is_some_and(|m| rulers.contains(m))
            });
            if !evaluated {
                out.object(o, RULES, format!("nothing on {} evaluates this PrometheusRule (no Prometheus selects it, no Mimir ruler loads it)", o.cluster));
            }
        }
        if o.id.group() == "pyrra.dev" && kind == "ServiceLevelObjective" {
            out.checked(RULES);
            if !pyrra_on(lab, &o.cluster) {
                out.object(
                    o,
                    RULES,
                    format!(
                        "no Pyrra runs on {}: this SLO is never turned into rules",
                        o.cluster
                    ),
                );
            }
        }
    }
    let job = Regex::new(r#"\bjob="([^"]+)""#).expect("valid regex");
    for o in &lab.objects {
        if o.id.kind != "ConfigMap"
            || !labels(o.doc, "/metadata/labels").contains_key("grafana_dashboard")
        {
            continue;
        }
        let mut queried = BTreeSet::new();
        for v in o
            .doc
            .get("data")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|m| m.values())
        {
            let Some(dash) = v
                .as_str()
                .and_then(|s| serde_json::from_str::<Value>(s).ok())
            else {
                continue;
            };
            let mut exprs = Vec::new();
            keyed(&dash, "expr", String::new(), &mut exprs);
            for (_, e) in exprs {
                if let Some(e) = e.as_str() {
                    queried.extend(job.captures_iter(e).map(|c| c[1].to_owned()));
                }
            }
        }
        for j in queried {
            out.checked(DASHBOARD);
            if !jobs.contains(&j) {
                out.object(o, DASHBOARD, format!("queries job=\"{j}\", which no scraped monitor writing to Grafana's stores produces"));
            }
        }
    }
}

/// The `job` values a monitor gives its series (Prometheus operator rules: the value of the
/// Service's `jobLabel` label, else the Service's name; for a PodMonitor `<ns>/<name>`).
fn monitor_jobs(lab: &Lab, m: &Obj) -> Vec<String> {
    let job_label = m.doc.pointer("/spec/jobLabel").and_then(Value::as_str);
    if m.id.kind == "PodMonitor" {
        return vec![format!(
            "{}/{}",
            m.id.namespace.clone().unwrap_or_default(),
            m.id.name
        )];
    }
    let ns = refs::namespace_of(lab, m).unwrap_or_default();
    let in_ns: Vec<String> = m
        .doc
        .pointer("/spec/namespaceSelector/matchNames")
        .and_then(Value::as_array)
        .map(|n| {
            n.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_else(|| vec![ns]);
    let selector = labels(m.doc, "/spec/selector/matchLabels");
    lab.on(&m.cluster)
        .filter(|s| s.id.kind == "Service" && s.id.api_version == "v1")
        .filter(|s| refs::namespace_of(lab, s).is_some_and(|n| in_ns.contains(&n)))
        .filter_map(|s| {
            let l = labels(s.doc, "/metadata/labels");
            if !selects(&selector, &l) {
                return None;
            }
            Some(match job_label.and_then(|k| l.get(k)) {
                Some(v) => (*v).to_owned(),
                None => s.id.name.clone(),
            })
        })
        .collect()
}

/// Pyrra on a cluster: its chart, or a workload running its image.
fn pyrra_on(lab: &Lab, cluster: &str) -> bool {
    lab.charts_on(cluster).any(|(_, c)| c.chart == "pyrra")
        || lab.on(cluster).any(|o| {
            let mut images = Vec::new();
            keyed(o.doc, "image", String::new(), &mut images);
            images
                .iter()
                .any(|(_, i)| i.as_str().is_some_and(|i| i.contains("/pyrra")))
        })
}

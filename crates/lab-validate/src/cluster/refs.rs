//! References resolve:
//! - `ref-service`: every cluster-local URL or endpoint (route backends, Grafana datasources,
//!   OTLP, remote-write, log-push, S3) names a Service and port that exist on that cluster,
//!   rendered or run by one of its charts (see [`super::charts`]).
//! - `ref-selector`: a Service's selector matches a rendered pod template in its namespace; a
//!   ServiceMonitor's selector matches a rendered Service and names one of its ports.
//!   Services a chart runs have labels the tree does not show: monitors of those are skipped.
//! - `ref-provider-config`: a Composition resource's `providerConfigRef` names a
//!   ProviderConfig of its provider that the same Composition composes (same name patch) or
//!   that is rendered. Go-templated steps are not parsed.
//! - `composed-chart-pinned`: a composed Helm release pins its chart version.
//! - `ref-namespace`: a namespaced object's namespace exists before it: created by its
//!   Application (`CreateNamespace=true` for its destination), by a Namespace of an earlier
//!   wave, or by the cluster or the bootstrap.
//! - `unique-object`: no two objects share group, kind, namespace and name on one cluster.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::{BOOTSTRAP, Lab, Obj, Rules, charts, labels, selects, strings};

pub(crate) const SERVICE: &str = "ref-service";
pub(crate) const SELECTOR: &str = "ref-selector";
pub(crate) const PROVIDER_CONFIG: &str = "ref-provider-config";
pub(crate) const CHART_PINNED: &str = "composed-chart-pinned";
pub(crate) const NAMESPACE: &str = "ref-namespace";
pub(crate) const UNIQUE: &str = "unique-object";

/// `[scheme://]service.namespace.svc[.cluster.local][:port]`, anywhere in a string.
static CLUSTER_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:\b(https?|grpc)://)?\b([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(?:\.cluster\.local)?\b(?::([0-9]+))?",
    )
    .expect("valid regex")
});

/// A Service as the cluster will have it: name, namespace, ports (numbers and names).
#[derive(Debug)]
pub(crate) struct Svc {
    pub name: String,
    pub namespace: String,
    pub ports: BTreeSet<u16>,
    pub port_names: BTreeSet<String>,
    /// `None` for a Service a chart runs (its labels are not in the tree).
    pub labels: Option<BTreeMap<String, String>>,
}

/// Where a URL points on a cluster.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Endpoint {
    pub service: String,
    pub namespace: String,
    pub port: Option<u16>,
}

/// Every cluster-local endpoint in a string.
pub(crate) fn endpoints(s: &str) -> Vec<Endpoint> {
    CLUSTER_URL
        .captures_iter(s)
        .filter(|c| !(&c[2] == "kubernetes" && &c[4] == "default"))
        .map(|c| Endpoint {
            service: c[2].to_owned(),
            namespace: c[4].to_owned(),
            port: c.get(6).and_then(|p| p.as_str().parse().ok()).or(
                match c.get(1).map(|m| m.as_str()) {
                    Some("http") => Some(80),
                    Some("https") => Some(443),
                    _ => None,
                },
            ),
        })
        .collect()
}

/// Every Service of a cluster: rendered ones and those its charts run.
pub(crate) fn services(lab: &Lab, cluster: &str) -> Vec<Svc> {
    let mut out = Vec::new();
    for o in lab.on(cluster) {
        if o.id.kind != "Service" || o.id.api_version != "v1" {
            continue;
        }
        let ports = o.doc.pointer("/spec/ports").and_then(Value::as_array);
        let field = |k: &str| -> Vec<&Value> {
            ports
                .map(|ps| ps.iter().filter_map(|p| p.get(k)).collect())
                .unwrap_or_default()
        };
        out.push(Svc {
            name: o.id.name.clone(),
            namespace: namespace_of(lab, o).unwrap_or_default(),
            ports: field("port")
                .into_iter()
                .filter_map(|p| p.as_u64()?.try_into().ok())
                .collect(),
            port_names: field("name")
                .into_iter()
                .filter_map(|p| p.as_str().map(str::to_owned))
                .collect(),
            labels: Some(
                labels(o.doc, "/metadata/labels")
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect(),
            ),
        });
    }
    for (app, use_) in lab.charts_on(cluster) {
        let Some(chart) = charts::find(use_.chart) else {
            continue;
        };
        let fullname = chart.fullname(&use_.release, &use_.values);
        for s in chart.services {
            out.push(Svc {
                name: s.name.replace("{}", &fullname),
                namespace: app.namespace.to_owned(),
                ports: s.ports.iter().copied().collect(),
                port_names: BTreeSet::new(),
                labels: None,
            });
        }
    }
    out
}

/// The namespace an object lands in: its own, else its Application's destination.
pub(crate) fn namespace_of(lab: &Lab, o: &Obj) -> Option<String> {
    o.id.namespace
        .clone()
        .or_else(|| lab.app_of(o).map(|a| a.namespace.to_owned()))
}

/// Whether `e` names an existing Service and port; the message says what is missing.
pub(crate) fn resolve(services: &[Svc], e: &Endpoint) -> Result<(), String> {
    let Some(svc) = services
        .iter()
        .find(|s| s.name == e.service && s.namespace == e.namespace)
    else {
        return Err(format!("no Service {}/{}", e.namespace, e.service));
    };
    match e.port {
        Some(p) if !svc.ports.contains(&p) => Err(format!(
            "Service {}/{} has no port {p} (it has {:?})",
            e.namespace, e.service, svc.ports
        )),
        _ => Ok(()),
    }
}

pub(crate) fn check(lab: &Lab, out: &mut Rules) {
    for cluster in lab.clusters() {
        let services = services(lab, cluster);
        service_refs(lab, cluster, &services, out);
        selectors(lab, cluster, &services, out);
        namespaces(lab, cluster, out);
        unique(lab, cluster, out);
    }
    for o in &lab.objects {
        if o.id.kind == "Composition" && o.id.group() == "apiextensions.crossplane.io" {
            compositions(lab, o, out);
        }
    }
}

fn service_refs(lab: &Lab, cluster: &str, services: &[Svc], out: &mut Rules) {
    for o in lab.on(cluster) {
        if o.id.kind == "HTTPRoute" {
            let ns = namespace_of(lab, o).unwrap_or_default();
            for rule in o
                .doc
                .pointer("/spec/rules")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                for b in rule
                    .get("backendRefs")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if b.get("kind")
                        .and_then(Value::as_str)
                        .is_some_and(|k| k != "Service")
                    {
                        continue;
                    }
                    out.checked(SERVICE);
                    let e = Endpoint {
                        service: b
                            .get("name")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_owned(),
                        namespace: b
                            .get("namespace")
                            .and_then(Value::as_str)
                            .unwrap_or(&ns)
                            .to_owned(),
                        port: b
                            .get("port")
                            .and_then(Value::as_u64)
                            .and_then(|p| p.try_into().ok()),
                    };
                    if let Err(m) = resolve(services, &e) {
                        out.object(o, SERVICE, format!("route backend: {m}"));
                    }
                }
            }
        }
        let mut found = Vec::new();
        strings(o.doc, String::new(), &mut found);
        for (at, s) in found {
            for e in endpoints(s) {
                out.checked(SERVICE);
                if let Err(m) = resolve(services, &e) {
                    out.object(o, SERVICE, format!("{at}: {m}"));
                }
            }
        }
    }
    for (path, _, _, doc) in lab.values_on(cluster) {
        let mut found = Vec::new();
        strings(doc, String::new(), &mut found);
        for (at, s) in found {
            for e in endpoints(s) {
                out.checked(SERVICE);
                if let Err(m) = resolve(services, &e) {
                    out.file(path, SERVICE, format!("{at}: {m}"));
                }
            }
        }
    }
}

/// Labels Gateway API controllers put on a Gateway's proxy pods, valued with its name: the
/// standard one (NGINX Gateway Fabric) and Envoy Gateway's own.
const GATEWAY_POD_LABELS: [&str; 2] = [
    "gateway.networking.k8s.io/gateway-name",
    "gateway.envoyproxy.io/owning-gateway-name",
];

const WORKLOADS: [&str; 5] = ["Deployment", "StatefulSet", "DaemonSet", "Job", "Pod"];

fn selectors(lab: &Lab, cluster: &str, services: &[Svc], out: &mut Rules) {
    let pods: Vec<(String, BTreeMap<&str, &str>)> = lab
        .on(cluster)
        .filter(|o| WORKLOADS.contains(&o.id.kind.as_str()))
        .map(|o| {
            let at = if o.id.kind == "Pod" {
                "/metadata/labels"
            } else {
                "/spec/template/metadata/labels"
            };
            (namespace_of(lab, o).unwrap_or_default(), labels(o.doc, at))
        })
        .collect();
    // A Gateway's proxy pods are made by its controller, not rendered: a selector on the
    // label naming the Gateway matches them when that Gateway is rendered in the namespace.
    let gateways: BTreeSet<(String, &str)> = lab
        .on(cluster)
        .filter(|o| o.id.kind == "Gateway" && o.id.group() == "gateway.networking.k8s.io")
        .map(|o| (namespace_of(lab, o).unwrap_or_default(), o.id.name.as_str()))
        .collect();
    for o in lab.on(cluster) {
        match o.id.kind.as_str() {
            "Service" if o.id.api_version == "v1" => {
                let selector = labels(o.doc, "/spec/selector");
                if selector.is_empty() {
                    continue;
                }
                out.checked(SELECTOR);
                let ns = namespace_of(lab, o).unwrap_or_default();
                let proxies_of_gateway = GATEWAY_POD_LABELS.iter().any(|key| {
                    selector
                        .get(key)
                        .is_some_and(|gw| gateways.contains(&(ns.clone(), *gw)))
                });
                if !proxies_of_gateway
                    && !pods.iter().any(|(n, l)| *n == ns && selects(&selector, l))
                {
                    out.object(
                        o,
                        SELECTOR,
                        format!("selector {selector:?} matches no pod template in namespace {ns}"),
                    );
                }
            }
            "ServiceMonitor" if o.id.group() == "monitoring.coreos.com" => {
                let ns = namespace_of(lab, o).unwrap_or_default();
                let in_ns: Vec<String> = o
                    .doc
                    .pointer("/spec/namespaceSelector/matchNames")
                    .and_then(Value::as_array)
                    .map(|n| {
                        n.iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_else(|| vec![ns.clone()]);
                // A chart's Services carry labels the tree does not show.
                if services
                    .iter()
                    .any(|s| s.labels.is_none() && in_ns.contains(&s.namespace))
                {
                    continue;
                }
                out.checked(SELECTOR);
                let selector = labels(o.doc, "/spec/selector/matchLabels");
                let matched: Vec<&Svc> = services
                    .iter()
                    .filter(|s| in_ns.contains(&s.namespace))
                    .filter(|s| {
                        s.labels.as_ref().is_some_and(|l| {
                            let l = l.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                            selects(&selector, &l)
                        })
                    })
                    .collect();
                if matched.is_empty() {
                    out.object(
                        o,
                        SELECTOR,
                        format!("selector {selector:?} matches no Service in {in_ns:?}"),
                    );
                    continue;
                }
                for ep in o
                    .doc
                    .pointer("/spec/endpoints")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(port) = ep.get("port").and_then(Value::as_str)
                        && !matched.iter().any(|s| s.port_names.contains(port))
                    {
                        out.object(
                            o,
                            SELECTOR,
                            format!(
                                "endpoint port {port} is not a named port of the selected Services"
                            ),
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

/// Namespaces every cluster has.
const BUILT_IN_NAMESPACES: [&str; 4] = ["default", "kube-system", "kube-public", "kube-node-lease"];

fn namespaces(lab: &Lab, cluster: &str, out: &mut Rules) {
    let mut created: Vec<(&str, i64, Option<usize>)> = lab
        .on(cluster)
        .filter(|o| o.id.kind == "Namespace" && o.id.api_version == "v1")
        .map(|o| (o.id.name.as_str(), lab.wave(o), o.app))
        .collect();
    let bootstrap = lab
        .tree
        .get(&format!("{cluster}/bootstrap/bootstrap.env"))
        .and_then(|a| a.documents.first())
        .and_then(|d| d.get("ARGOCD_NAMESPACE"))
        .and_then(Value::as_str);
    created.extend(bootstrap.map(|ns| (ns, BOOTSTRAP, None)));
    for o in lab.on(cluster) {
        let Some(ns) = &o.id.namespace else { continue };
        out.checked(NAMESPACE);
        if BUILT_IN_NAMESPACES.contains(&ns.as_str()) {
            continue;
        }
        let wave = lab.wave(o);
        if let Some(app) = lab.app_of(o)
            && app.create_namespace
            && app.namespace == ns
        {
            continue;
        }
        let ok = created
            .iter()
            .any(|(n, w, a)| n == ns && (*w < wave || (a.is_some() && *a == o.app)));
        if !ok {
            let later = created.iter().find(|(n, ..)| n == ns);
            out.object(
                o,
                NAMESPACE,
                match later {
                    Some((_, w, _)) => format!("namespace {ns} is created in wave {w}, not before this object's wave {wave}"),
                    None => format!("nothing creates namespace {ns} on {cluster}"),
                },
            );
        }
    }
}

fn unique(lab: &Lab, cluster: &str, out: &mut Rules) {
    let mut seen: BTreeMap<(String, String, Option<String>, String), &str> = BTreeMap::new();
    for o in lab.on(cluster) {
        out.checked(UNIQUE);
        let key = (
            o.id.group().to_owned(),
            o.id.kind.clone(),
            o.id.namespace.clone(),
            o.id.name.clone(),
        );
        if let Some(first) = seen.insert(key, o.path) {
            out.object(
                o,
                UNIQUE,
                format!(
                    "{} is also rendered at {first}, on the same cluster {cluster}",
                    o.id
                ),
            );
        }
    }
}

/// A ProviderConfig a Composition composes: its group, name patch and literal name.
type Composed<'v> = (&'v str, Option<(String, String)>, Option<&'v str>);

/// A P&T patch that sets `to` from the composite: (from field, format).
fn patch_into(resource: &Value, to: &str) -> Option<(String, String)> {
    resource
        .get("patches")?
        .as_array()?
        .iter()
        .find(|p| p.get("toFieldPath").and_then(Value::as_str) == Some(to))
        .map(|p| {
            let from = p
                .get("fromFieldPath")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let fmt = p
                .pointer("/transforms/0/string/fmt")
                .and_then(Value::as_str)
                .unwrap_or("%s")
                .to_owned();
            (from, fmt)
        })
}

fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("")
}

fn compositions(lab: &Lab, o: &Obj, out: &mut Rules) {
    let resources: Vec<&Value> = o
        .doc
        .pointer("/spec/pipeline")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|step| step.pointer("/input/resources")?.as_array())
        .flatten()
        .collect();
    // ProviderConfigs composed here: (group, name patch or literal name).
    let composed: Vec<Composed> = resources
        .iter()
        .filter(|r| {
            r.pointer("/base/kind")
                .and_then(Value::as_str)
                .is_some_and(|k| k.ends_with("ProviderConfig"))
        })
        .map(|r| {
            (
                group_of(
                    r.pointer("/base/apiVersion")
                        .and_then(Value::as_str)
                        .unwrap_or(""),
                ),
                patch_into(r, "metadata.name"),
                r.pointer("/base/metadata/name").and_then(Value::as_str),
            )
        })
        .collect();
    let rendered: Vec<(&str, &str)> = lab
        .objects
        .iter()
        .filter(|p| p.id.kind.ends_with("ProviderConfig"))
        .map(|p| (p.id.group(), p.id.name.as_str()))
        .collect();
    for r in &resources {
        let name = r.get("name").and_then(Value::as_str).unwrap_or("?");
        let api = r
            .pointer("/base/apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("");
        if r.pointer("/base/kind").and_then(Value::as_str) == Some("Release")
            && group_of(api).starts_with("helm.")
        {
            out.checked(CHART_PINNED);
            let version = r
                .pointer("/base/spec/forProvider/chart/version")
                .and_then(Value::as_str);
            if version.is_none_or(str::is_empty) {
                out.object(
                    o,
                    CHART_PINNED,
                    format!("resource {name}: the Helm release's chart has no version"),
                );
            }
        }
        let Some(reference) = r.pointer("/base/spec/providerConfigRef") else {
            continue;
        };
        out.checked(PROVIDER_CONFIG);
        let group = group_of(api);
        // A provider's ProviderConfig lives in its family's group, a suffix of its MRs' group.
        let same_provider =
            |pc_group: &str| group == pc_group || group.ends_with(&format!(".{pc_group}"));
        let by_patch = patch_into(r, "spec.providerConfigRef.name");
        let literal = reference.get("name").and_then(Value::as_str);
        let ok = composed.iter().any(|(g, patch, lit)| {
            same_provider(g)
                && ((by_patch.is_some() && *patch == by_patch)
                    || (literal.is_some() && *lit == literal))
        }) || literal
            .is_some_and(|l| rendered.iter().any(|(g, n)| same_provider(g) && *n == l));
        if !ok {
            let what = match (&by_patch, literal) {
                (Some((from, fmt)), _) => format!("{fmt:?} of {from}"),
                (None, Some(l)) => l.to_owned(),
                (None, None) => "(no name)".to_owned(),
            };
            out.object(
                o,
                PROVIDER_CONFIG,
                format!("resource {name} ({api}) names ProviderConfig {what}, which no resource of this Composition composes for its provider and no object renders"),
            );
        }
    }
}

//! Experiments in the render. Each cluster of an experiment is a cluster layout of its own
//! (`generated/experiments/<e>/<cluster>/`, Applications `<e>-<cluster>-<app>`, AppProject
//! `experiment-<e>-<cluster>`), planned like the hub and the targets: waves from the
//! components' wiring, values checked against their charts.
//!
//! A catalog id becomes a component here, the one place that knows every family:
//! - a lab image: the family's demo app, in a namespace named after the experiment, with the
//!   spec's env and replicas;
//! - a chart only experiments deploy (kube-prometheus-stack, k6-operator, Pyrra);
//! - on the hub, a component the hub already runs (Loki, Tempo, Grafana…) is reused, not
//!   deployed twice: the lifecycle waits on the hub's Application.
//!
//! Nothing syncs an experiment until `task hub:conduct` applies its root Applications (one
//! app-of-apps per cluster, in the hub cluster's `bootstrap/` folder) and creates its
//! Workflows: the run (wait, load, checks, report) and the expiry (sleep for the time to
//! live, then delete the roots). ADR 0015 says why.

use std::collections::BTreeMap;

use anyhow::{Result, anyhow};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use lab_argocd::{ClusterLayout, Destination};
use lab_core::layout::{ARGOCD_NAMESPACE, ClusterPaths};
use lab_core::{Artifact, Object};
use lab_experiments::catalog::Packaging;
use lab_experiments::components::{Bundle, K6Operator, Pyrra};
use lab_experiments::gateways::{EnvoyGateway, NginxGatewayFabric};
use lab_experiments::kind::{self, LOAD_NODE_PORT};
use lab_experiments::lifecycle::{self, Bindings};
use lab_experiments::spec::{ClusterUse, Provider};
use lab_experiments::stores::{EckOperator, EckStack, FluentBit, Jaeger, VictoriaMetrics};
use lab_experiments::{ComponentId, Experiment, alerts, k6};
use lab_model::component::Dependency;
use lab_model::{Component, Registry};
use lab_observability::backends::{Loki, Mimir, Tempo};
use lab_observability::collectors::OtelCollector;
use lab_observability::dashboard::{Dashboard, PanelKind, PanelSpec, layout};
use lab_observability::grafana::{Grafana, dashboard_config_map};
use lab_observability::storage::SeaweedFs;
use lab_observability::targets::KubePrometheusStack;
use lab_observability::workload::{DemoApp, DemoApps, demo_apps_in};
use lab_platform::gitops::ArgoWorkflows;

use crate::{Inputs, cluster_apps, gateway_lab};

/// The name of the hub in an experiment that does not list it: the lifecycle runs there.
const HUB: &str = "hub";

/// One cluster of one experiment, as it is being assembled.
struct ExpCluster<'e> {
    spec: Option<&'e ClusterUse>,
    provider: Provider,
    paths: ClusterPaths,
    destination: Destination,
    registry: Registry,
    /// Lab images it runs, gathered into one `demo-apps` Application.
    demo: Vec<DemoApp>,
    /// Hub Applications the experiment reuses instead of deploying its own.
    reused: Vec<String>,
}

/// A spec problem found while assembling, naming the spec file and the field.
fn spec_error(exp: &Experiment, field: &str, message: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("{}: {field}: {message}", exp.spec_file().display())
}

/// Every file of every experiment.
pub fn artifacts(
    inputs: &Inputs,
    hub_layout: &ClusterLayout,
    hub: &Registry,
) -> Result<Vec<Artifact>> {
    // Experiments are independent and each is a whole tree of objects: one per core.
    let per_experiment =
        lab_core::par::map_on(&inputs.experiments, lab_core::par::cores(), 1, |exp| {
            experiment(inputs, exp, hub_layout, hub)
        })?;
    Ok(per_experiment.into_iter().flatten().collect())
}

fn destination(inputs: &Inputs, exp: &Experiment, c: &ClusterUse) -> Result<Destination> {
    Ok(match c.provider {
        Provider::Hub => Destination::hub(),
        // kind clusters share Docker's `kind` network: the hub reaches the API server by the
        // node container's name.
        Provider::Kind => Destination::Server(format!(
            "https://{}-control-plane:6443",
            kind::cluster_name(exp, c)
        )),
        Provider::Talos => {
            let (_, inventory) = inputs.targets.iter().next().ok_or_else(|| {
                spec_error(
                    exp,
                    "/clusters",
                    "provider talos, but platform/targets/ has no cluster",
                )
            })?;
            Destination::Server(inventory.endpoint().ok_or_else(|| {
                spec_error(
                    exp,
                    "/clusters",
                    "the Talos target has no control-plane endpoint",
                )
            })?)
        }
        // The claim's Composition registers the cluster in ArgoCD as `<namespace>-<claim>`.
        Provider::Vcluster | Provider::Aks | Provider::Eks | Provider::Gke => {
            Destination::Name(format!("{CLAIM_NAMESPACE}-{}", kind::cluster_name(exp, c)))
        }
    })
}

/// Namespace of every experiment's `ExperimentCluster` claims on the hub.
pub const CLAIM_NAMESPACE: &str = "experiments";

fn experiment(
    inputs: &Inputs,
    exp: &Experiment,
    hub_layout: &ClusterLayout,
    hub: &Registry,
) -> Result<Vec<Artifact>> {
    let settings = &inputs.settings;
    let versions = &inputs.versions;
    let hub_name = exp
        .spec
        .clusters
        .iter()
        .find(|c| c.provider == Provider::Hub)
        .map_or(HUB, |c| c.name.as_str());
    let mut clusters: BTreeMap<&str, ExpCluster> = BTreeMap::new();
    // The hub's folder is named after the hub, whatever the spec calls it: the tasks find
    // an experiment's roots and workflows in `experiments/<e>/<hub>/bootstrap/`.
    let folder = |c: &ClusterUse| match c.provider {
        Provider::Hub => settings.hub.cluster_name.clone(),
        _ => c.name.clone(),
    };
    for c in &exp.spec.clusters {
        clusters.insert(
            &c.name,
            ExpCluster {
                spec: Some(c),
                provider: c.provider,
                paths: ClusterPaths::experiment(&exp.name, &folder(c))?,
                destination: destination(inputs, exp, c)?,
                registry: Registry::new(),
                demo: Vec::new(),
                reused: Vec::new(),
            },
        );
    }
    clusters.entry(hub_name).or_insert(ExpCluster {
        spec: None,
        provider: Provider::Hub,
        paths: ClusterPaths::experiment(&exp.name, &settings.hub.cluster_name)?,
        destination: Destination::hub(),
        registry: Registry::new(),
        demo: Vec::new(),
        reused: Vec::new(),
    });
    let target = exp.target_cluster().name.as_str();
    let namespace = exp.name.as_str();
    let load_target = exp.spec.load.as_ref().map(|l| l.target);

    // Catalog ids → components, cluster by cluster.
    fn on<'a>(c: &'a lab_experiments::spec::ComponentUse, target: &'a str) -> &'a str {
        c.cluster.as_deref().unwrap_or(target)
    }
    let wants = |id: ComponentId, cluster: &str| {
        exp.spec
            .components
            .iter()
            .any(|c| c.id == id && on(c, target) == cluster)
    };
    let wants_image = |image: &str, cluster: &str| {
        exp.spec
            .components
            .iter()
            .any(|c| c.id.as_str() == image && on(c, target) == cluster)
    };
    for (i, use_) in exp.spec.components.iter().enumerate() {
        let field = format!("/components/{i}/id");
        let name = on(use_, target);
        let cluster = clusters
            .get_mut(name)
            .ok_or_else(|| spec_error(exp, &field, format!("no cluster {name}")))?;
        let entry = use_.id.entry();
        if entry.packaging == Packaging::LabImage {
            let mut apps: Vec<DemoApp> = demo_apps_in(namespace)
                .into_iter()
                .filter(|a| a.image == use_.id.as_str())
                .collect();
            for (n, app) in apps.iter_mut().enumerate() {
                for (key, value) in &use_.env {
                    // The catalog lists what an app reads; the spec check kept only those.
                    let Some(key) = entry.env.iter().find(|k| **k == key.as_str()) else {
                        continue;
                    };
                    app.env.retain(|(k, _)| k != key);
                    app.env.push((key, value.clone()));
                }
                if let Some(r) = use_.replicas {
                    app.replicas = r.into();
                }
                // Without a Prometheus on the cluster nothing could read a ServiceMonitor.
                app.metrics &= cluster.provider == Provider::Hub
                    || wants(ComponentId::KubePrometheusStack, name);
                if n == 0 && load_target == Some(use_.id) && cluster.provider == Provider::Kind {
                    app.node_port = Some(LOAD_NODE_PORT);
                }
            }
            cluster.demo.extend(apps);
            continue;
        }
        let reusable = hub.components().any(|c| c.name() == use_.id.as_str());
        match (use_.id, cluster.provider) {
            (_, Provider::Hub) if reusable => cluster.reused.push(use_.id.as_str().to_owned()),
            (ComponentId::KubePrometheusStack, p) if p != Provider::Hub => cluster
                .registry
                .add(KubePrometheusStack::new(&cluster.paths.name))?,
            (ComponentId::K6Operator, _) => cluster.registry.add(K6Operator::default())?,
            (ComponentId::EnvoyGateway, p) if p != Provider::Hub => {
                cluster.registry.add(EnvoyGateway::default())?
            }
            (ComponentId::NginxGatewayFabric, p) if p != Provider::Hub => {
                if !wants(ComponentId::EnvoyGateway, name) {
                    return Err(spec_error(
                        exp,
                        &field,
                        format!(
                            "nginx-gateway-fabric needs the Gateway API CRDs; add envoy-gateway \
                             on {name}, whose chart installs them"
                        ),
                    ));
                }
                let crds = Dependency::on::<EnvoyGateway>();
                cluster.registry.add(NginxGatewayFabric::after(crds))?
            }
            (ComponentId::Pyrra, _) => {
                let prometheus = match cluster.provider {
                    Provider::Hub => None,
                    _ if wants(ComponentId::KubePrometheusStack, name) => {
                        Some(KubePrometheusStack::new(&cluster.paths.name).prometheus_url())
                    }
                    _ => None,
                }
                .ok_or_else(|| {
                    spec_error(
                        exp,
                        &field,
                        format!("pyrra reads a Prometheus; add kube-prometheus-stack on {name}"),
                    )
                })?;
                cluster.registry.add(Pyrra::new(prometheus))?;
            }
            (ComponentId::VictoriaMetrics, _) => {
                // It scrapes the experiment's lab images on its cluster, as Prometheus does.
                let targets = demo_apps_in(namespace)
                    .into_iter()
                    .filter(|a| a.metrics && wants_image(a.image, name))
                    .map(|a| lab_kit::service_host(a.name, &a.namespace, Some(a.port)))
                    .collect();
                cluster
                    .registry
                    .add(VictoriaMetrics::new(namespace, targets))?;
            }
            (ComponentId::Jaeger, p) => {
                // On the hub Jaeger passes every span on to the hub's collector (and Tempo).
                let forward = hub
                    .get::<OtelCollector>()
                    .map(OtelCollector::otlp_http_url)
                    .filter(|_| p == Provider::Hub);
                cluster.registry.add(Jaeger::new(namespace, forward))?;
            }
            (ComponentId::EckOperator, _) => cluster.registry.add(EckOperator::default())?,
            (ComponentId::EckStack, _) => cluster.registry.add(EckStack::new(namespace))?,
            (ComponentId::FluentBit, _) => cluster.registry.add(FluentBit::new(namespace))?,
            (id, provider) => {
                return Err(spec_error(
                    exp,
                    &field,
                    format!(
                        "{} cannot run on a {} cluster yet; expected a lab image, \
                         kube-prometheus-stack, k6-operator, pyrra, victoria-metrics, jaeger, \
                         eck-operator, eck-stack or fluent-bit, or on the hub one of the hub's \
                         own components ({})",
                        id.as_str(),
                        provider.as_str(),
                        hub.components()
                            .map(|c| c.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
    }
    let otlp = hub.get::<OtelCollector>().map(OtelCollector::otlp_http_url);
    for (name, cluster) in clusters.iter_mut() {
        gateway_lab::add_routes(exp, name, namespace, &cluster.demo, &mut cluster.registry)?;
        if !cluster.demo.is_empty() {
            cluster.registry.add(DemoApps {
                namespace: namespace.to_owned(),
                apps: std::mem::take(&mut cluster.demo),
                // A Jaeger beside the apps receives their spans first (it forwards them).
                otlp_url: match cluster.registry.get::<Jaeger>() {
                    Some(jaeger) => Some(jaeger.otlp_http_url()),
                    None => otlp.clone().filter(|_| cluster.provider == Provider::Hub),
                },
                pyrra_slos: wants(ComponentId::Pyrra, name),
            })?;
        }
    }
    if let Some(rule) = alerts::prometheus_rule(exp, namespace)? {
        let cluster = clusters.get_mut(target).expect("the target is a cluster");
        cluster.registry.add_unwired(Bundle {
            name: "alerts".into(),
            namespace: namespace.to_owned(),
            objects: vec![rule],
        })?;
    }

    // What the lifecycle waits on and deletes.
    let mut applications = Vec::new();
    let mut roots = Vec::new();
    for cluster in clusters.values() {
        applications.extend(cluster.reused.iter().cloned());
        let layout = layout_of(settings, cluster);
        applications.extend(
            cluster
                .registry
                .components()
                .map(|c| layout.application_name(c.name())),
        );
    }
    for (name, cluster) in &clusters {
        // The hub's root last: it holds the workflow that deletes the others.
        if *name != hub_name {
            roots.push(root_name(&cluster.paths));
        }
    }
    roots.push(root_name(&clusters[hub_name].paths));
    let workflows = hub
        .get::<ArgoWorkflows>()
        .ok_or_else(|| anyhow!("experiments need Argo Workflows on the hub"))?;
    let mimir = hub
        .get::<Mimir>()
        .ok_or_else(|| anyhow!("experiments' checks need Mimir on the hub"))?;
    let bindings = Bindings {
        namespace: workflows.namespace().to_owned(),
        service_account: format!("{}-lifecycle", exp.name),
        argocd_namespace: ARGOCD_NAMESPACE.to_owned(),
        applications,
        roots,
        query_url: mimir.query_url(),
        push_url: mimir.push_url(),
        target_url: target_url(exp, hub, &clusters)?,
    };
    let mut lifecycle_objects = vec![
        lifecycle::workflow_template(exp, &bindings, versions)?,
        lifecycle::expiry_template(exp, &bindings, versions)?,
    ];
    lifecycle_objects.extend(lifecycle::rbac(exp, &bindings)?);
    lifecycle_objects.extend(k6::script_configmap(exp, &bindings.namespace)?);
    clusters
        .get_mut(hub_name)
        .expect("inserted above")
        .registry
        .add_unwired(Bundle {
            name: "lifecycle".into(),
            namespace: bindings.namespace.clone(),
            objects: lifecycle_objects,
        })?;

    if let Some(board) = dashboard(exp) {
        let grafana = hub
            .get::<Grafana>()
            .ok_or_else(|| anyhow!("experiment dashboards need Grafana on the hub"))?;
        clusters
            .get_mut(hub_name)
            .expect("inserted above")
            .registry
            .add_unwired(Bundle {
                name: "dashboard".into(),
                namespace: grafana.namespace.clone(),
                objects: vec![Object::new(
                    &dashboard_config_map(&grafana.namespace, DASHBOARD_FOLDER, &board)
                        .map_err(|e| anyhow!("{}: dashboard: {e}", exp.name))?,
                )?],
            })?;
    }

    let mut out = Vec::new();
    let hub_paths = clusters[hub_name].paths.clone();
    let bootstrap = hub_paths.bootstrap_dir();
    for cluster in clusters.values() {
        if let Some(spec) = cluster.spec
            && let Some(config) = kind::config(exp, spec, &cluster.paths.bootstrap_dir(), versions)?
        {
            out.push(config);
        }
        if let (Some(spec), Some(platform)) = (cluster.spec, cluster.provider.claim_platform()) {
            out.push(Artifact::object(&bootstrap, claim(exp, spec, platform)?)?);
        }
        if cluster.registry.components().next().is_none() {
            continue;
        }
        let layout = layout_of(settings, cluster);
        let planned = cluster.registry.plan_in(settings, versions, Some(hub))?;
        out.extend(cluster_apps(&layout, &planned)?);
        let root = lab_argocd::child_app_of_apps(hub_layout, &layout);
        out.push(Artifact::object(&bootstrap, Object::new(&root)?)?);
    }
    for run in lifecycle::workflows(exp, &bindings)? {
        out.push(Artifact::object(&bootstrap, run)?);
    }
    Ok(out)
}

fn layout_of<'s>(settings: &'s lab_model::Settings, cluster: &ExpCluster) -> ClusterLayout<'s> {
    ClusterLayout {
        settings,
        paths: cluster.paths.clone(),
        destination: cluster.destination.clone(),
    }
}

/// The root Application of one experiment cluster (see [`lab_argocd::child_app_of_apps`]).
fn root_name(paths: &ClusterPaths) -> String {
    format!("experiments-{}", paths.name)
}

/// Where the load goes: a lab image's Service (through its node port on a kind cluster), or
/// the query API of a hub component the experiment reuses.
fn target_url(
    exp: &Experiment,
    hub: &Registry,
    clusters: &BTreeMap<&str, ExpCluster>,
) -> Result<String> {
    let Some(load) = &exp.spec.load else {
        return Ok(String::new());
    };
    let field = "/load/target";
    let use_ = exp
        .spec
        .components
        .iter()
        .find(|c| c.id == load.target)
        .ok_or_else(|| spec_error(exp, field, "not among the components"))?;
    let cluster_name = use_
        .cluster
        .as_deref()
        .unwrap_or(exp.target_cluster().name.as_str());
    let cluster = &clusters[cluster_name];
    if use_.id.entry().packaging == Packaging::LabImage {
        let app = demo_apps_in(&exp.name)
            .into_iter()
            .find(|a| a.image == use_.id.as_str())
            .ok_or_else(|| spec_error(exp, field, "no such lab image"))?;
        return match cluster.provider {
            Provider::Hub => Ok(app.url()),
            Provider::Kind => Ok(format!(
                "http://{}-control-plane:{LOAD_NODE_PORT}",
                cluster.paths.name
            )),
            p => Err(spec_error(
                exp,
                field,
                format!(
                    "the hub sends load to kind clusters and to itself; {} is not reachable yet",
                    p.as_str()
                ),
            )),
        };
    }
    if let Some(port) = gateway_lab::node_port(exp, cluster_name, load.target)
        && cluster.provider == Provider::Kind
    {
        return Ok(format!(
            "http://{}-control-plane:{port}",
            cluster.paths.name
        ));
    }
    let url = match load.target {
        ComponentId::Loki => hub.get::<Loki>().map(Loki::url),
        ComponentId::Tempo => hub.get::<Tempo>().map(Tempo::url),
        ComponentId::Mimir => hub.get::<Mimir>().map(Mimir::query_url),
        ComponentId::Seaweedfs => hub.get::<SeaweedFs>().map(SeaweedFs::filer_url),
        _ => None,
    };
    url.filter(|_| cluster.provider == Provider::Hub)
        .ok_or_else(|| {
            spec_error(
                exp,
                field,
                format!(
                    "no URL is known for {} on {cluster_name}; expected a lab image, or loki, \
                 tempo, mimir or seaweedfs on the hub",
                    load.target.as_str()
                ),
            )
        })
}

/// The Grafana folder of every experiment's dashboard.
const DASHBOARD_FOLDER: &str = "Experiments";

/// The experiment's dashboard, from its spec: a panel per comparison measure (one line per
/// subject, the same queries the workflow's table holds) and a stat per check (its
/// expression, the value the check compares). None when the spec has neither.
fn dashboard(exp: &Experiment) -> Option<Dashboard> {
    let mut panels: Vec<PanelSpec> = exp
        .spec
        .comparison
        .iter()
        .flat_map(|t| {
            t.measures.iter().map(|m| PanelSpec {
                kind: PanelKind::Timeseries,
                title: m.title.clone(),
                description: format!(
                    "{} side by side: row {} of the workflow's comparison table.",
                    t.subjects
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    m.name.as_str()
                ),
                unit: m.unit.grafana(),
                queries: t
                    .subjects
                    .iter()
                    .filter_map(|s| {
                        let q = m.queries.get(s.as_str())?;
                        Some((q.clone(), s.as_str().to_owned(), false))
                    })
                    .collect(),
            })
        })
        .collect();
    panels.extend(exp.spec.checks.iter().map(|c| PanelSpec {
        kind: PanelKind::Stat,
        title: format!("check: {}", c.name),
        description: format!(
            "{} Holds when the value is {} {}.",
            c.description,
            c.comparison.as_str(),
            c.value
        ),
        unit: "short",
        queries: vec![(c.expr.clone(), c.name.clone(), false)],
    }));
    if panels.is_empty() {
        return None;
    }
    Some(layout(
        &format!("experiment-{}", exp.name),
        &exp.spec.title,
        &["experiment", &exp.name],
        Vec::new(),
        panels,
    ))
}

/// An `ExperimentCluster` claim on the hub for a cluster of a claim provider.
fn claim(exp: &Experiment, c: &ClusterUse, platform: &str) -> Result<Object> {
    use lab_crossplane::xrd::ExperimentCluster;
    let spec = serde_json::from_value(serde_json::json!({
        "platform": platform,
        "size": c.size,
        "timeToLive": exp.spec.time_to_live,
    }))?;
    Ok(Object::new(&ExperimentCluster {
        metadata: ObjectMeta {
            name: Some(kind::cluster_name(exp, c)),
            namespace: Some(CLAIM_NAMESPACE.to_owned()),
            labels: Some(exp.labels()),
            ..Default::default()
        },
        spec,
    })?)
}

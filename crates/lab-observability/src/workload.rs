//! The demo apps' workloads: a hardened Deployment, a Service whose port `http` serves
//! `/metrics`, a ServiceMonitor, and the app's SLO rules; plus the ServiceMonitor →
//! Prometheus `scrape_config` translation used to scrape an app without the operator.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EnvVar, HTTPGetAction, PodSpec, PodTemplateSpec, Probe,
    ResourceRequirements, Service, ServicePort, ServiceSpec,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use lab_core::Object;
use lab_crds::monitoring_coreos_com::servicemonitors::*;
use lab_model::component::{BuildResult, Context};
use lab_model::{App, Component, Settings, Versions};
use serde::Serialize;

use crate::collectors::OtelCollector;
use crate::signals::{HTTP_RED, RedMetrics};
use crate::slo::{self, Slo};
use lab_kit::pod::{locked_down, restricted_pod};
use lab_kit::service_url;

/// Name of the port serving the app and its `/metrics`.
pub const METRICS_PORT_NAME: &str = "http";
pub const METRICS_PATH: &str = "/metrics";
pub const HEALTH_PATH: &str = "/healthz";
pub const APP_LABEL: &str = "app.kubernetes.io/name";
pub const SCRAPE_INTERVAL: &str = "15s";

/// One demo app and how it runs.
#[derive(Clone, Debug)]
pub struct DemoApp {
    /// Service name, Deployment name and `job` label.
    pub name: &'static str,
    /// Directory under `components/apps/` and image name; several Deployments may share one
    /// image (otel-demo runs as user, order and payment).
    pub image: &'static str,
    pub namespace: String,
    pub port: u16,
    pub replicas: i32,
    /// Serves `/metrics` (gets a ServiceMonitor).
    pub metrics: bool,
    pub red: Option<RedMetrics>,
    /// Extra environment, besides `PORT` and the OTLP endpoint.
    pub env: Vec<(&'static str, String)>,
    /// Sends OTLP traces (gets `OTEL_EXPORTER_OTLP_ENDPOINT` when a collector is known).
    pub traces: bool,
    pub slos: Vec<Slo>,
    /// Also served on this port of every node (a `NodePort` Service), for load from outside
    /// the cluster: an experiment's kind cluster is reached from the hub this way.
    pub node_port: Option<i32>,
}

pub const DEMO_NAMESPACE: &str = "demo";

impl DemoApp {
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            image: name,
            namespace: DEMO_NAMESPACE.into(),
            port: 8080,
            replicas: 1,
            metrics: true,
            red: Some(HTTP_RED),
            env: Vec::new(),
            traces: false,
            slos: Vec::new(),
            node_port: None,
        }
    }

    /// The same app in `namespace` (which its own URLs and SLO rules follow).
    pub fn in_namespace(mut self, namespace: &str) -> Self {
        self.namespace = namespace.to_owned();
        self
    }

    /// An app that serves no `/metrics`: no ServiceMonitor (it would scrape a 404 and leave
    /// `up` at 0) and no RED dashboard.
    pub fn without_metrics(mut self) -> Self {
        self.metrics = false;
        self.red = None;
        self
    }

    /// An app whose metrics are its own, not the HTTP RED set: no RED dashboard.
    pub fn without_red(mut self) -> Self {
        self.red = None;
        self
    }

    /// `http://<name>.<namespace>.svc.cluster.local:<port>`.
    pub fn url(&self) -> String {
        service_url(self.name, &self.namespace, Some(self.port))
    }

    fn labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (APP_LABEL.into(), self.name.into()),
            ("app.kubernetes.io/part-of".into(), "demo-apps".into()),
        ])
    }

    fn meta(&self, name: &str) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(self.namespace.clone()),
            labels: Some(self.labels()),
            ..Default::default()
        }
    }

    /// `ghcr.io/<owner>/<repo>/<app>:<tag>`, the tag (and digest) from `platform/versions.yaml`,
    /// whose repository must be the one the settings imply.
    pub fn image(&self, settings: &Settings, versions: &Versions) -> BuildResult<String> {
        let expected = format!("{}{}", settings.repository.image_prefix(), self.image);
        let image = versions.image(self.image)?;
        if image.repository != expected {
            return Err(format!(
                "platform/versions.yaml: image {} must be {expected}, not {}",
                self.image, image.repository
            )
            .into());
        }
        Ok(image.reference())
    }

    pub fn deployment(&self, image: String, otlp: Option<String>) -> Deployment {
        let mut env = vec![EnvVar {
            name: "PORT".into(),
            value: Some(self.port.to_string()),
            ..Default::default()
        }];
        if let (true, Some(endpoint)) = (self.traces, otlp) {
            env.push(EnvVar {
                name: "OTEL_EXPORTER_OTLP_ENDPOINT".into(),
                value: Some(endpoint),
                ..Default::default()
            });
            env.push(EnvVar {
                name: "OTEL_SERVICE_NAME".into(),
                value: Some(self.name.into()),
                ..Default::default()
            });
        }
        env.extend(self.env.iter().map(|(k, v)| EnvVar {
            name: (*k).into(),
            value: Some(v.clone()),
            ..Default::default()
        }));
        let probe = || Probe {
            http_get: Some(HTTPGetAction {
                path: Some(HEALTH_PATH.into()),
                port: IntOrString::String(METRICS_PORT_NAME.into()),
                ..Default::default()
            }),
            period_seconds: Some(10),
            ..Default::default()
        };
        let quantities = |cpu: &str, mem: &str| {
            BTreeMap::from([
                ("cpu".to_owned(), Quantity(cpu.into())),
                ("memory".to_owned(), Quantity(mem.into())),
            ])
        };
        let selector = BTreeMap::from([(APP_LABEL.to_owned(), self.name.to_owned())]);
        Deployment {
            metadata: self.meta(self.name),
            spec: Some(DeploymentSpec {
                replicas: Some(self.replicas),
                selector: LabelSelector {
                    match_labels: Some(selector),
                    ..Default::default()
                },
                template: PodTemplateSpec {
                    metadata: Some(ObjectMeta {
                        labels: Some(self.labels()),
                        ..Default::default()
                    }),
                    spec: Some(PodSpec {
                        termination_grace_period_seconds: Some(30),
                        containers: vec![Container {
                            name: self.name.into(),
                            image: Some(image),
                            ports: Some(vec![ContainerPort {
                                name: Some(METRICS_PORT_NAME.into()),
                                container_port: self.port.into(),
                                ..Default::default()
                            }]),
                            env: Some(env),
                            readiness_probe: Some(probe()),
                            liveness_probe: Some(probe()),
                            resources: Some(ResourceRequirements {
                                requests: Some(quantities("10m", "32Mi")),
                                limits: Some(quantities("500m", "128Mi")),
                                ..Default::default()
                            }),
                            security_context: Some(locked_down()),
                            ..Default::default()
                        }],
                        ..restricted_pod(true)
                    }),
                },
                ..Default::default()
            }),
            status: None,
        }
    }

    pub fn service(&self) -> Service {
        Service {
            metadata: self.meta(self.name),
            spec: Some(ServiceSpec {
                selector: Some(BTreeMap::from([(APP_LABEL.into(), self.name.into())])),
                ports: Some(vec![ServicePort {
                    name: Some(METRICS_PORT_NAME.into()),
                    port: self.port.into(),
                    target_port: Some(IntOrString::String(METRICS_PORT_NAME.into())),
                    node_port: self.node_port,
                    ..Default::default()
                }]),
                type_: self.node_port.map(|_| "NodePort".to_owned()),
                ..Default::default()
            }),
            status: None,
        }
    }

    pub fn service_monitor(&self) -> ServiceMonitor {
        ServiceMonitor {
            metadata: self.meta(self.name),
            spec: ServiceMonitorSpec {
                job_label: Some(APP_LABEL.into()),
                selector: ServiceMonitorSelector {
                    match_labels: Some(BTreeMap::from([(APP_LABEL.into(), self.name.into())])),
                    ..Default::default()
                },
                namespace_selector: Some(ServiceMonitorNamespaceSelector {
                    match_names: Some(vec![self.namespace.clone()]),
                    ..Default::default()
                }),
                endpoints: vec![ServiceMonitorEndpoints {
                    port: Some(METRICS_PORT_NAME.into()),
                    path: Some(METRICS_PATH.into()),
                    interval: Some(SCRAPE_INTERVAL.into()),
                    scrape_timeout: Some("10s".into()),
                    ..Default::default()
                }],
                ..Default::default()
            },
            status: None,
        }
    }

    /// Every object of the app: Deployment, Service, ServiceMonitor, and all SLOs' rules in
    /// one PrometheusRule.
    pub fn objects(
        &self,
        settings: &Settings,
        versions: &Versions,
        otlp: Option<String>,
    ) -> BuildResult<Vec<Object>> {
        let image = self.image(settings, versions)?;
        let mut out = vec![
            Object::new(&self.deployment(image, otlp))?,
            Object::new(&self.service())?,
        ];
        if self.metrics {
            out.push(Object::new(&self.service_monitor())?);
        }
        if !self.slos.is_empty() {
            // Our own rules only: nothing on the hub installs Pyrra, so its
            // ServiceLevelObjectives would fail the sync (`crd-installed`).
            out.push(Object::new(&slo::prometheus_rule(
                &format!("{}-slos", self.name),
                &self.namespace,
                &self.slos,
            ))?);
        }
        Ok(out)
    }
}

/// Every demo app of the lab, as the hub runs them in [`DEMO_NAMESPACE`].
pub fn demo_apps() -> Vec<DemoApp> {
    demo_apps_in(DEMO_NAMESPACE)
}

/// Every demo app of the lab in `namespace`: the services call each other there.
pub fn demo_apps_in(namespace: &str) -> Vec<DemoApp> {
    let mut metrics_app = DemoApp::new("metrics-app").in_namespace(namespace);
    metrics_app.replicas = 2;
    metrics_app.slos = slo::metrics_app_slos(
        metrics_app.name,
        &metrics_app.namespace,
        metrics_app.red.as_ref(),
    );
    let otel = |name, role: &str, next: Option<(&'static str, &'static str)>| {
        let mut app = DemoApp::new(name).in_namespace(namespace).without_metrics();
        app.image = "otel-demo";
        app.traces = true;
        app.env.push(("SERVICE_ROLE", role.to_owned()));
        if let Some((var, target)) = next {
            app.env
                .push((var, service_url(target, namespace, Some(8080))));
        }
        app
    };
    let user = otel(
        "otel-demo-user",
        "user",
        Some(("ORDER_SERVICE_URL", "otel-demo-order")),
    );
    let order = otel(
        "otel-demo-order",
        "order",
        Some(("PAYMENT_SERVICE_URL", "otel-demo-payment")),
    );
    let payment = otel("otel-demo-payment", "payment", None);
    let mut log_generator = DemoApp::new("log-generator")
        .in_namespace(namespace)
        .without_red();
    log_generator.env.push(("LOG_RATE", "10".into()));
    vec![
        DemoApp::new("hello-app")
            .in_namespace(namespace)
            .without_metrics(),
        metrics_app,
        log_generator,
        DemoApp::new("cardinality-generator")
            .in_namespace(namespace)
            .without_red(),
        DemoApp::new("station-monitor")
            .in_namespace(namespace)
            .without_red(),
        user,
        order,
        payment,
    ]
}

/// A set of demo apps delivered as one Application (`demo-apps`), all in one namespace.
pub struct DemoApps {
    pub namespace: String,
    pub apps: Vec<DemoApp>,
    /// Where traces go when no collector of this cluster is registered: an experiment on the
    /// hub sends them to the hub's collector.
    pub otlp_url: Option<String>,
    /// SLOs as Pyrra `ServiceLevelObjective`s (a cluster that runs Pyrra) instead of the
    /// lab's own recording and burn-rate rules.
    pub pyrra_slos: bool,
}

impl Default for DemoApps {
    fn default() -> Self {
        Self {
            namespace: DEMO_NAMESPACE.to_owned(),
            apps: demo_apps(),
            otlp_url: None,
            pyrra_slos: false,
        }
    }
}

impl Component for DemoApps {
    fn name(&self) -> &str {
        "demo-apps"
    }
    fn namespace(&self) -> &str {
        &self.namespace
    }
    /// What learners run is fenced apart from the platform.
    fn project(&self) -> lab_model::component::Project {
        lab_model::component::Project::Experiments
    }
    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let mut app = App::new(self)?;
        let otlp = ctx
            .find::<OtelCollector>()
            .map(OtelCollector::otlp_http_url)
            .or_else(|| self.otlp_url.clone());
        for demo in &self.apps {
            let mut demo = demo.clone();
            let pyrra = match self.pyrra_slos {
                true => std::mem::take(&mut demo.slos),
                false => Vec::new(),
            };
            app.objects
                .extend(demo.objects(ctx.settings, ctx.versions, otlp.clone())?);
            for slo in &pyrra {
                app.objects.push(Object::new(&slo.pyrra())?);
            }
        }
        Ok(app)
    }
}

// ---------------------------------------------------------------------------------------------
// ServiceMonitor → scrape_config

/// Where the scrape targets come from.
pub enum Discovery {
    /// In a cluster: endpoints of the selected Services, as the operator would configure.
    Kubernetes,
    /// Fixed `host:port` targets (a process on loopback in tests).
    Static(Vec<String>),
}

/// One Prometheus `scrape_configs` entry.
#[derive(Debug, Serialize)]
pub struct ScrapeConfig {
    pub job_name: String,
    pub metrics_path: String,
    pub scrape_interval: String,
    pub scrape_timeout: String,
    pub scheme: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kubernetes_sd_configs: Vec<KubernetesSd>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub static_configs: Vec<StaticConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub relabel_configs: Vec<Relabel>,
}

#[derive(Debug, Serialize)]
pub struct KubernetesSd {
    pub role: &'static str,
    pub namespaces: SdNamespaces,
}

#[derive(Debug, Serialize)]
pub struct SdNamespaces {
    pub names: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct StaticConfig {
    pub targets: Vec<String>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
pub struct Relabel {
    pub source_labels: Vec<String>,
    pub regex: String,
    pub action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_label: Option<String>,
}

/// `__meta_kubernetes_service_label_<name>`: label names with every non-alphanumeric
/// character replaced by `_`, as Prometheus' service discovery does.
fn service_label_meta(label: &str) -> String {
    let clean: String = label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("__meta_kubernetes_service_label_{clean}")
}

/// The scrape configs (one per endpoint) a Prometheus operator would derive from `sm`: same
/// path, interval, timeout, port and `job` label (the value of the Service label named by
/// `jobLabel`, else the Service name).
pub fn scrape_configs(
    sm: &ServiceMonitor,
    discovery: &Discovery,
) -> BuildResult<Vec<ScrapeConfig>> {
    let name = sm.metadata.name.clone().unwrap_or_default();
    let namespace = sm.metadata.namespace.clone().unwrap_or_default();
    let labels = sm.spec.selector.match_labels.clone().unwrap_or_default();
    let namespaces = sm
        .spec
        .namespace_selector
        .as_ref()
        .and_then(|n| n.match_names.clone())
        .unwrap_or_else(|| vec![namespace.clone()]);
    let job = match &sm.spec.job_label {
        Some(l) => labels
            .get(l)
            .cloned()
            .ok_or_else(|| format!("ServiceMonitor {name}: jobLabel {l} is not in its selector"))?,
        None => name.clone(),
    };
    let mut out = Vec::new();
    for (i, ep) in sm.spec.endpoints.iter().enumerate() {
        let port = ep
            .port
            .clone()
            .ok_or_else(|| format!("ServiceMonitor {name}: endpoint {i} names no port"))?;
        let mut config = ScrapeConfig {
            job_name: format!("serviceMonitor/{namespace}/{name}/{i}"),
            metrics_path: ep.path.clone().unwrap_or_else(|| METRICS_PATH.into()),
            scrape_interval: ep.interval.clone().unwrap_or_else(|| "30s".into()),
            scrape_timeout: ep.scrape_timeout.clone().unwrap_or_else(|| "10s".into()),
            scheme: "http".into(),
            kubernetes_sd_configs: Vec::new(),
            static_configs: Vec::new(),
            relabel_configs: Vec::new(),
        };
        match discovery {
            Discovery::Static(targets) => config.static_configs.push(StaticConfig {
                targets: targets.clone(),
                labels: BTreeMap::from([
                    ("job".into(), job.clone()),
                    ("namespace".into(), namespace.clone()),
                ]),
            }),
            Discovery::Kubernetes => {
                config.kubernetes_sd_configs.push(KubernetesSd {
                    role: "endpoints",
                    namespaces: SdNamespaces {
                        names: namespaces.clone(),
                    },
                });
                for (label, value) in &labels {
                    config.relabel_configs.push(Relabel {
                        source_labels: vec![service_label_meta(label)],
                        regex: value.clone(),
                        action: "keep",
                        target_label: None,
                    });
                }
                config.relabel_configs.push(Relabel {
                    source_labels: vec!["__meta_kubernetes_endpoint_port_name".into()],
                    regex: port,
                    action: "keep",
                    target_label: None,
                });
                let copy = |source: String, target: &str| Relabel {
                    source_labels: vec![source],
                    regex: "(.+)".into(),
                    action: "replace",
                    target_label: Some(target.into()),
                };
                config
                    .relabel_configs
                    .push(copy("__meta_kubernetes_namespace".into(), "namespace"));
                config
                    .relabel_configs
                    .push(copy("__meta_kubernetes_pod_name".into(), "pod"));
                let job_source = match &sm.spec.job_label {
                    Some(l) => service_label_meta(l),
                    None => "__meta_kubernetes_service_name".into(),
                };
                config.relabel_configs.push(copy(job_source, "job"));
            }
        }
        out.push(config);
    }
    Ok(out)
}

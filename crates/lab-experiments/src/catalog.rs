//! The component catalog: every reusable component an experiment may deploy, as data. An
//! experiment names components by id; the catalog says what each one is, how it is packaged and
//! which entry of `platform/versions.yaml` pins it. Versions live only there.

use lab_model::Versions;
use lab_model::versions::MissingVersion;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The family a component belongs to (the original lab's `components/<family>/` folders).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Apps,
    Chaos,
    Core,
    Infrastructure,
    Messaging,
    Observability,
    Storage,
    Testing,
    Workflows,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Apps => "apps",
            Family::Chaos => "chaos",
            Family::Core => "core",
            Family::Infrastructure => "infrastructure",
            Family::Messaging => "messaging",
            Family::Observability => "observability",
            Family::Storage => "storage",
            Family::Testing => "testing",
            Family::Workflows => "workflows",
        }
    }
}

/// How a component reaches a cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Packaging {
    /// An upstream Helm chart, pinned under `charts:`.
    HelmChart,
    /// One of this repository's demo apps (`components/apps/`), pinned under `images:`.
    LabImage,
    /// Kubernetes objects built in Rust around an upstream image pinned under `images:`.
    Manifests,
}

impl Packaging {
    pub fn as_str(self) -> &'static str {
        match self {
            Packaging::HelmChart => "helm chart",
            Packaging::LabImage => "lab image",
            Packaging::Manifests => "manifests",
        }
    }
}

/// The key of a component's pin in `platform/versions.yaml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Pin {
    /// `charts.<key>`.
    Chart(&'static str),
    /// `images.<key>`.
    Image(&'static str),
}

impl Pin {
    /// The pinned version, or the error naming the missing key.
    pub fn version(self, versions: &Versions) -> Result<String, MissingVersion> {
        match self {
            Pin::Chart(key) => versions.chart(key).map(|c| c.version),
            Pin::Image(key) => versions.image(key).map(|i| i.tag.clone()),
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Pin::Chart(k) | Pin::Image(k) => k,
        }
    }
}

/// One catalog entry.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Entry {
    pub id: ComponentId,
    /// One line: what it is.
    pub description: &'static str,
    pub family: Family,
    pub packaging: Packaging,
    pub pin: Pin,
    /// Environment variables a lab image documents and an experiment may set.
    pub env: &'static [&'static str],
}

macro_rules! catalog {
    ($($variant:ident = $id:literal {
        $description:literal, $family:ident, $packaging:ident, $pin:ident($key:literal),
        env [$($env:literal),*] $(,)?
    }),* $(,)?) => {
        /// A catalog id (`cargo xtask list components` lists them with their descriptions).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema)]
        pub enum ComponentId {
            $(#[serde(rename = $id)] $variant,)*
        }

        impl ComponentId {
            pub fn as_str(self) -> &'static str {
                match self { $(ComponentId::$variant => $id,)* }
            }
        }

        /// Every entry, in catalog order.
        pub const CATALOG: &[Entry] = &[$(Entry {
            id: ComponentId::$variant,
            description: $description,
            family: Family::$family,
            packaging: Packaging::$packaging,
            pin: Pin::$pin($key),
            env: &[$($env),*],
        },)*];
    };
}

catalog! {
    // This repository's demo apps (components/apps).
    HelloApp = "hello-app" {
        "Minimal JSON hello service: the first workload and a smoke-test target.",
        Apps, LabImage, Image("hello-app"), env ["APP_NAME"],
    },
    MetricsApp = "metrics-app" {
        "RED-instrumented HTTP service with slow and failing routes and an error-rate knob.",
        Apps, LabImage, Image("metrics-app"), env ["ERROR_RATE", "VERSION"],
    },
    LogGenerator = "log-generator" {
        "Structured JSON log emitter with adjustable rate, level mix and service count.",
        Apps, LabImage, Image("log-generator"), env ["LOG_RATE", "LOG_LEVELS", "LOG_SERVICES"],
    },
    StationMonitor = "station-monitor" {
        "Story-driven station whose Sector 12 degrades: metrics, alerts and a dashboard to investigate.",
        Apps, LabImage, Image("station-monitor"), env ["STATION_TICK_SECONDS", "LATENCY_SCALE"],
    },
    OtelDemo = "otel-demo" {
        "Three services (user, order, payment) in one image, traced with OpenTelemetry across calls.",
        Apps, LabImage, Image("otel-demo"), env ["ERROR_RATE", "OTEL_BSP_SCHEDULE_DELAY"],
    },
    CardinalityGenerator = "cardinality-generator" {
        "Metric series generator with switchable cardinality (1k, 10k, 50k series).",
        Apps, LabImage, Image("cardinality-generator"), env ["CARDINALITY_LEVEL"],
    },
    HttpEcho = "http-echo" {
        "hashicorp/http-echo: a static HTTP responder, the original lab's baseline target.",
        Apps, Manifests, Image("http-echo"), env [],
    },
    GoHttpbin = "go-httpbin" {
        "go-httpbin: an HTTP request and response inspector for routing experiments.",
        Apps, Manifests, Image("go-httpbin"), env [],
    },
    Nginx = "nginx" {
        "nginx serving static content, a web backend for gateway experiments.",
        Apps, Manifests, Image("nginx"), env [],
    },
    // Hub components an experiment may install on its own cluster.
    ArgoCd = "argo-cd" {
        "Argo CD, the GitOps engine (the hub's; an orchestrator cluster may run its own).",
        Core, HelmChart, Chart("argo-cd"), env [],
    },
    CertManager = "cert-manager" {
        "cert-manager: certificates from issuers (self-signed, CA, ACME).",
        Core, HelmChart, Chart("cert-manager"), env [],
    },
    Traefik = "traefik" {
        "Traefik as ingress and Gateway API controller.",
        Core, HelmChart, Chart("traefik"), env [],
    },
    ArgocdImageUpdater = "argocd-image-updater" {
        "Argo CD Image Updater: finds new image digests and commits them to git.",
        Core, HelmChart, Chart("argocd-image-updater"), env [],
    },
    Kyverno = "kyverno" {
        "Kyverno policy engine (admission, mutation, image verification).",
        Core, HelmChart, Chart("kyverno"), env [],
    },
    MetricsServer = "metrics-server" {
        "metrics-server: resource metrics for kubectl top and the HPA.",
        Core, HelmChart, Chart("metrics-server"), env [],
    },
    ExternalSecrets = "external-secrets" {
        "External Secrets Operator: Secrets synced from a store such as OpenBao.",
        Core, HelmChart, Chart("external-secrets"), env [],
    },
    Openbao = "openbao" {
        "OpenBao secret store (the hub's source of every credential).",
        Core, HelmChart, Chart("openbao"), env [],
    },
    Headlamp = "headlamp" {
        "Headlamp, a web UI for the cluster.",
        Core, HelmChart, Chart("headlamp"), env [],
    },
    Metallb = "metallb" {
        "MetalLB: LoadBalancer addresses on bare metal and kind.",
        Infrastructure, HelmChart, Chart("metallb"), env [],
    },
    Crossplane = "crossplane" {
        "Crossplane core: compositions that claim clusters and buckets.",
        Infrastructure, HelmChart, Chart("crossplane"), env [],
    },
    PrometheusOperatorCrds = "prometheus-operator-crds" {
        "The Prometheus Operator's CRDs alone (ServiceMonitor, PrometheusRule) without a Prometheus.",
        Observability, HelmChart, Chart("prometheus-operator-crds"), env [],
    },
    KubePrometheusStack = "kube-prometheus-stack" {
        "Prometheus, Alertmanager, Grafana and the Prometheus Operator in one chart.",
        Observability, HelmChart, Chart("kube-prometheus-stack"), env [],
    },
    Loki = "loki" {
        "Grafana Loki log store.",
        Observability, HelmChart, Chart("loki"), env [],
    },
    Tempo = "tempo" {
        "Grafana Tempo trace store (OTLP in, TraceQL out).",
        Observability, HelmChart, Chart("tempo"), env [],
    },
    Mimir = "mimir" {
        "Grafana Mimir, long-term Prometheus-compatible metrics.",
        Observability, HelmChart, Chart("mimir-distributed"), env [],
    },
    Grafana = "grafana" {
        "Grafana with datasources and dashboards.",
        Observability, HelmChart, Chart("grafana"), env [],
    },
    Alloy = "alloy" {
        "Grafana Alloy: collects pod logs (and metrics) and ships them to Loki and Mimir.",
        Observability, HelmChart, Chart("alloy"), env [],
    },
    OtelCollector = "otel-collector" {
        "OpenTelemetry Collector: receives OTLP and forwards traces to Tempo.",
        Observability, HelmChart, Chart("opentelemetry-collector"), env [],
    },
    Pyrra = "pyrra" {
        "Pyrra: turns ServiceLevelObjectives into burn-rate rules and shows error budgets.",
        Observability, HelmChart, Chart("pyrra"), env [],
    },
    Promtail = "promtail" {
        "Promtail log shipper (the original lab's; Alloy replaces it on the hub).",
        Observability, HelmChart, Chart("promtail"), env [],
    },
    Jaeger = "jaeger" {
        "Jaeger all-in-one tracing backend, to compare with Tempo.",
        Observability, HelmChart, Chart("jaeger"), env [],
    },
    FluentBit = "fluent-bit" {
        "Fluent Bit log shipper (to Elasticsearch in the ELK experiments).",
        Observability, HelmChart, Chart("fluent-bit"), env [],
    },
    EckOperator = "eck-operator" {
        "Elastic Cloud on Kubernetes operator.",
        Observability, HelmChart, Chart("eck-operator"), env [],
    },
    EckStack = "eck-stack" {
        "Elasticsearch, Kibana and Beats managed by ECK.",
        Observability, HelmChart, Chart("eck-stack"), env [],
    },
    Elasticsearch = "elasticsearch" {
        "A single-node Elasticsearch from its upstream image (the original lab's raw variant).",
        Observability, Manifests, Image("elasticsearch"), env [],
    },
    Kibana = "kibana" {
        "Kibana from its upstream image, beside the raw Elasticsearch.",
        Observability, Manifests, Image("kibana"), env [],
    },
    VictoriaMetrics = "victoria-metrics" {
        "VictoriaMetrics single-node time-series database.",
        Observability, HelmChart, Chart("victoria-metrics-single"), env [],
    },
    // Traffic.
    Contour = "contour" {
        "Contour (Envoy) as Gateway API controller, the original lab's lab-gateway.",
        Core, HelmChart, Chart("contour"), env [],
    },
    EnvoyGateway = "envoy-gateway" {
        "Envoy Gateway, the Gateway API reference implementation on Envoy.",
        Core, HelmChart, Chart("gateway-helm"), env [],
    },
    NginxGatewayFabric = "nginx-gateway-fabric" {
        "NGINX Gateway Fabric: the Gateway API on NGINX, one data plane per Gateway.",
        Core, HelmChart, Chart("nginx-gateway-fabric"), env [],
    },
    IngressNginx = "ingress-nginx" {
        "ingress-nginx controller, for the Ingress-to-Gateway-API story.",
        Core, HelmChart, Chart("ingress-nginx"), env [],
    },
    // Infrastructure, messaging, chaos, storage, testing, workflows.
    Keda = "keda" {
        "KEDA event-driven autoscaler.",
        Infrastructure, HelmChart, Chart("keda"), env [],
    },
    StrimziKafkaOperator = "strimzi-kafka-operator" {
        "Strimzi operator: Kafka clusters and topics as custom resources.",
        Messaging, HelmChart, Chart("strimzi-kafka-operator"), env [],
    },
    Rabbitmq = "rabbitmq" {
        "RabbitMQ broker with the management and Prometheus plugins.",
        Messaging, HelmChart, Chart("rabbitmq"), env [],
    },
    ChaosMesh = "chaos-mesh" {
        "Chaos Mesh fault injection (pod, network, IO chaos).",
        Chaos, HelmChart, Chart("chaos-mesh"), env [],
    },
    Seaweedfs = "seaweedfs" {
        "SeaweedFS object store with an S3 gateway.",
        Storage, HelmChart, Chart("seaweedfs"), env [],
    },
    Minio = "minio" {
        "MinIO standalone S3 store.",
        Storage, HelmChart, Chart("minio"), env [],
    },
    K6Operator = "k6-operator" {
        "Grafana k6-operator: runs k6 TestRuns inside the cluster.",
        Testing, HelmChart, Chart("k6-operator"), env [],
    },
    ArgoWorkflows = "argo-workflows" {
        "Argo Workflows: runs each experiment's lifecycle (the hub's).",
        Workflows, HelmChart, Chart("argo-workflows"), env [],
    },
}

impl ComponentId {
    /// This id's catalog entry. Every id has exactly one (checked by a test).
    pub fn entry(self) -> &'static Entry {
        CATALOG
            .iter()
            .find(|e| e.id == self)
            .unwrap_or_else(|| unreachable!("the catalog! macro makes one entry per id"))
    }
}

/// Images the lifecycle workflow itself runs (not components): the key in `images:`.
pub mod images {
    /// k6, for the load step and the k6-operator's runner.
    pub const K6: &str = "k6";
    /// kubectl, for waiting on Applications, writing the report and cleaning up.
    pub const KUBECTL: &str = "kubectl";
    /// Prometheus, whose `promtool query instant` evaluates the checks.
    pub const PROMETHEUS: &str = "prometheus";
    /// kind's node image, for an experiment's local kind cluster.
    pub const KIND_NODE: &str = "kind-node";
}

/// Every catalog pin and workflow image missing from `versions`, one error each.
pub fn missing_pins(versions: &Versions) -> Vec<MissingVersion> {
    let workflow = [
        images::K6,
        images::KUBECTL,
        images::PROMETHEUS,
        images::KIND_NODE,
    ]
    .map(Pin::Image);
    CATALOG
        .iter()
        .map(|e| e.pin)
        .chain(workflow)
        .filter_map(|pin| pin.version(versions).err())
        .collect()
}

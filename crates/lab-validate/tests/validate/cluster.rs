//! The cluster rules on minimal trees: for each rule, a tree that makes it fire and the
//! smallest change that makes it pass.

use lab_core::{Artifact, Format, ObjectId, RelPath, Tree};
use lab_model::Settings;
use lab_validate::cluster::{self, Facts};
use serde_json::{Value, json};

const REPO: &str = "https://github.com/illMadeCoder/illm-k8s-ai-lab.git";
const IMAGE: &str = "ghcr.io/illmadecoder/illm-k8s-ai-lab";
const WORKFLOW: &str = r#"
      - id: image
        run: |
          echo "tag=sha-${SHA::7}" >> "$GITHUB_OUTPUT"
      - run: docker build --tag "$IMAGE:$TAG" --tag "$IMAGE:main" .
"#;

fn settings() -> Settings {
    serde_json::from_value(json!({
        "repository": {"url": REPO, "revision": "main"},
        "hub": {"clusterName": "hub", "baseDomain": "lab.local"},
    }))
    .unwrap()
}

fn facts() -> Facts {
    Facts {
        build_workflow: WORKFLOW.into(),
        ..Facts::default()
    }
}

/// A tree under construction: a kind hub and what each test adds.
struct Lab {
    tree: Tree,
    facts: Facts,
}

impl Lab {
    fn new() -> Self {
        let mut lab = Self {
            tree: Tree::new(),
            facts: facts(),
        };
        lab.add(
            "hub/bootstrap/kind-cluster.yaml",
            Format::KindConfig,
            json!({"kind": "Cluster"}),
        );
        // The bootstrap installs ArgoCD (its CRDs, its namespace) before anything syncs.
        lab.add(
            "hub/bootstrap/bootstrap.env",
            Format::DotEnv,
            json!({"ARGOCD_CHART": "argo-cd", "ARGOCD_CHART_VERSION": "9.6.0", "ARGOCD_NAMESPACE": "argocd"}),
        );
        lab
    }

    fn add(&mut self, path: &str, format: Format, doc: Value) -> &mut Self {
        let object = (format == Format::Object).then(|| ObjectId::from_value(&doc).unwrap());
        self.tree
            .add(Artifact {
                path: RelPath::new(path).unwrap(),
                format,
                documents: vec![doc],
                object,
            })
            .unwrap();
        self
    }

    /// An Application `name` on `cluster` in `wave`, deploying to `namespace` (created), with
    /// an optional pinned chart (and its values) and its own folder.
    fn app(
        &mut self,
        cluster: &str,
        name: &str,
        wave: i64,
        namespace: &str,
        chart: Option<(&str, &str)>,
        values: Option<Value>,
    ) -> &mut Self {
        let mut sources = Vec::new();
        if let Some((chart, version)) = chart {
            let mut source = json!({"chart": chart, "repoURL": "https://charts.example", "targetRevision": version, "helm": {"releaseName": name}});
            if let Some(v) = values {
                let path = format!("{cluster}/values/{name}.yaml");
                source["helm"]["valueFiles"] = json!([format!("$values/generated/{path}")]);
                self.add(&path, Format::HelmValues, v);
            }
            sources.push(source);
        }
        sources.push(json!({"path": format!("generated/{cluster}/{name}"), "repoURL": REPO, "targetRevision": "main"}));
        self.add(
            &format!("{cluster}/apps/application-{name}.yaml"),
            Format::Object,
            json!({
                "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                "metadata": {"name": name, "namespace": "argocd", "annotations": {"argocd.argoproj.io/sync-wave": wave.to_string()}},
                "spec": {"destination": {"namespace": namespace}, "sources": sources,
                         "syncPolicy": {"syncOptions": ["CreateNamespace=true"]}},
            }),
        )
    }

    /// `doc` as an object of Application `app` on `cluster`.
    fn obj(&mut self, cluster: &str, app: &str, doc: Value) -> &mut Self {
        let id = ObjectId::from_value(&doc).unwrap();
        self.add(
            &format!("{cluster}/{app}/{}", id.file_name()),
            Format::Object,
            doc,
        )
    }

    /// Findings of `rule`, as `object: message` lines, and how many objects it checked.
    fn run(&self, rule: &str) -> (Vec<String>, usize) {
        let out = cluster::check(&self.tree, &settings(), &self.facts);
        let findings = out
            .findings
            .iter()
            .filter(|f| f.rule == rule)
            .map(|f| {
                format!(
                    "{} {}: {}",
                    f.path,
                    f.object.clone().unwrap_or_default(),
                    f.message
                )
            })
            .collect();
        let checked = out
            .stats
            .iter()
            .find(|s| s.rule == rule)
            .map(|s| s.checked)
            .unwrap();
        (findings, checked)
    }

    /// Asserts `rule` checked something and found exactly `n` problems, each containing `what`.
    fn expect(&self, rule: &str, n: usize, what: &str) {
        let (findings, checked) = self.run(rule);
        assert!(checked > 0, "{rule} checked nothing");
        assert_eq!(findings.len(), n, "{rule}: {findings:#?}");
        for f in &findings {
            assert!(f.contains(what), "{rule}: {f:?} does not mention {what:?}");
        }
    }
}

fn obj(api: &str, kind: &str, ns: &str, name: &str) -> Value {
    json!({"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": ns}})
}

fn service(ns: &str, name: &str, port: u16) -> Value {
    json!({"apiVersion": "v1", "kind": "Service",
           "metadata": {"name": name, "namespace": ns, "labels": {"app.kubernetes.io/name": name}},
           "spec": {"selector": {"app.kubernetes.io/name": name}, "ports": [{"name": "http", "port": port}]}})
}

fn deployment(ns: &str, name: &str, image: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
           "spec": {"template": {"metadata": {"labels": {"app.kubernetes.io/name": name}},
                                 "spec": {"containers": [{"name": name, "image": image}]}}}})
}

#[test]
fn crd_installed_needs_an_earlier_installer_serving_the_version() {
    let monitor = obj("monitoring.coreos.com/v1", "ServiceMonitor", "demo", "m");
    let mut lab = Lab::new();
    lab.app("hub", "demo", 1, "demo", None, None)
        .obj("hub", "demo", monitor.clone());
    lab.expect("crd-installed", 1, "nothing on cluster hub installs");

    lab.app(
        "hub",
        "crds",
        1,
        "kube-system",
        Some(("prometheus-operator-crds", "31.0.0")),
        None,
    );
    lab.expect("crd-installed", 1, "not before this object's wave 1");

    let mut lab = Lab::new();
    lab.app(
        "hub",
        "crds",
        0,
        "kube-system",
        Some(("prometheus-operator-crds", "31.0.0")),
        None,
    );
    lab.app("hub", "demo", 1, "demo", None, None)
        .obj("hub", "demo", monitor);
    lab.expect("crd-installed", 0, "");

    lab.obj(
        "hub",
        "demo",
        obj("monitoring.coreos.com/v9", "PodMonitor", "demo", "p"),
    );
    lab.expect("crd-installed", 1, "monitoring.coreos.com/v9 is not served");
}

#[test]
fn a_charts_own_service_monitor_waits_for_its_crd() {
    let seaweedfs = |lab: &mut Lab, wave, monitoring: bool| {
        lab.app(
            "hub",
            "seaweedfs",
            wave,
            "seaweedfs",
            Some(("seaweedfs", "4.0.404")),
            Some(json!({"global": {"monitoring": {"enabled": monitoring}}})),
        );
    };
    let crds = |lab: &mut Lab, wave| {
        lab.app(
            "hub",
            "crds",
            wave,
            "kube-system",
            Some(("prometheus-operator-crds", "31.0.0")),
            None,
        );
    };
    // Monitoring on, no CRDs anywhere: the chart's ServiceMonitors cannot be applied.
    let mut lab = Lab::new();
    seaweedfs(&mut lab, 0, true);
    lab.expect(
        "crd-installed",
        1,
        "chart seaweedfs renders a monitoring.coreos.com ServiceMonitor (/global/monitoring/enabled is true)",
    );
    // The CRDs in the same wave are not yet there either.
    crds(&mut lab, 0);
    lab.expect("crd-installed", 1, "before wave 0");

    // A wave later, or monitoring off, it syncs.
    let mut lab = Lab::new();
    crds(&mut lab, 0);
    seaweedfs(&mut lab, 1, true);
    lab.expect("crd-installed", 0, "");
    let mut lab = Lab::new();
    seaweedfs(&mut lab, 0, false);
    lab.expect("crd-installed", 0, "");
}

#[test]
fn crd_installed_knows_each_chart_at_its_pinned_version() {
    let mut lab = Lab::new();
    lab.app(
        "hub",
        "crds",
        0,
        "kube-system",
        Some(("prometheus-operator-crds", "99.0.0")),
        None,
    );
    lab.expect("crd-installed", 1, "describes 31.0.0");
    let mut lab = Lab::new();
    lab.app("hub", "x", 0, "x", Some(("no-such-chart", "1.0.0")), None);
    lab.expect("crd-installed", 1, "not described");
}

#[test]
fn storage_classes_exist_on_their_cluster() {
    let mut lab = Lab::new();
    lab.app(
        "hub",
        "loki",
        0,
        "o",
        Some(("loki", "6.28.0")),
        Some(json!({"persistence": {"storageClass": "local-path"}})),
    );
    lab.expect(
        "storage-class-exists",
        1,
        "local-path does not exist on hub",
    );

    let mut lab = Lab::new();
    lab.app(
        "hub",
        "loki",
        0,
        "o",
        Some(("loki", "6.28.0")),
        Some(json!({"persistence": {"storageClass": "standard"}})),
    );
    lab.expect("storage-class-exists", 0, "");

    // Talos ships no class: a rendered one is needed.
    lab.add("targets/t/controlplane.yaml", Format::TalosPatch, json!({}));
    lab.app("targets/t", "data", 0, "d", None, None).obj(
        "targets/t",
        "data",
        json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "c", "namespace": "d"},
               "spec": {"storageClassName": "standard"}}),
    );
    lab.expect(
        "storage-class-exists",
        1,
        "standard does not exist on targets/t",
    );
    lab.obj("targets/t", "data", json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "standard"}, "provisioner": "x"}));
    lab.expect("storage-class-exists", 0, "");
}

#[test]
fn lab_images_use_tags_the_workflow_pushes() {
    let mut lab = Lab::new();
    lab.app("hub", "demo", 0, "demo", None, None).obj(
        "hub",
        "demo",
        deployment("demo", "a", &format!("{IMAGE}/a:0.1.0")),
    );
    lab.expect("image-published", 1, "tag 0.1.0 is never pushed");

    let mut lab = Lab::new();
    lab.app("hub", "demo", 0, "demo", None, None)
        .obj(
            "hub",
            "demo",
            deployment("demo", "a", &format!("{IMAGE}/a:sha-0123abc")),
        )
        .obj(
            "hub",
            "demo",
            deployment(
                "demo",
                "b",
                &format!("{IMAGE}/b:main@sha256:{}", "0".repeat(64)),
            ),
        )
        .obj(
            "hub",
            "demo",
            deployment("demo", "c", "docker.io/library/nginx:1.0"),
        );
    lab.expect("image-published", 0, "");

    lab.facts.build_workflow = "run: docker build .".into();
    let (findings, _) = lab.run("image-published");
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(findings[0].contains("which tags the lab's images get is unknown"));
}

/// Mimir behind its gateway, Grafana reading it, the demo app and its monitor.
fn observed(alloy_config: &str) -> Lab {
    observed_with(alloy_config, json!({"ruler": {"enabled": true}}))
}

fn observed_with(alloy_config: &str, mimir_values: Value) -> Lab {
    let mut lab = Lab::new();
    lab.app(
        "hub",
        "crds",
        0,
        "kube-system",
        Some(("prometheus-operator-crds", "31.0.0")),
        None,
    );
    lab.app(
        "hub",
        "mimir",
        1,
        "observability",
        Some(("mimir-distributed", "5.6.0")),
        Some(mimir_values),
    );
    lab.app(
        "hub",
        "grafana",
        1,
        "observability",
        Some(("grafana", "10.5.5")),
        Some(json!({"datasources": {"datasources.yaml": {"datasources": [
            {"type": "prometheus", "url": "http://mimir-gateway.observability.svc.cluster.local/prometheus"}]}}})),
    );
    lab.app(
        "hub",
        "alloy",
        1,
        "observability",
        Some(("alloy", "1.5.3")),
        Some(json!({"alloy": {"configMap": {"content": alloy_config}}})),
    );
    lab.app("hub", "demo", 1, "demo", None, None)
        .obj("hub", "demo", service("demo", "app", 8080))
        .obj("hub", "demo", deployment("demo", "app", "docker.io/library/nginx:1.0"))
        .obj(
            "hub",
            "demo",
            json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": {"name": "app", "namespace": "demo"},
                   "spec": {"jobLabel": "app.kubernetes.io/name", "selector": {"matchLabels": {"app.kubernetes.io/name": "app"}},
                            "endpoints": [{"port": "http"}]}}),
        )
        .obj(
            "hub",
            "grafana",
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "dash", "namespace": "observability", "labels": {"grafana_dashboard": "1"}},
                   "data": {"d.json": r#"{"panels": [{"targets": [{"expr": "sum(rate(http_requests_total{job=\"app\"}[5m]))"}]}]}"#}}),
        )
        .obj(
            "hub",
            "demo",
            json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule", "metadata": {"name": "r", "namespace": "demo"}, "spec": {"groups": []}}),
        );
    lab
}

const SCRAPE: &str = r#"prometheus.operator.servicemonitors "all" { forward_to = [prometheus.remote_write.mimir.receiver] }
prometheus.remote_write "mimir" { endpoint { url = "http://mimir-gateway.observability.svc.cluster.local/api/v1/push" } }
"#;
const RULES: &str = r#"mimir.rules.kubernetes "all" { address = "http://mimir-gateway.observability.svc.cluster.local" }
"#;

#[test]
fn monitors_are_scraped_into_a_store_grafana_reads() {
    let lab = observed("");
    lab.expect("monitor-scraped", 1, "no scraper on hub selects");
    lab.expect("dashboard-series", 1, "job=\"app\"");

    let lab = observed(&SCRAPE.replace("mimir-gateway", "mimir-distributor"));
    // The scraper itself and its monitor: written where Grafana does not read.
    lab.expect("monitor-scraped", 2, "Grafana");

    let lab = observed(SCRAPE);
    lab.expect("monitor-scraped", 0, "");
    lab.expect("dashboard-series", 0, "");
}

#[test]
fn mimir_needs_a_tenant_or_none() {
    // The chart's default: multitenancy on, and no client sends a tenant.
    let lab = observed(SCRAPE);
    lab.expect("mimir-tenant", 1, "X-Scope-OrgID");

    let lab = observed_with(
        SCRAPE,
        json!({"mimir": {"structuredConfig": {"multitenancy_enabled": false}}}),
    );
    lab.expect("mimir-tenant", 0, "");
}

#[test]
fn rules_are_evaluated() {
    let lab = observed(SCRAPE);
    lab.expect("rule-evaluated", 1, "nothing on hub evaluates");
    let lab = observed(&format!("{SCRAPE}{RULES}"));
    lab.expect("rule-evaluated", 0, "");

    let mut lab = observed(&format!("{SCRAPE}{RULES}"));
    lab.obj(
        "hub",
        "demo",
        obj("pyrra.dev/v1alpha1", "ServiceLevelObjective", "demo", "slo"),
    );
    lab.expect("rule-evaluated", 1, "no Pyrra runs on hub");
}

#[test]
fn a_remote_prometheus_must_write_where_grafana_reads() {
    let values = |remote: Value| json!({"prometheus": {"prometheusSpec": {"remoteWrite": remote}}});
    let mut lab = observed(SCRAPE);
    lab.add("targets/t/controlplane.yaml", Format::TalosPatch, json!({}));
    lab.app(
        "targets/t",
        "kps",
        0,
        "monitoring",
        Some(("kube-prometheus-stack", "79.9.0")),
        Some(values(json!([]))),
    );
    lab.expect("monitor-scraped", 1, "neither is nor remote-writes");

    let mut lab = observed(SCRAPE);
    lab.add("targets/t/controlplane.yaml", Format::TalosPatch, json!({}));
    lab.app(
        "targets/t",
        "kps",
        0,
        "monitoring",
        Some(("kube-prometheus-stack", "79.9.0")),
        Some(values(
            json!([{"url": "https://mimir.lab.local/api/v1/push"}]),
        )),
    );
    lab.obj(
        "hub",
        "mimir",
        json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "mimir", "namespace": "observability"},
               "spec": {"hostnames": ["mimir.lab.local"], "rules": [{"backendRefs": [{"name": "mimir-gateway", "port": 80}]}]}}),
    );
    lab.expect("monitor-scraped", 0, "");
}

#[test]
fn urls_name_existing_services_and_ports() {
    let mut lab = Lab::new();
    lab.app("hub", "demo", 0, "demo", None, None)
        .obj("hub", "demo", service("demo", "app", 8080))
        .obj(
            "hub",
            "demo",
            deployment("demo", "app", "docker.io/library/nginx:1.0"),
        );
    lab.app(
        "hub",
        "otel",
        0,
        "o",
        Some(("opentelemetry-collector", "0.140.0")),
        Some(json!({
            "fullnameOverride": "otel-collector",
            "a": "http://app.demo.svc.cluster.local:8080/x",
            "b": "app.demo.svc:9999",
            "c": "http://nope.demo.svc.cluster.local",
            "d": "http://otel-collector.o.svc.cluster.local:4318",
        })),
    );
    lab.expect("ref-service", 2, "demo");
    let (findings, _) = lab.run("ref-service");
    assert!(
        findings.iter().any(|f| f.contains("no port 9999")),
        "{findings:?}"
    );
    assert!(
        findings.iter().any(|f| f.contains("no Service demo/nope")),
        "{findings:?}"
    );
}

#[test]
fn route_backends_resolve() {
    let route = |port: u16| {
        json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "r", "namespace": "demo"},
               "spec": {"hostnames": ["app.lab.local"], "rules": [{"backendRefs": [{"name": "app", "port": port}]}]}})
    };
    let mut lab = Lab::new();
    lab.app("hub", "demo", 0, "demo", None, None)
        .obj("hub", "demo", service("demo", "app", 8080))
        .obj("hub", "demo", route(80));
    lab.expect("ref-service", 1, "route backend");
    let mut lab = Lab::new();
    lab.app("hub", "demo", 0, "demo", None, None)
        .obj("hub", "demo", service("demo", "app", 8080))
        .obj("hub", "demo", route(8080));
    lab.expect("ref-service", 0, "");
}

#[test]
fn selectors_match_labels_that_exist() {
    let mut lab = Lab::new();
    lab.app("hub", "demo", 0, "demo", None, None)
        .obj("hub", "demo", service("demo", "app", 8080));
    lab.expect("ref-selector", 1, "matches no pod template");
    lab.obj(
        "hub",
        "demo",
        deployment("demo", "app", "docker.io/library/nginx:1.0"),
    );
    lab.expect("ref-selector", 0, "");
    lab.obj(
        "hub",
        "demo",
        json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": {"name": "m", "namespace": "demo"},
               "spec": {"selector": {"matchLabels": {"app.kubernetes.io/name": "app"}}, "endpoints": [{"port": "metrics"}]}}),
    );
    lab.expect("ref-selector", 1, "port metrics is not a named port");
}

#[test]
fn a_selector_on_a_rendered_gateways_name_matches_its_proxies() {
    let proxy_service = |gateway: &str| {
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "gw-nodeport", "namespace": "demo"},
               "spec": {"type": "NodePort", "selector": {"gateway.networking.k8s.io/gateway-name": gateway},
                        "ports": [{"port": 8080}]}})
    };
    let gateway = json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
                         "metadata": {"name": "edge", "namespace": "demo"},
                         "spec": {"gatewayClassName": "nginx", "listeners": []}});
    // No Gateway of that name: nothing makes the pods.
    let mut lab = Lab::new();
    lab.app("hub", "demo", 0, "demo", None, None)
        .obj("hub", "demo", gateway.clone())
        .obj("hub", "demo", proxy_service("other"));
    lab.expect("ref-selector", 1, "matches no pod template");
    let mut lab = Lab::new();
    lab.app("hub", "demo", 0, "demo", None, None)
        .obj("hub", "demo", gateway)
        .obj("hub", "demo", proxy_service("edge"));
    lab.expect("ref-selector", 0, "");
}

fn composition(release_pc: &str, version: Option<&str>) -> Value {
    let mut chart = json!({"name": "vcluster", "repository": "https://charts.loft.sh"});
    if let Some(v) = version {
        chart["version"] = json!(v);
    }
    let name_patch = |to: &str| {
        json!([{"type": "FromCompositeFieldPath", "fromFieldPath": "metadata.name", "toFieldPath": to,
                                       "transforms": [{"type": "string", "string": {"type": "Format", "fmt": "%s-hub"}}]}])
    };
    json!({"apiVersion": "apiextensions.crossplane.io/v1", "kind": "Composition", "metadata": {"name": "c"},
    "spec": {"pipeline": [{"step": "resources", "input": {"resources": [
        {"name": "pc", "base": {"apiVersion": format!("{release_pc}/v1alpha1"), "kind": "ProviderConfig"},
         "patches": name_patch("metadata.name")},
        {"name": "release", "base": {"apiVersion": "helm.m.crossplane.io/v1beta1", "kind": "Release",
            "spec": {"forProvider": {"chart": chart}, "providerConfigRef": {"kind": "ProviderConfig"}}},
         "patches": name_patch("spec.providerConfigRef.name")},
    ]}}]}})
}

#[test]
fn compositions_name_provider_configs_they_compose_and_pin_charts() {
    let mut lab = Lab::new();
    lab.app("hub", "xp", 0, "crossplane-system", None, None)
        .obj("hub", "xp", composition("kubernetes.m.crossplane.io", None));
    lab.expect("ref-provider-config", 1, "resource release");
    lab.expect("composed-chart-pinned", 1, "no version");
    let mut lab = Lab::new();
    lab.app("hub", "xp", 0, "crossplane-system", None, None)
        .obj(
            "hub",
            "xp",
            composition("helm.m.crossplane.io", Some("0.30.0")),
        );
    lab.expect("ref-provider-config", 0, "");
    lab.expect("composed-chart-pinned", 0, "");
}

#[test]
fn namespaces_exist_before_use() {
    let cm = obj("v1", "ConfigMap", "elsewhere", "c");
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "elsewhere"}});
    let mut lab = Lab::new();
    lab.app("hub", "a", 1, "a", None, None)
        .obj("hub", "a", cm.clone());
    lab.expect("ref-namespace", 1, "nothing creates namespace elsewhere");
    lab.app("hub", "ns", 1, "kube-system", None, None)
        .obj("hub", "ns", ns.clone());
    lab.expect("ref-namespace", 1, "created in wave 1");
    let mut lab = Lab::new();
    lab.app("hub", "ns", 0, "kube-system", None, None)
        .obj("hub", "ns", ns);
    lab.app("hub", "a", 1, "a", None, None)
        .obj("hub", "a", cm)
        .obj("hub", "a", obj("v1", "ConfigMap", "a", "own"));
    lab.expect("ref-namespace", 0, "");
}

#[test]
fn objects_are_unique_per_cluster_and_applications_share_the_hub() {
    let mut lab = Lab::new();
    lab.app("hub", "a", 0, "x", None, None)
        .obj("hub", "a", obj("v1", "ConfigMap", "x", "c"));
    lab.app("hub", "b", 0, "x", None, None)
        .obj("hub", "b", obj("v1", "ConfigMap", "x", "c"));
    lab.expect("unique-object", 1, "ConfigMap x/c is also rendered");

    let mut lab = Lab::new();
    lab.add("targets/t/controlplane.yaml", Format::TalosPatch, json!({}));
    lab.app("hub", "a", 0, "x", None, None)
        .obj("hub", "a", obj("v1", "ConfigMap", "x", "c"));
    lab.app("targets/t", "b", 0, "x", None, None).obj(
        "targets/t",
        "b",
        obj("v1", "ConfigMap", "x", "c"),
    );
    lab.expect("unique-object", 0, "");
    // Both layouts' Applications land in the hub's argocd namespace.
    lab.app("targets/t", "a", 0, "x", None, None);
    lab.expect("unique-object", 1, "Application argocd/a");
}

#[test]
fn advertised_uis_have_routes() {
    let mut lab = Lab::new();
    lab.facts.readme = "Open https://grafana.lab.local; certificates for *.lab.local.\n`kubectl port-forward -n demo svc/app 8080`".into();
    lab.app("hub", "demo", 0, "demo", None, None)
        .obj("hub", "demo", service("demo", "web", 80))
        .obj(
            "hub",
            "demo",
            deployment("demo", "web", "docker.io/library/nginx:1.0"),
        );
    lab.expect("ui-reachable", 2, "README");
    lab.obj("hub", "demo", service("demo", "app", 8080)).obj(
        "hub",
        "demo",
        json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "g", "namespace": "demo"},
               "spec": {"hostnames": ["grafana.lab.local"], "rules": [{"backendRefs": [{"name": "web", "port": 80}]}]}}),
    );
    lab.expect("ui-reachable", 0, "");
}

/// A tree whose one ExternalSecret reads `grafana/admin`'s `username` and `password`.
fn reads_grafana_admin() -> Lab {
    let mut lab = Lab::new();
    lab.app("hub", "a", 0, "a", None, None).obj(
        "hub",
        "a",
        json!({"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret", "metadata": {"name": "s", "namespace": "a"},
               "spec": {"data": [{"secretKey": "u", "remoteRef": {"key": "grafana/admin", "property": "username"}},
                                 {"secretKey": "p", "remoteRef": {"key": "grafana/admin", "property": "password"}}]}}),
    );
    lab
}

const BOTH_DOCUMENTED: &str =
    "| path | properties |\n|---|---|\n| `secret/grafana/admin` | `username`, `password` |";
const BOTH_SEEDED: &str = "seed secret/grafana/admin username=admin password=\"$(rand)\"";

#[test]
fn external_secret_paths_are_documented_and_seeded() {
    let mut lab = reads_grafana_admin();
    // Neither documented nor seeded: each property fails both ways.
    lab.expect("secret-documented", 4, "secret/grafana/admin");
    // A path named in prose, outside a table row, or a longer path, does not count.
    lab.facts.secrets_doc = "See `secret/grafana/admin` and `username`, `password`.".into();
    lab.facts.taskfiles = "bao kv put secret/grafana/admin-old username=a password=b".into();
    lab.expect("secret-documented", 4, "secret/grafana/admin");
    lab.facts.secrets_doc = BOTH_DOCUMENTED.into();
    lab.facts.taskfiles = BOTH_SEEDED.into();
    lab.expect("secret-documented", 0, "");
}

#[test]
fn an_undocumented_property_fires() {
    let mut lab = reads_grafana_admin();
    lab.facts.secrets_doc = "| `secret/grafana/admin` | `username` |".into();
    lab.facts.taskfiles = BOTH_SEEDED.into();
    lab.expect(
        "secret-documented",
        1,
        "property password, is read but not documented",
    );
}

#[test]
fn an_unseeded_property_fires() {
    let mut lab = reads_grafana_admin();
    lab.facts.secrets_doc = BOTH_DOCUMENTED.into();
    // The path is seeded, one of its properties is not; a read (`-field=`) is no seed.
    lab.facts.taskfiles =
        "seed secret/grafana/admin username=admin\nbao kv get -field=password secret/grafana/admin"
            .into();
    lab.expect(
        "secret-documented",
        1,
        "property password, is read but no task seeds it",
    );
    lab.facts
        .taskfiles
        .push_str("\nbao kv patch secret/grafana/admin password=\"$(rand)\"");
    lab.expect("secret-documented", 0, "");
}

fn image_updater(pattern: &str, use_annotations: bool) -> Value {
    json!({"apiVersion": "argocd-image-updater.argoproj.io/v1alpha1", "kind": "ImageUpdater",
           "metadata": {"name": "u", "namespace": "argocd"},
           "spec": {"namespace": "argocd", "applicationRefs": [{"namePattern": pattern, "useAnnotations": use_annotations,
                    "images": [{"alias": "demo", "imageName": "ghcr.io/x/demo"}]}]}})
}

/// An Application `updates` holding one ImageUpdater.
fn updates(lab: &mut Lab, pattern: &str, use_annotations: bool) {
    lab.app("hub", "updates", 0, "argocd", None, None).obj(
        "hub",
        "updates",
        image_updater(pattern, use_annotations),
    );
}

#[test]
fn image_updater_targets_helm_or_kustomize_applications() {
    let mut lab = Lab::new();
    lab.app("hub", "demo", 0, "demo", None, None);
    updates(&mut lab, "demo*", false);
    lab.expect("updater-target", 1, "plain directory");
    // Each Application and each applicationRefs entry is inspected.
    assert_eq!(lab.run("updater-target").1, 3);
    let mut lab = Lab::new();
    lab.app("hub", "demo", 0, "demo", Some(("demo", "1.0.0")), None);
    updates(&mut lab, "demo*", false);
    lab.expect("updater-target", 0, "");
    // A pattern that selects nothing is dead configuration.
    let mut lab = Lab::new();
    updates(&mut lab, "dmeo*", false);
    lab.expect(
        "updater-target",
        1,
        "namePattern dmeo* matches no Application",
    );
}

#[test]
fn image_updater_annotations_need_an_updater_that_reads_them() {
    // A Helm Application `demo` with a v0 annotation.
    let annotated = |lab: &mut Lab| {
        let mut scratch = Lab::new();
        scratch.app("hub", "demo", 0, "demo", Some(("demo", "1.0.0")), None);
        let path = "hub/apps/application-demo.yaml";
        let mut app = scratch.tree.get(path).unwrap().documents[0].clone();
        app["metadata"]["annotations"]["argocd-image-updater.argoproj.io/image-list"] =
            json!("demo=ghcr.io/x/demo");
        lab.add(path, Format::Object, app);
    };
    // Without an ImageUpdater, Image Updater v1 ignores the annotations.
    let mut lab = Lab::new();
    annotated(&mut lab);
    lab.expect("updater-target", 1, "which Image Updater v1 ignores");
    // An ImageUpdater selecting it without useAnnotations still ignores them.
    updates(&mut lab, "demo", false);
    lab.expect("updater-target", 1, "Application demo carries");
    let mut lab = Lab::new();
    annotated(&mut lab);
    updates(&mut lab, "demo", true);
    lab.expect("updater-target", 0, "");
}

#[test]
fn every_rule_reports_a_count() {
    let out = cluster::check(&observed(SCRAPE).tree, &settings(), &facts());
    let rules: Vec<&str> = out.stats.iter().map(|s| s.rule).collect();
    assert_eq!(rules, cluster::RULES.to_vec());
    assert!(out.stats.iter().any(|s| s.checked > 0));
}

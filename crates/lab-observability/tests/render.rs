//! Renders the observability components and demo apps against the repository's real inputs
//! and checks them: strict schemas (upstream CRDs), wiring between components, no secrets.

#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use lab_core::{Artifact, Object, RelPath, Tree};
use lab_model::Registry;
use lab_model::component::PlannedApp;
use lab_observability::backends::Loki;
use lab_observability::workload::DemoApps;
use lab_observability::{promtool, register};
use serde_json::Value;

use lab_testkit::inputs;

fn plan(registry: &Registry) -> Vec<PlannedApp> {
    let (settings, versions) = inputs();
    registry.plan(&settings, &versions).unwrap()
}

/// The observability components and the secret path their credentials come through.
fn hub() -> Registry {
    let mut reg = Registry::new();
    lab_kit::secrets::register_with(&mut reg, Default::default()).unwrap();
    register(&mut reg).unwrap();
    reg
}

fn app<'a>(apps: &'a [PlannedApp], name: &str) -> &'a PlannedApp {
    apps.iter().find(|a| a.app.name.as_str() == name).unwrap()
}

fn values(apps: &[PlannedApp], name: &str) -> Value {
    app(apps, name)
        .app
        .helm
        .as_ref()
        .unwrap()
        .values
        .clone()
        .unwrap()
}

fn everything() -> Vec<PlannedApp> {
    let mut reg = hub();
    reg.add(DemoApps::default()).unwrap();
    plan(&reg)
}

#[test]
fn every_object_is_valid_against_the_upstream_crds() {
    let schemas_dir = lab_upstream::schemas()
        .unwrap_or_else(|e| panic!("{e}"))
        .crds;
    let schemas = lab_validate::Schemas::load(&schemas_dir)
        .unwrap_or_else(|e| panic!("CRD schemas at {}: {e}", schemas_dir.display()));
    let apps = everything();
    let mut kinds = std::collections::BTreeSet::new();
    let mut problems = Vec::new();
    for planned in &apps {
        for o in &planned.app.objects {
            kinds.insert(o.id.kind.clone());
            for p in schemas.check(&o.value) {
                problems.push(format!("{}: {p}", o.id));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    for k in [
        "ServiceMonitor",
        "PrometheusRule",
        "Deployment",
        "Job",
        "ExternalSecret",
    ] {
        assert!(kinds.contains(k), "no {k} rendered");
    }
}

#[test]
fn waves_follow_the_data_path() {
    let apps = everything();
    let wave = |n| app(&apps, n).wave;
    assert!(wave("loki") > wave("seaweedfs"));
    assert!(wave("mimir") > wave("seaweedfs"));
    assert!(wave("tempo") > wave("mimir"));
    assert!(wave("grafana") > wave("tempo") && wave("grafana") > wave("loki"));
    assert!(wave("alloy") > wave("loki"));
}

#[test]
fn moving_loki_changes_grafanas_datasource_and_nothing_else_needs_editing() {
    let before = plan(&hub());
    let mut reg = Registry::new();
    lab_kit::secrets::register_with(&mut reg, Default::default()).unwrap();
    reg.add(Loki {
        namespace: "logs".into(),
    })
    .unwrap();
    for c in [
        // The rest of the hub, exactly as register() builds it, minus Loki.
        Box::new(|r: &mut Registry| r.add(lab_observability::storage::SeaweedFs::default()))
            as Box<dyn Fn(&mut Registry) -> Result<(), _>>,
        Box::new(|r: &mut Registry| r.add(lab_observability::backends::Tempo::default())),
        Box::new(|r: &mut Registry| r.add(lab_observability::backends::Mimir::default())),
        Box::new(|r: &mut Registry| r.add(lab_observability::grafana::Grafana::default())),
        Box::new(|r: &mut Registry| r.add(lab_observability::collectors::Alloy::default())),
        Box::new(|r: &mut Registry| r.add(lab_observability::collectors::OtelCollector::default())),
    ] {
        c(&mut reg).unwrap();
    }
    let after = plan(&reg);
    let url = |apps: &[PlannedApp]| {
        let v = values(apps, "grafana");
        let ds = v
            .pointer("/datasources/datasources.yaml/datasources")
            .unwrap();
        ds.as_array()
            .unwrap()
            .iter()
            .find(|d| d["type"] == "loki")
            .unwrap()["url"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        url(&before),
        "http://loki-gateway.observability.svc.cluster.local"
    );
    assert_eq!(url(&after), "http://loki-gateway.logs.svc.cluster.local");
    // Alloy follows too, and no rendered value anywhere still points at the old place.
    let old = "loki-gateway.observability";
    for planned in &after {
        let text = serde_json::to_string(&planned.app.helm.as_ref().and_then(|h| h.values.clone()))
            .unwrap();
        assert!(
            !text.contains(old),
            "{} still points at {old}",
            planned.app.name
        );
    }
    assert!(
        values(&after, "alloy")
            .to_string()
            .contains("loki-gateway.logs.svc")
    );
    // Only Loki itself, Grafana and Alloy changed.
    let mut changed: Vec<&str> = before
        .iter()
        .map(|b| (b, app(&after, b.app.name.as_str())))
        .filter(|(b, a)| {
            let h = |p: &PlannedApp| p.app.helm.as_ref().and_then(|h| h.values.clone());
            let o = |p: &PlannedApp| {
                p.app
                    .objects
                    .iter()
                    .map(|o| o.value.clone())
                    .collect::<Vec<_>>()
            };
            h(b) != h(a) || o(b) != o(a) || b.app.namespace != a.app.namespace
        })
        .map(|(b, _)| b.app.name.as_str())
        .collect();
    changed.sort();
    assert_eq!(changed, ["alloy", "grafana", "loki"]);
}

#[test]
fn datasources_are_correlated() {
    let apps = everything();
    let v = values(&apps, "grafana");
    let ds = v
        .pointer("/datasources/datasources.yaml/datasources")
        .unwrap()
        .as_array()
        .unwrap();
    let by = |t: &str| ds.iter().find(|d| d["type"] == t).unwrap();
    let (prom, loki, tempo) = (by("prometheus"), by("loki"), by("tempo"));
    let tempo_uid = &tempo["uid"];
    assert_eq!(
        &prom
            .pointer("/jsonData/exemplarTraceIdDestinations/0/datasourceUid")
            .unwrap(),
        &tempo_uid
    );
    assert_eq!(
        &loki
            .pointer("/jsonData/derivedFields/0/datasourceUid")
            .unwrap(),
        &tempo_uid
    );
    assert_eq!(
        tempo
            .pointer("/jsonData/tracesToLogsV2/datasourceUid")
            .unwrap(),
        &loki["uid"]
    );
    assert_eq!(
        tempo
            .pointer("/jsonData/tracesToMetrics/datasourceUid")
            .unwrap(),
        &prom["uid"]
    );
    assert_eq!(
        prom["url"],
        "http://mimir-gateway.observability.svc.cluster.local/prometheus"
    );
    assert_eq!(
        tempo["url"],
        "http://tempo.observability.svc.cluster.local:3100"
    );
    // The admin password comes from OpenBao, never from the values.
    assert!(!v.to_string().contains("adminPassword"));
    assert_eq!(v.pointer("/admin/existingSecret").unwrap(), "grafana-admin");
}

#[test]
fn every_bucket_a_backend_uses_is_created_by_the_job() {
    let apps = everything();
    let job = app(&apps, "seaweedfs")
        .app
        .objects
        .iter()
        .find(|o| o.id.kind == "Job")
        .unwrap()
        .value
        .to_string();
    let used = ["loki", "tempo", "mimir"]
        .iter()
        .map(|n| values(&apps, n).to_string())
        .collect::<String>();
    for b in lab_observability::storage::Bucket::ALL {
        if used.contains(&format!("\"{}\"", b.name())) {
            assert!(job.contains(b.name()), "bucket {} not created", b.name());
        }
    }
    assert!(
        used.contains("loki-chunks")
            && used.contains("tempo-traces")
            && used.contains("mimir-blocks")
    );
}

#[test]
fn demo_apps_are_scraped_on_their_http_port_and_pinned() {
    let apps = everything();
    let demo = &app(&apps, "demo-apps").app;
    let find = |kind: &str, name: &str| -> &Object {
        demo.objects
            .iter()
            .find(|o| o.id.kind == kind && o.id.name == name)
            .unwrap()
    };
    let sm = &find("ServiceMonitor", "metrics-app").value;
    assert_eq!(sm.pointer("/spec/endpoints/0/port").unwrap(), "http");
    assert_eq!(sm.pointer("/spec/endpoints/0/path").unwrap(), "/metrics");
    let svc = &find("Service", "metrics-app").value;
    assert_eq!(svc.pointer("/spec/ports/0/name").unwrap(), "http");
    let dep = &find("Deployment", "metrics-app").value;
    let image = dep
        .pointer("/spec/template/spec/containers/0/image")
        .unwrap()
        .as_str()
        .unwrap();
    // The pin of platform/versions.yaml, under the lab's registry.
    let (_, versions) = inputs();
    let pin = versions.image("metrics-app").unwrap();
    assert_eq!(
        pin.repository,
        "ghcr.io/illmadecoder/illm-k8s-ai-lab/metrics-app"
    );
    assert_eq!(image, pin.reference());
    assert_eq!(
        dep.pointer("/spec/template/spec/securityContext/runAsNonRoot")
            .unwrap(),
        true
    );
    // otel-demo services find the collector and each other.
    let user_dep = &find("Deployment", "otel-demo-user").value;
    let user = user_dep.to_string();
    // The apps export OTLP/JSON over HTTP, so they need the collector's HTTP port.
    assert!(user.contains("otel-collector.observability.svc.cluster.local:4318"));
    assert!(
        user.contains(r#""name":"SERVICE_ROLE","value":"user""#),
        "{user}"
    );
    let user_image = user_dep
        .pointer("/spec/template/spec/containers/0/image")
        .and_then(|i| i.as_str())
        .unwrap();
    assert!(
        user_image.contains("/otel-demo:"),
        "one image serves all three roles: {user_image}"
    );
    assert!(user.contains("otel-demo-order.demo.svc.cluster.local:8080"));
}

#[test]
fn rule_files_and_dashboards_render_deterministically() {
    let render = || {
        let mut tree = Tree::new();
        let dir = RelPath::new("experiments/demo").unwrap();
        for planned in everything() {
            for o in planned.app.objects {
                tree.add(
                    Artifact::object(&dir.join(planned.app.name.as_str()).unwrap(), o).unwrap(),
                )
                .unwrap();
            }
        }
        let rules = promtool::promtool_artifacts(&tree).unwrap();
        tree.extend(rules).unwrap();
        tree.extend(lab_observability::dashboard::artifacts(Some(&DemoApps::default())).unwrap())
            .unwrap();
        (
            tree.render().unwrap(),
            promtool::prometheus_rule_files(&tree).unwrap(),
        )
    };
    let (a, rules) = render();
    let (b, _) = render();
    assert_eq!(a, b);
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].0, "demo-metrics-app-slos.yaml");
    let doc: Value = serde_saphyr::from_str(&rules[0].1).unwrap();
    assert_eq!(doc["groups"].as_array().unwrap().len(), 4);
    assert!(
        a.keys()
            .any(|p| p.as_str() == "tests/promtool/demo-metrics-app-slos.json")
    );
    assert!(
        a.keys()
            .any(|p| p.as_str() == "dashboards/metrics-app-red.json")
    );
    // No credential ever rendered: S3 keys only as ${VAR} references.
    for text in a.values() {
        assert!(!text.contains("secret_key: any"));
    }
}

/// The app's own claims, read from its sources under `components/apps/<image>/src`: whether it
/// serves `/metrics` (merges demo-kit's metrics routes) and whether it exports the HTTP RED
/// counter.
fn source_facts(image: &str) -> (bool, bool) {
    let dir = lab_testkit::repo_root()
        .join("components/apps")
        .join(image)
        .join("src");
    let mut text = String::new();
    for f in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        text.push_str(&std::fs::read_to_string(f.unwrap().path()).unwrap());
    }
    (
        text.contains("metrics::routes("),
        text.contains("http_requests_total"),
    )
}

#[test]
fn only_apps_that_serve_metrics_are_scraped_and_only_red_apps_get_red_dashboards() {
    for app in lab_observability::workload::demo_apps() {
        let (serves, red) = source_facts(app.image);
        assert_eq!(
            app.metrics, serves,
            "{}: a ServiceMonitor on an app without /metrics scrapes a 404 forever",
            app.name
        );
        assert_eq!(
            app.red.is_some(),
            red,
            "{}: a RED dashboard needs http_requests_total",
            app.name
        );
    }
}

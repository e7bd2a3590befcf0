//! Experiments in the whole render: each conducts from its own rendered roots, nothing of it
//! syncs before, and what it cannot deploy is an error naming the spec's field.

use lab_core::Tree;
use serde_json::Value;

use crate::{inputs, rendered_tree};

fn docs_under<'t>(
    tree: &'t Tree,
    prefix: &str,
) -> impl Iterator<Item = (&'t str, &'t Value)> + use<'t> {
    let prefix = prefix.to_owned();
    tree.artifacts()
        .filter(move |a| a.path.as_str().starts_with(&prefix))
        .flat_map(|a| a.documents.iter().map(move |d| (a.path.as_str(), d)))
}

#[test]
fn each_experiment_has_roots_for_its_clusters_and_nothing_syncs_it_before() {
    let tree = rendered_tree();
    for exp in &inputs().experiments {
        let bootstrap = format!("experiments/{}/hub/bootstrap/", exp.name);
        let roots: Vec<&Value> = docs_under(&tree, &bootstrap)
            .filter(|(_, d)| d["kind"] == "Application")
            .map(|(_, d)| d)
            .collect();
        assert!(!roots.is_empty(), "{}: no root Application", exp.name);
        for root in &roots {
            // Each root syncs an apps folder of this experiment that exists.
            let path = root["spec"]["source"]["path"].as_str().unwrap();
            let dir = path.strip_prefix("generated/").unwrap();
            assert!(
                dir.starts_with(&format!("experiments/{}/", exp.name)),
                "{path}"
            );
            assert!(
                tree.artifacts().any(|a| a.path.as_str().starts_with(dir)),
                "{}: root syncs {path}, which is empty",
                exp.name
            );
        }
        // The run and the expiry, and the expiry deletes exactly these roots.
        let expiry = docs_under(&tree, &format!("experiments/{}/hub/lifecycle/", exp.name))
            .find(|(_, d)| d["metadata"]["name"] == format!("{}-expiry", exp.name))
            .map(|(_, d)| d)
            .unwrap_or_else(|| panic!("{}: no expiry template", exp.name));
        let text = expiry.to_string();
        for root in &roots {
            let name = root["metadata"]["name"].as_str().unwrap();
            assert!(
                text.contains(&format!("application/{name}")),
                "{}: expiry keeps {name}",
                exp.name
            );
        }
        let workflows: Vec<&str> = docs_under(&tree, &bootstrap)
            .filter(|(_, d)| d["kind"] == "Workflow")
            .map(|(_, d)| d["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(workflows.len(), 2, "{}: {workflows:?}", exp.name);
    }
    // The hub's app-of-apps reaches no experiment: conducting one is what deploys it.
    for (path, doc) in docs_under(&tree, "hub/apps/") {
        assert!(
            !doc.to_string().contains("generated/experiments/"),
            "{path} syncs an experiment"
        );
    }
}

#[test]
fn a_component_with_no_build_for_its_cluster_is_an_error_naming_the_field() {
    let mut inputs = inputs();
    let exp = inputs
        .experiments
        .iter_mut()
        .find(|e| e.name == "prometheus-tutorial")
        .unwrap();
    // Loki runs on the hub only; on the experiment's kind cluster there is nothing to build.
    exp.spec
        .components
        .push(serde_json::from_value(serde_json::json!({"id": "loki"})).unwrap());
    let err = format!("{:#}", lab::render(&inputs).unwrap_err());
    assert!(
        err.contains("experiments/prometheus-tutorial/experiment.yaml")
            && err.contains("/components/3/id")
            && err.contains("loki cannot run on a kind cluster"),
        "{err}"
    );
}

#[test]
fn a_load_target_on_kind_is_reached_through_its_node_port() {
    let tree = rendered_tree();
    let service = docs_under(&tree, "experiments/http-baseline/target/demo-apps/")
        .find(|(_, d)| d["kind"] == "Service")
        .map(|(_, d)| d)
        .unwrap();
    assert_eq!(service["spec"]["type"], "NodePort");
    let port = service["spec"]["ports"][0]["nodePort"].as_i64().unwrap();
    let template = docs_under(&tree, "experiments/http-baseline/hub/lifecycle/")
        .find(|(_, d)| d["metadata"]["name"] == "http-baseline")
        .map(|(_, d)| d)
        .unwrap();
    assert!(
        template
            .to_string()
            .contains(&format!("http://http-baseline-target-control-plane:{port}")),
        "the workflow's target URL is the node port"
    );
}

#[test]
fn a_new_experiment_renders_and_validates_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("experiments/fresh-idea");
    std::fs::create_dir_all(&folder).unwrap();
    for (file, text) in lab_experiments::scaffold::files("fresh-idea") {
        std::fs::write(folder.join(file), text).unwrap();
    }
    let exp = lab_experiments::load(dir.path(), "fresh-idea").unwrap_or_else(|e| panic!("{e}"));
    let mut inputs = inputs();
    inputs.experiments.push(exp);
    let tree = lab::render(&inputs).unwrap();
    assert!(tree.get("experiments/fresh-idea/readme.md").is_some());
    assert!(
        tree.get("experiments/fresh-idea/hub/bootstrap/workflow-fresh-idea-run.yaml")
            .is_some()
    );
    let dirs = lab_upstream::schemas().unwrap();
    let schemas = lab_validate::Schemas::load(&dirs.crds)
        .and_then(|s| s.with_talos(&dirs.talos))
        .unwrap();
    let report = lab_validate::validate(&tree, &schemas, &inputs.settings);
    let mine: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.path.contains("fresh-idea"))
        .map(|f| f.to_string())
        .collect();
    assert!(mine.is_empty(), "{mine:#?}");
}

#[test]
fn a_claimed_cluster_is_claimed_on_the_hub_and_addressed_by_its_registered_name() {
    use lab_experiments::spec::Provider;
    let mut inputs = inputs();
    let exp = inputs
        .experiments
        .iter_mut()
        .find(|e| e.name == "slo-tutorial")
        .unwrap();
    let target = exp
        .spec
        .clusters
        .iter_mut()
        .find(|c| c.name == "target")
        .unwrap();
    target.provider = Provider::Vcluster;
    // The hub reaches only kind clusters and itself with load, so this is refused first.
    let err = format!("{:#}", lab::render(&inputs).unwrap_err());
    assert!(
        err.contains("/load/target") && err.contains("vcluster"),
        "{err}"
    );
    let exp = inputs
        .experiments
        .iter_mut()
        .find(|e| e.name == "slo-tutorial")
        .unwrap();
    exp.spec.load = None;
    let tree = lab::render(&inputs).unwrap();
    let claim = tree
        .get("experiments/slo-tutorial/hub/bootstrap/experimentcluster-slo-tutorial-target.yaml")
        .expect("the claim is in the hub's bootstrap folder");
    let claim = &claim.documents[0];
    assert_eq!(claim["spec"]["platform"], "vcluster");
    assert_eq!(claim["metadata"]["namespace"], "experiments");
    // No kind config for a claimed cluster; its Applications name the registered cluster.
    assert!(
        tree.get("experiments/slo-tutorial/target/bootstrap/kind.yaml")
            .is_none()
    );
    let app = &tree
        .get("experiments/slo-tutorial/target/apps/application-slo-tutorial-target-pyrra.yaml")
        .unwrap()
        .documents[0];
    assert_eq!(
        app["spec"]["destination"]["name"],
        "experiments-slo-tutorial-target"
    );
    assert!(app["spec"]["destination"].get("server").is_none());
}

#[test]
fn each_dashboard_plots_the_checks_and_measures_of_its_spec() {
    let tree = rendered_tree();
    for exp in &inputs().experiments {
        let folder = format!("experiments/{}/hub/dashboard/", exp.name);
        let boards: Vec<Value> = docs_under(&tree, &folder)
            .filter(|(_, d)| d["kind"] == "ConfigMap")
            .flat_map(|(_, d)| {
                d["data"]
                    .as_object()
                    .unwrap()
                    .values()
                    .map(|v| serde_json::from_str::<Value>(v.as_str().unwrap()).unwrap())
                    .collect::<Vec<_>>()
            })
            .collect();
        let expected =
            exp.spec.checks.len() + exp.spec.comparison.as_ref().map_or(0, |t| t.measures.len());
        if expected == 0 {
            assert!(boards.is_empty(), "{}: a dashboard of nothing", exp.name);
            continue;
        }
        assert_eq!(boards.len(), 1, "{}: one dashboard", exp.name);
        let panels = boards[0]["panels"].as_array().unwrap();
        assert_eq!(panels.len(), expected, "{}", exp.name);
        // (panel title, legend) → expression, for every target.
        let plotted: Vec<(&str, &str, &str)> = panels
            .iter()
            .flat_map(|p| {
                p["targets"].as_array().unwrap().iter().map(move |t| {
                    (
                        p["title"].as_str().unwrap(),
                        t["legendFormat"].as_str().unwrap(),
                        t["expr"].as_str().unwrap(),
                    )
                })
            })
            .collect();
        for c in &exp.spec.checks {
            let title = format!("check: {}", c.name);
            assert!(
                plotted.contains(&(title.as_str(), c.name.as_str(), c.expr.as_str())),
                "{}: check {} is not plotted",
                exp.name,
                c.name
            );
        }
        for m in exp.spec.comparison.iter().flat_map(|t| &t.measures) {
            for (subject, q) in &m.queries {
                assert!(
                    plotted.contains(&(m.title.as_str(), subject.as_str(), q.as_str())),
                    "{}: {} of {subject} is not plotted",
                    exp.name,
                    m.name.as_str()
                );
            }
        }
    }
}

/// The node ports of the NodePort Services in front of an experiment's Gateways, by Gateway.
fn gateway_node_ports(tree: &Tree, exp: &str) -> Vec<(String, i64)> {
    docs_under(tree, &format!("experiments/{exp}/target/gateway-routes/"))
        .filter(|(_, d)| d["kind"] == "Service" && d["spec"]["type"] == "NodePort")
        .map(|(_, d)| {
            let name = d["metadata"]["name"].as_str().unwrap();
            let gateway = name.strip_suffix("-nodeport").unwrap().to_owned();
            (gateway, d["spec"]["ports"][0]["nodePort"].as_i64().unwrap())
        })
        .collect()
}

#[test]
fn every_gateway_of_a_comparison_serves_the_same_routes() {
    let tree = rendered_tree();
    let gateways: Vec<String> = docs_under(&tree, "experiments/gateway-comparison/target/")
        .filter(|(_, d)| d["kind"] == "Gateway")
        .map(|(_, d)| d["metadata"]["name"].as_str().unwrap().to_owned())
        .collect();
    let exp = inputs()
        .experiments
        .into_iter()
        .find(|e| e.name == "gateway-comparison")
        .unwrap();
    let subjects: Vec<String> = exp
        .spec
        .comparison
        .as_ref()
        .unwrap()
        .subjects
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect();
    let mut sorted = subjects.clone();
    sorted.sort();
    assert_eq!(gateways, sorted, "one Gateway per compared implementation");
    let routes: Vec<&Value> = docs_under(&tree, "experiments/gateway-comparison/target/")
        .filter(|(_, d)| d["kind"] == "HTTPRoute")
        .map(|(_, d)| d)
        .collect();
    assert!(!routes.is_empty());
    for route in routes {
        let mut parents: Vec<&str> = route["spec"]["parentRefs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        parents.sort();
        assert_eq!(parents, sorted, "{}", route["metadata"]["name"]);
    }
}

#[test]
fn the_comparison_script_aims_at_each_gateways_node_port() {
    let tree = rendered_tree();
    let ports = gateway_node_ports(&tree, "gateway-comparison");
    assert_eq!(ports.len(), 2, "{ports:?}");
    let script = std::fs::read_to_string(
        lab_testkit::repo_root().join("experiments/gateway-comparison/compare.js"),
    )
    .unwrap();
    for (gateway, port) in &ports {
        assert!(
            script.contains(&format!("{{ name: '{gateway}', port: {port} }}")),
            "compare.js does not send {gateway}'s load to node port {port}"
        );
    }
    // The load's target (the first Gateway) is the URL the workflow passes to k6.
    let template = docs_under(&tree, "experiments/gateway-comparison/hub/lifecycle/")
        .find(|(_, d)| d["metadata"]["name"] == "gateway-comparison")
        .map(|(_, d)| d.to_string())
        .unwrap();
    let envoy = ports.iter().find(|(g, _)| g == "envoy-gateway").unwrap().1;
    assert!(template.contains(&format!(
        "http://gateway-comparison-target-control-plane:{envoy}"
    )));
}

#[test]
fn nginx_gateway_fabric_without_the_gateway_api_crds_is_an_error() {
    let mut inputs = inputs();
    let exp = inputs
        .experiments
        .iter_mut()
        .find(|e| e.name == "gateway-comparison")
        .unwrap();
    exp.spec
        .components
        .retain(|c| c.id != lab_experiments::ComponentId::EnvoyGateway);
    exp.spec.load = None;
    let err = format!("{:#}", lab::render(&inputs).unwrap_err());
    assert!(
        err.contains("gateway-comparison/experiment.yaml")
            && err.contains("nginx-gateway-fabric needs the Gateway API CRDs"),
        "{err}"
    );
}

/// The `OTEL_EXPORTER_OTLP_ENDPOINT` of every Deployment under `prefix`.
fn otlp_endpoints(tree: &Tree, prefix: &str) -> Vec<String> {
    docs_under(tree, prefix)
        .filter(|(_, d)| d["kind"] == "Deployment")
        .flat_map(|(_, d)| {
            d["spec"]["template"]["spec"]["containers"][0]["env"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|e| e["name"] == "OTEL_EXPORTER_OTLP_ENDPOINT")
        .filter_map(|e| e["value"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn jaeger_sits_between_the_apps_and_the_hubs_collector() {
    let tree = rendered_tree();
    // Where apps send spans when no Jaeger is beside them: the hub's collector.
    let collector = otlp_endpoints(&tree, "experiments/otel-tutorial/hub/demo-apps/");
    assert!(!collector.is_empty(), "otel-tutorial's apps send OTLP");
    let apps = otlp_endpoints(&tree, "experiments/tracing-comparison/hub/demo-apps/");
    assert_eq!(apps.len(), 3, "user, order and payment");
    assert!(
        apps.iter()
            .all(|u| u.starts_with("http://jaeger.tracing-comparison.svc")),
        "{apps:?}"
    );
    let (_, values) = docs_under(&tree, "experiments/tracing-comparison/hub/values/jaeger")
        .next()
        .expect("jaeger's values");
    let exporters = &values["userconfig"]["exporters"];
    assert_eq!(exporters["otlphttp/forward"]["endpoint"], collector[0]);
    let pipeline = &values["userconfig"]["service"]["pipelines"]["traces"]["exporters"];
    assert!(
        pipeline
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == "otlphttp/forward"),
        "{pipeline}"
    );
}

#[test]
fn victoria_metrics_scrapes_the_lab_images_of_its_cluster() {
    let tree = rendered_tree();
    let service = docs_under(&tree, "experiments/tsdb-comparison/target/demo-apps/")
        .find(|(_, d)| d["kind"] == "Service")
        .map(|(_, d)| d)
        .unwrap();
    let host = format!(
        "{}.{}.svc.cluster.local:{}",
        service["metadata"]["name"].as_str().unwrap(),
        service["metadata"]["namespace"].as_str().unwrap(),
        service["spec"]["ports"][0]["port"]
    );
    let (_, values) = docs_under(
        &tree,
        "experiments/tsdb-comparison/target/values/victoria-metrics",
    )
    .next()
    .expect("victoria-metrics' values");
    let targets =
        &values["server"]["scrape"]["config"]["scrape_configs"][0]["static_configs"][0]["targets"];
    assert_eq!(targets, &serde_json::json!([host]));
}

//! The one test binary of lab-experiments: the real experiments load, bad specs fail with
//! clear messages, the catalog's pins exist, and the builders' objects pass the upstream schemas.
//! New tests go here, grouped by what they exercise.

use std::path::{Path, PathBuf};

use lab_experiments::catalog::{CATALOG, ComponentId, Packaging, missing_pins};
use lab_experiments::lifecycle::Bindings;
use lab_experiments::{Experiment, alerts, k6, kind, lifecycle, queries, readme};
use lab_testkit::{repo_root, versions};
use serde_json::Value;

fn experiments() -> Vec<Experiment> {
    lab_experiments::load_all(&repo_root()).unwrap_or_else(|e| panic!("{e}"))
}

fn experiment(name: &str) -> Experiment {
    experiments()
        .into_iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no experiment {name}"))
}

fn bindings(exp: &Experiment) -> Bindings {
    Bindings {
        namespace: "argo-workflows".into(),
        service_account: "experiments".into(),
        argocd_namespace: "argocd".into(),
        applications: vec![exp.name.clone(), format!("{}-target", exp.name)],
        roots: vec![format!("experiments-{}-target", exp.name)],
        query_url: "http://mimir-gateway.observability.svc.cluster.local/prometheus".into(),
        push_url: "http://mimir-gateway.observability.svc.cluster.local/api/v1/push".into(),
        target_url: "http://metrics-app.demo.svc.cluster.local:8080".into(),
    }
}

/// The names of the lifecycle's main steps, in order.
fn step_names(spec: &Value) -> Vec<&str> {
    spec["templates"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|group| group[0]["name"].as_str().unwrap())
        .collect()
}

/// The string items of the JSON array `v`.
fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect()
}

/// The workflow template named `name`.
fn template<'v>(spec: &'v Value, name: &str) -> &'v Value {
    spec["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no template {name}"))
}

// ---- the real experiments -------------------------------------------------------------

#[test]
fn the_experiments_load_sorted() {
    let names: Vec<String> = experiments().into_iter().map(|e| e.name).collect();
    assert_eq!(
        names,
        [
            "cicd-fundamentals",
            "elk-tutorial",
            "gateway-comparison",
            "gateway-tutorial",
            "gitops-tutorial",
            "hello-app",
            "http-baseline",
            "kyverno-policy-tutorial",
            "logging-comparison",
            "loki-tutorial",
            "observability-cost-tutorial",
            "otel-tutorial",
            "prometheus-tutorial",
            "seaweedfs-tutorial",
            "slo-tutorial",
            "tracing-comparison",
            "tsdb-comparison",
        ]
    );
}

#[test]
fn every_experiment_has_a_tutorial_with_goal_steps_and_clean_up() {
    for exp in experiments() {
        for heading in ["## Goal", "## Prerequisites", "## Steps", "## Clean up"] {
            assert!(
                exp.tutorial.contains(heading),
                "{}: tutorial has no {heading:?}",
                exp.name
            );
        }
        let down = format!("task hub:down -- {}", exp.name);
        assert!(exp.tutorial.contains(&down), "{}: no {down:?}", exp.name);
        assert!(
            exp.tutorial
                .contains(&format!("task hub:conduct -- {}", exp.name)),
            "{}: tutorial never conducts it",
            exp.name
        );
    }
}

#[test]
fn every_load_names_a_k6_script_that_reads_target_url_and_sets_no_options() {
    for exp in experiments() {
        let Some(script) = &exp.k6_script else {
            continue;
        };
        assert!(script.contains("__ENV.TARGET_URL"), "{}", exp.name);
        // The spec is the one source of virtual users, duration and thresholds.
        assert!(!script.contains("export const options"), "{}", exp.name);
    }
}

// ---- the catalog ----------------------------------------------------------------------

#[test]
fn every_catalog_pin_and_workflow_image_is_in_versions_yaml() {
    let missing: Vec<String> = missing_pins(&versions())
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(missing.is_empty(), "{missing:#?}");
}

#[test]
fn missing_pins_are_reported_by_key() {
    let mut v = versions();
    v.charts.remove("pyrra");
    v.images.remove("k6");
    let missing: Vec<String> = missing_pins(&v).iter().map(ToString::to_string).collect();
    assert_eq!(missing.len(), 2, "{missing:?}");
    assert!(missing[0].contains("chart \"pyrra\""), "{missing:?}");
    assert!(missing[1].contains("image \"k6\""), "{missing:?}");
}

#[test]
fn catalog_ids_are_unique_and_parse_back() {
    let mut seen = std::collections::BTreeSet::new();
    for entry in CATALOG {
        assert!(seen.insert(entry.id), "{:?} twice", entry.id);
        let parsed: ComponentId =
            serde_json::from_value(Value::String(entry.id.as_str().into())).unwrap();
        assert_eq!(parsed, entry.id);
        assert_eq!(entry.id.entry().id, entry.id);
        assert!(!entry.description.is_empty() && !entry.description.contains('\n'));
        if entry.packaging != Packaging::LabImage {
            assert!(
                entry.env.is_empty(),
                "{:?}: env is for lab images",
                entry.id
            );
        }
    }
}

#[test]
fn every_spec_component_is_in_the_catalog_with_a_pinned_version() {
    let v = versions();
    for exp in experiments() {
        for c in &exp.spec.components {
            let entry = CATALOG.iter().find(|e| e.id == c.id);
            let entry = entry.unwrap_or_else(|| panic!("{}: {:?}", exp.name, c.id));
            entry
                .pin
                .version(&v)
                .unwrap_or_else(|e| panic!("{}: {e}", exp.name));
        }
    }
}

// ---- bad specs ------------------------------------------------------------------------

/// Copies `experiments/<name>/` of this repository into `repo`; returns the copy's folder.
fn copy_experiment(repo: &Path, name: &str) -> PathBuf {
    let dst = repo.join("experiments").join(name);
    std::fs::create_dir_all(&dst).unwrap();
    for f in std::fs::read_dir(repo_root().join("experiments").join(name)).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, dst.join(f.file_name().unwrap())).unwrap();
    }
    dst
}

/// Copies `experiments/http-baseline` into a fresh repository, applies `edit` to its spec (or
/// removes a file), loads it and returns the error text.
fn error_of(edit: impl FnOnce(&Path, String) -> String) -> String {
    let repo = tempfile::tempdir().unwrap();
    let dst = copy_experiment(repo.path(), "http-baseline");
    let spec = dst.join("experiment.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&spec, edit(&dst, text)).unwrap();
    match lab_experiments::load(repo.path(), "http-baseline") {
        Ok(_) => panic!("the bad spec loaded"),
        Err(e) => e.to_string(),
    }
}

fn replace(from: &'static str, to: &'static str) -> impl FnOnce(&Path, String) -> String {
    move |_, text| {
        assert!(text.contains(from), "the fixture has no {from:?}");
        text.replacen(from, to, 1)
    }
}

#[test]
fn unknown_field() {
    insta::assert_snapshot!(error_of(replace("phase: 15", "phase: 15\ncolour: blue")));
}

#[test]
fn phase_zero() {
    insta::assert_snapshot!(error_of(replace("phase: 15", "phase: 0")));
}

#[test]
fn phase_seventeen() {
    insta::assert_snapshot!(error_of(replace("phase: 15", "phase: 17")));
}

#[test]
fn unknown_catalog_id() {
    insta::assert_snapshot!(error_of(replace("- id: metrics-app", "- id: metrics-ap")));
}

#[test]
fn missing_k6_script() {
    insta::assert_snapshot!(error_of(|dir, text| {
        std::fs::remove_file(dir.join("load.js")).unwrap();
        text
    }));
}

#[test]
fn missing_tutorial() {
    insta::assert_snapshot!(error_of(|dir, text| {
        std::fs::remove_file(dir.join("tutorial.md")).unwrap();
        text
    }));
}

#[test]
fn ttl_too_long() {
    insta::assert_snapshot!(error_of(replace("timeToLive: 8h", "timeToLive: 30d")));
}

#[test]
fn ttl_malformed() {
    insta::assert_snapshot!(error_of(replace("timeToLive: 8h", "timeToLive: 8 hours")));
}

#[test]
fn env_the_app_does_not_read() {
    insta::assert_snapshot!(error_of(replace("ERROR_RATE:", "ERROR_RATIO:")));
}

#[test]
fn component_on_an_undeclared_cluster() {
    insta::assert_snapshot!(error_of(replace("cluster: hub", "cluster: loadgen")));
}

#[test]
fn two_targets() {
    insta::assert_snapshot!(error_of(replace(
        "roles: [load-generator]",
        "roles: [target]"
    )));
}

#[test]
fn bad_comparison() {
    insta::assert_snapshot!(error_of(replace("comparison: \">\"", "comparison: \"=>\"")));
}

#[test]
fn check_declared_twice() {
    insta::assert_snapshot!(error_of(replace(
        "name: p95-under-250ms",
        "name: traffic-arrived"
    )));
}

#[test]
fn missing_modeline() {
    insta::assert_snapshot!(error_of(|_, text| {
        text.lines().skip(1).collect::<Vec<_>>().join("\n")
    }));
}

#[test]
fn unknown_prerequisite_in_load_all() {
    let repo = tempfile::tempdir().unwrap();
    for name in ["hello-app", "http-baseline"] {
        copy_experiment(repo.path(), name);
    }
    let spec = repo
        .path()
        .join("experiments/http-baseline/experiment.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&spec, text.replace("  - hello-app\n", "  - hello-ap\n")).unwrap();
    let err = lab_experiments::load_all(repo.path())
        .unwrap_err()
        .to_string();
    insta::assert_snapshot!(err);
}

// ---- builders -------------------------------------------------------------------------

fn schemas() -> lab_validate::Schemas {
    lab_validate::Schemas::load(&lab_upstream::schemas().expect("vendored schemas").crds)
        .expect("upstream CRDs (set LAB_SCHEMAS_DIR)")
}

#[test]
fn lifecycle_objects_pass_the_upstream_schemas() {
    let schemas = schemas();
    let v = versions();
    let mut checked = 0;
    let mut expected = 0;
    for exp in experiments() {
        // A template each; a script ConfigMap per load, a TestRun per in-cluster load, a
        // PrometheusRule when there are alerts.
        expected += 1
            + usize::from(exp.spec.load.is_some())
            + usize::from(exp.spec.load.as_ref().is_some_and(|l| l.in_cluster))
            + usize::from(!exp.spec.alerts.is_empty());
        let b = bindings(&exp);
        let mut objects = vec![lifecycle::workflow_template(&exp, &b, &v).unwrap()];
        objects.extend(k6::script_configmap(&exp, &b.namespace).unwrap());
        if let Some(run) = k6::test_run(&exp, &b.namespace, &b.target_url, &b.push_url, &v).unwrap()
        {
            objects.push(lab_core::Object::new(&run).unwrap());
        }
        objects.extend(alerts::prometheus_rule(&exp, &exp.name).unwrap());
        for o in objects {
            let problems = schemas.check(&o.value);
            assert!(problems.is_empty(), "{}: {}: {problems:#?}", exp.name, o.id);
            checked += 1;
        }
    }
    assert_eq!(checked, expected);
}

#[test]
fn the_schema_check_can_fail() {
    let exp = experiment("slo-tutorial");
    let mut o = lifecycle::workflow_template(&exp, &bindings(&exp), &versions()).unwrap();
    o.value["spec"]["entrypointt"] = Value::String("x".into());
    assert!(!schemas().check(&o.value).is_empty());
}

#[test]
fn workflow_waits_loads_checks_reports_and_cleans_up() {
    let exp = experiment("slo-tutorial");
    let b = bindings(&exp);
    let wf = lifecycle::workflow_template(&exp, &b, &versions()).unwrap();
    let spec = &wf.value["spec"];
    assert_eq!(spec["entrypoint"], "lifecycle");
    assert_eq!(spec["onExit"], "cleanup");
    assert_eq!(
        step_names(spec),
        [
            "wait-synced",
            "wait-healthy",
            "load",
            "checks",
            "report",
            "verdict"
        ]
    );
    let text = serde_json::to_string(spec).unwrap();
    // Every Application is waited on, every check is evaluated as its condition.
    for app in &b.applications {
        assert!(text.contains(&format!("application/{app}")), "{app}");
    }
    for check in &exp.spec.checks {
        assert!(
            text.contains(&format!("{}=pass", check.name)),
            "{}",
            check.name
        );
    }
    // Images come from versions.yaml.
    let v = versions();
    for key in ["k6", "kubectl", "prometheus"] {
        let image = v.image(key).unwrap().reference();
        assert!(text.contains(&image), "{image}");
    }
}

#[test]
fn slo_tutorial_workflow_as_rendered() {
    let exp = experiment("slo-tutorial");
    let wf = lifecycle::workflow_template(&exp, &bindings(&exp), &versions()).unwrap();
    insta::assert_snapshot!(lab_core::yaml::to_document(&wf.value));
}

#[test]
fn an_experiment_without_load_or_checks_has_no_such_steps() {
    let exp = experiment("gitops-tutorial");
    let mut no_checks = exp.clone();
    no_checks.spec.checks.clear();
    no_checks.spec.load = None;
    let wf = lifecycle::workflow_template(&no_checks, &bindings(&exp), &versions()).unwrap();
    assert_eq!(
        step_names(&wf.value["spec"]),
        ["wait-synced", "wait-healthy", "report"]
    );
}

#[test]
fn the_lifecycle_needs_applications() {
    let exp = experiment("hello-app");
    let mut b = bindings(&exp);
    b.applications.clear();
    let err = lifecycle::workflow_template(&exp, &b, &versions()).unwrap_err();
    assert!(err.to_string().contains("Applications"), "{err}");
}

#[test]
fn in_cluster_load_is_a_testrun_created_and_awaited_by_the_workflow() {
    let exp = experiment("http-baseline");
    let b = bindings(&exp);
    let v = versions();
    let run = k6::test_run(&exp, &b.namespace, &b.target_url, &b.push_url, &v)
        .unwrap()
        .unwrap();
    let run = lab_core::Object::new(&run).unwrap().value;
    assert_eq!(
        run["spec"]["script"]["configMap"]["name"],
        "http-baseline-k6"
    );
    assert_eq!(run["spec"]["script"]["configMap"]["file"], "load.js");
    assert_eq!(
        run["spec"]["runner"]["image"],
        v.image("k6").unwrap().reference()
    );
    let wf = lifecycle::workflow_template(&exp, &b, &v).unwrap().value;
    let load = wf["spec"]["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "load")
        .unwrap();
    assert_eq!(load["resource"]["action"], "create");
    assert!(
        load["resource"]["manifest"]
            .as_str()
            .unwrap()
            .contains("kind: TestRun")
    );
    // Not in-cluster: no TestRun.
    let hello = experiment("hello-app");
    assert!(
        k6::test_run(&hello, "ns", "http://x", "http://push", &v)
            .unwrap()
            .is_none()
    );
}

#[test]
fn k6_options_carry_the_specs_users_duration_and_thresholds() {
    let exp = experiment("http-baseline");
    let options: Value = serde_json::from_str(&k6::options(&exp).unwrap()).unwrap();
    assert_eq!(options["vus"], 20);
    assert_eq!(options["duration"], "5m");
    assert_eq!(
        options["thresholds"]["http_req_duration"],
        serde_json::json!(["p(95)<250", "p(99)<500"])
    );
}

#[test]
fn kind_config_per_local_kind_cluster_on_the_pinned_node_image() {
    let v = versions();
    let dir = lab_core::RelPath::new("experiments/hello-app/target/bootstrap").unwrap();
    let exp = experiment("hello-app");
    let target = exp.target_cluster();
    let config = kind::config(&exp, target, &dir, &v).unwrap().unwrap();
    assert_eq!(
        config.path.as_str(),
        "experiments/hello-app/target/bootstrap/kind.yaml"
    );
    let doc = &config.documents[0];
    assert_eq!(doc["name"], "hello-app-target");
    assert_eq!(
        doc["nodes"][0]["image"],
        v.image("kind-node").unwrap().reference()
    );
    // The hub itself needs no kind config.
    let gitops = experiment("gitops-tutorial");
    assert!(
        kind::config(&gitops, gitops.target_cluster(), &dir, &v)
            .unwrap()
            .is_none()
    );
}

#[test]
fn readme_has_the_facts_the_commands_and_the_tutorial() {
    let v = versions();
    for exp in experiments() {
        let text = readme::render(&exp, &v).unwrap();
        // The generated-file comment is the Markdown format's, added when it becomes a file.
        assert!(
            text.starts_with(&format!("# {}", exp.spec.title)),
            "{}",
            exp.name
        );
        assert!(
            text.contains(&format!("# {}", exp.spec.title)),
            "{}",
            exp.name
        );
        assert!(text.contains(&format!("task hub:conduct -- {}", exp.name)));
        assert!(text.contains(exp.tutorial.trim_end()), "{}", exp.name);
        for c in &exp.spec.components {
            let version = c.id.entry().pin.version(&v).unwrap();
            assert!(text.contains(&version), "{}: {version}", exp.name);
        }
    }
    insta::assert_snapshot!(
        readme::render(&experiment("http-baseline"), &v)
            .unwrap()
            .split("\n---\n")
            .next()
            .unwrap()
    );
}

#[test]
fn station_alerts_become_one_rule_with_a_group_per_story_line() {
    let exp = experiment("prometheus-tutorial");
    let rule = alerts::prometheus_rule(&exp, "prometheus-tutorial")
        .unwrap()
        .unwrap()
        .value;
    let groups: Vec<&str> = rule["spec"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        groups,
        [
            "cloudbreak.sector12",
            "cloudbreak.containment",
            "cloudbreak.beacon",
            "cloudbreak.crew"
        ]
    );
    let first = &rule["spec"]["groups"][0]["rules"][0];
    assert_eq!(first["alert"], "Sector12HighErrorRate");
    assert_eq!(first["for"], "2m");
    assert_eq!(first["labels"]["severity"], "warning");
    // Their expressions go to promtool with the other queries.
    let found = queries::of(&exp);
    assert!(
        found
            .iter()
            .any(|q| q.field == "/alerts/0/expr" && q.text == exp.spec.alerts[0].expr)
    );
    assert!(
        alerts::prometheus_rule(&experiment("hello-app"), "x")
            .unwrap()
            .is_none()
    );
}

// ---- queries and the schema -----------------------------------------------------------

#[test]
fn queries_come_from_specs_and_fenced_tutorial_blocks() {
    let exp = experiment("loki-tutorial");
    let found = queries::of(&exp);
    let langs: std::collections::BTreeSet<_> = found.iter().map(|q| q.language).collect();
    assert_eq!(langs.len(), 2, "promql and logql");
    let first_fence = found.iter().find(|q| q.field == "tutorial").unwrap();
    let line = exp.tutorial.lines().nth(first_fence.line - 1).unwrap();
    assert_eq!(line, first_fence.text.lines().next().unwrap());
    assert!(
        found
            .iter()
            .any(|q| q.field == "/checks/0/expr" && q.text.starts_with('('))
    );
}

#[test]
fn the_schema_describes_every_field() {
    let schema = lab_experiments::schema();
    let props = schema["properties"].as_object().unwrap();
    for (name, prop) in props {
        assert!(
            prop.get("description").is_some(),
            "experiment.yaml field {name} has no description"
        );
    }
    assert!(props.contains_key("timeToLive"));
}

#[test]
fn expiry_sleeps_for_the_time_to_live_then_deletes_the_roots() {
    let exp = experiment("slo-tutorial");
    let b = bindings(&exp);
    let t = lifecycle::expiry_template(&exp, &b, &versions()).unwrap();
    assert_eq!(t.id.name, "slo-tutorial-expiry");
    let templates = t.value["spec"]["templates"].as_array().unwrap();
    let wait = templates.iter().find(|t| t["name"] == "wait").unwrap();
    assert_eq!(wait["suspend"]["duration"], format!("{}h", exp.ttl_hours()));
    let delete = templates.iter().find(|t| t["name"] == "delete").unwrap();
    let args = strings(&delete["container"]["args"]);
    assert!(
        args.contains(&"application/experiments-slo-tutorial-target"),
        "{args:?}"
    );
    // Children are never deleted one by one: their root would recreate them.
    assert!(!args.contains(&"application/slo-tutorial"), "{args:?}");
    let mut none = b.clone();
    none.roots.clear();
    assert!(lifecycle::expiry_template(&exp, &none, &versions()).is_err());
}

#[test]
fn the_workflows_service_account_may_do_what_its_steps_do() {
    let exp = experiment("http-baseline");
    let b = bindings(&exp);
    let objects = lifecycle::rbac(&exp, &b).unwrap();
    let kinds: Vec<(&str, Option<&str>)> = objects
        .iter()
        .map(|o| (o.id.kind.as_str(), o.id.namespace.as_deref()))
        .collect();
    assert!(kinds.contains(&("ServiceAccount", Some("argo-workflows"))));
    assert!(kinds.contains(&("Role", Some("argocd"))));
    assert!(kinds.contains(&("RoleBinding", Some("argocd"))));
    let own = objects
        .iter()
        .find(|o| o.id.kind == "Role" && o.id.namespace.as_deref() == Some("argo-workflows"))
        .unwrap();
    let text = own.value.to_string();
    // The in-cluster load creates a TestRun; the report is a ConfigMap.
    assert!(
        text.contains("testruns") && text.contains("configmaps"),
        "{text}"
    );
    let runs = lifecycle::workflows(&exp, &b).unwrap();
    assert_eq!(
        runs.iter().map(|r| r.id.name.as_str()).collect::<Vec<_>>(),
        ["http-baseline-run", "http-baseline-expiry"]
    );
    assert_eq!(
        runs[1].value["spec"]["workflowTemplateRef"]["name"],
        "http-baseline-expiry"
    );
}

#[test]
fn alert_labels_are_prometheus_label_names() {
    let valid = |name: &str| {
        let mut chars = name.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    for exp in experiments() {
        let Some(rule) = alerts::prometheus_rule(&exp, &exp.name).unwrap() else {
            continue;
        };
        for group in rule.value["spec"]["groups"].as_array().unwrap() {
            for r in group["rules"].as_array().unwrap() {
                for name in r["labels"].as_object().unwrap().keys() {
                    assert!(valid(name), "{}: label {name:?}", exp.name);
                }
            }
        }
    }
}

// ---- comparisons ------------------------------------------------------------------------

const COMPARISON: &str = "comparison:
  subjects: [fast, slow]
  measures:
    - name: latency
      title: Median latency
      unit: s
      queries:
        fast: sum(fast_seconds)
        slow: sum(slow_seconds)
timeToLive: 8h";

#[test]
fn a_measure_without_a_subject_query() {
    insta::assert_snapshot!(error_of(|_, text| text.replacen(
        "timeToLive: 8h",
        &COMPARISON.replace("        slow: sum(slow_seconds)\n", ""),
        1
    )));
}

#[test]
fn a_measure_asking_a_subject_not_compared() {
    insta::assert_snapshot!(error_of(|_, text| text.replacen(
        "timeToLive: 8h",
        &COMPARISON.replace("slow: sum(slow", "slower: sum(slow"),
        1
    )));
}

#[test]
fn a_subject_listed_twice() {
    insta::assert_snapshot!(error_of(|_, text| text.replacen(
        "timeToLive: 8h",
        &COMPARISON.replace("[fast, slow]", "[fast, slow, fast]"),
        1
    )));
}

/// http-baseline with a comparison of two subjects over three measures: one answered, one
/// answered for one subject only, one whose query holds a single quote.
fn compared() -> Experiment {
    let mut exp = experiment("http-baseline");
    exp.spec.comparison = Some(
        serde_json::from_value(serde_json::json!({
            "subjects": ["fast", "slow"],
            "measures": [
                {"name": "latency", "title": "Median | \"latency\"", "unit": "s",
                 "queries": {"fast": "sum(fast_seconds)", "slow": "sum(slow_seconds)"}},
                {"name": "memory", "title": "Resident memory", "unit": "bytes",
                 "queries": {"fast": "sum(fast_bytes)", "slow": "sum(absent_bytes)"}},
                {"name": "quoted", "title": "Quoted", "unit": "short",
                 "queries": {"fast": "sum(x{job='it''s'})", "slow": "sum(slow_seconds)"}}
            ]
        }))
        .unwrap(),
    );
    exp
}

#[test]
fn the_compare_step_writes_the_table_the_report_carries() {
    let exp = compared();
    let wf = lifecycle::workflow_template(&exp, &bindings(&exp), &versions()).unwrap();
    let spec = &wf.value["spec"];
    assert_eq!(
        step_names(spec),
        [
            "wait-synced",
            "wait-healthy",
            "load",
            "checks",
            "compare",
            "report",
            "verdict"
        ]
    );
    let text = serde_json::to_string(spec).unwrap();
    assert!(text.contains("{{steps.compare.outputs.parameters.table}}"));

    // Run the script as Argo would, with a promtool that knows three series and prints them
    // as promtool does (`<labels> => <value> @[<time>]`).
    let compare = template(spec, "compare");
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("table.md");
    std::fs::write(
        dir.path().join("promtool"),
        "#!/bin/sh\n[ \"$1 $2 $3\" = 'query instant http://mimir.test' ] || exit 2\ncase \"$4\" in\n  \
         'sum(fast_seconds)') echo '{} => 0.0123456 @[1700000000.5]' ;;\n  \
         'sum(slow_seconds)') echo '{} => 2.5 @[1700000000.5]' ;;\n  \
         'sum(fast_bytes)') echo '{} => 123456789 @[1700000000.5]' ;;\n  \
         \"sum(x{job='it''s'})\") echo '{} => 7 @[1700000000.5]' ;;\nesac\n",
    )
    .unwrap();
    std::process::Command::new("chmod")
        .args(["+x", dir.path().join("promtool").to_str().unwrap()])
        .status()
        .unwrap();
    let source = compare["script"]["source"]
        .as_str()
        .unwrap()
        .replace("{{workflow.parameters.query-url}}", "http://mimir.test")
        .replace("/tmp/comparison.md", table.to_str().unwrap());
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&source)
        .env("PATH", format!("{}:/usr/bin:/bin", dir.path().display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read_to_string(&table).unwrap();
    assert_eq!(
        written,
        "| measure | fast | slow |\n|---|---|---|\n\
         | Median \\| \"latency\" (s) | 0.01235 | 2.5 |\n\
         | Resident memory (bytes) | 1.235e+08 | n/a |\n\
         | Quoted (short) | 7 | 2.5 |\n"
    );

    // Argo pastes the output parameter into the report's manifest; the ConfigMap it applies
    // must carry the table as written, newlines, quotes and backslashes included.
    let output = compare["outputs"]["parameters"][0]["valueFrom"]["path"]
        .as_str()
        .unwrap()
        .replace("/tmp/comparison.md", table.to_str().unwrap());
    let pasted = std::fs::read_to_string(output).unwrap();
    assert_eq!(pasted.lines().count(), 1, "{pasted}");
    let report = template(spec, "report")["resource"]["manifest"]
        .as_str()
        .unwrap()
        .replace("{{inputs.parameters.comparison}}", pasted.trim_end());
    let report = lab_core::yaml::read_back_yaml11(&report).unwrap();
    assert_eq!(report["data"]["comparison"], written.as_str());
}

#[test]
fn both_kinds_of_load_write_their_results_to_the_push_url_tagged_with_the_experiment() {
    let v = versions();
    // http-baseline runs in-cluster (a TestRun), slo-tutorial as a workflow step.
    let baseline = experiment("http-baseline");
    let b = bindings(&baseline);
    let run = k6::test_run(&baseline, &b.namespace, &b.target_url, &b.push_url, &v)
        .unwrap()
        .unwrap();
    let run = lab_core::Object::new(&run).unwrap().value;
    let args = run["spec"]["arguments"].as_str().unwrap();
    assert!(args.contains("--out=experimental-prometheus-rw"), "{args}");
    assert!(args.contains("--tag=testid=http-baseline"), "{args}");
    let env = &run["spec"]["runner"]["env"];
    assert!(
        env.as_array().unwrap().iter().any(
            |e| e["name"] == "K6_PROMETHEUS_RW_SERVER_URL" && e["value"] == b.push_url.as_str()
        ),
        "{env}"
    );

    let slo = experiment("slo-tutorial");
    let b = bindings(&slo);
    let wf = lifecycle::workflow_template(&slo, &b, &v).unwrap().value;
    let load = template(&wf["spec"], "load");
    let args = strings(&load["container"]["args"]);
    assert!(
        args.contains(&"--out=experimental-prometheus-rw"),
        "{args:?}"
    );
    assert!(args.contains(&"--tag=testid=slo-tutorial"), "{args:?}");
    assert_eq!(
        args.last(),
        Some(&"/scripts/load.js"),
        "the script comes last"
    );
    let env = &load["container"]["env"];
    assert!(
        env.as_array().unwrap().iter().any(
            |e| e["name"] == "K6_PROMETHEUS_RW_SERVER_URL" && e["value"] == b.push_url.as_str()
        ),
        "{env}"
    );
}

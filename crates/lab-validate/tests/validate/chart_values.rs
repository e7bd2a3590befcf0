//! Rule `chart-values`: Helm values checked against the vendored facts of the pinned chart,
//! on small fixed charts, one case each. The real render against the real facts is tested
//! with the whole lab (`crates/lab/tests/lab/chart_values.rs`).

use lab_core::{Artifact, Finding, Format, RelPath, Tree};
use lab_validate::chart_values::{
    Catalog, ChartFacts, RULE, RULE_MISSING, RULE_SCHEMA, check, template_refs,
};
use serde_json::{Value, json};

/// A tree with one Application `demo` using `chart` at `version` and the given values.
fn app_tree(chart: &str, version: &str, values: Value) -> Tree {
    let app = json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "demo", "namespace": "argocd"},
        "spec": {"sources": [
            {"chart": chart, "repoURL": "https://example.org/charts", "targetRevision": version,
             "helm": {"valueFiles": ["$values/generated/hub/values/demo.yaml"]}},
            {"ref": "values", "repoURL": "https://example.org/lab.git", "targetRevision": "main"},
        ]},
    });
    let mut tree = Tree::new();
    let path = |p: &str| RelPath::new(p).unwrap();
    tree.add(
        Artifact::document(path("hub/apps/application-demo.yaml"), Format::Object, &app).unwrap(),
    )
    .unwrap();
    tree.add(
        Artifact::document(path("hub/values/demo.yaml"), Format::HelmValues, &values).unwrap(),
    )
    .unwrap();
    tree
}

/// The defaults of a small chart, in the shape chart values usually have.
fn defaults_v1() -> Value {
    json!({
        "replicas": 1,
        "image": {"repository": "demo", "tag": ""},
        "controller": {"resources": {}, "logLevel": "info"},
        "podAnnotations": {},
        "securityContext": {"runAsNonRoot": true},
        "service": {"type": "ClusterIP", "port": 80},
        "extraObjects": [],
        "config": "",
    })
}

fn catalog(facts: ChartFacts) -> Catalog {
    let mut c = Catalog::default();
    c.insert(facts);
    c
}

fn demo(version: &str, defaults: &Value) -> Catalog {
    catalog(ChartFacts::derive(
        "demo",
        version,
        defaults,
        None,
        vec![],
        &[],
    ))
}

fn only(findings: &[Finding]) -> &Finding {
    assert_eq!(findings.len(), 1, "{findings:#?}");
    &findings[0]
}

#[test]
fn values_the_chart_has_pass() {
    let tree = app_tree(
        "demo",
        "1.0.0",
        json!({"replicas": 2, "image": {"tag": "1.2.3"}, "service": {"port": 8080}, "config": null}),
    );
    let out = check(&tree, &demo("1.0.0", &defaults_v1()));
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    assert_eq!(out.sources_checked, 1);
    assert_eq!(
        out.paths_checked, 6,
        "every key the values set is looked up"
    );
}

#[test]
fn a_misspelt_key_is_named_with_a_suggestion() {
    let tree = app_tree("demo", "1.0.0", json!({"servce": {"port": 8080}}));
    let out = check(&tree, &demo("1.0.0", &defaults_v1()));
    let f = only(&out.findings);
    assert_eq!(f.rule, RULE);
    assert_eq!(f.path, "hub/values/demo.yaml");
    assert_eq!(f.object.as_deref(), Some("Application argocd/demo"));
    assert!(
        f.message
            .contains("servce is not a value of chart demo 1.0.0"),
        "{f}"
    );
    assert!(f.message.contains("did you mean service?"), "{f}");
}

#[test]
fn a_key_moved_by_a_chart_bump_points_to_its_new_place() {
    let values = json!({"controller": {"logLevel": "debug", "replicaCount": 2}});
    let v1 = json!({"controller": {"logLevel": "info", "replicaCount": 1}});
    let v2 = json!({"controller": {"logLevel": "info", "deployment": {"replicaCount": 1}}});
    assert!(
        check(
            &app_tree("demo", "1.0.0", values.clone()),
            &demo("1.0.0", &v1)
        )
        .findings
        .is_empty()
    );
    let out = check(&app_tree("demo", "2.0.0", values), &demo("2.0.0", &v2));
    let f = only(&out.findings);
    assert!(
        f.message
            .contains("controller.replicaCount is not a value of chart demo 2.0.0"),
        "{f}"
    );
    assert!(
        f.message
            .contains("did you mean controller.deployment.replicaCount?"),
        "{f}"
    );
}

#[test]
fn a_wrong_type_is_named() {
    let tree = app_tree(
        "demo",
        "1.0.0",
        json!({"replicas": "2", "service": "LoadBalancer"}),
    );
    let out = check(&tree, &demo("1.0.0", &defaults_v1()));
    assert_eq!(out.findings.len(), 2, "{:#?}", out.findings);
    assert!(
        out.findings[0]
            .message
            .contains("replicas is a string but chart demo 1.0.0 has a number there")
    );
    assert!(
        out.findings[1]
            .message
            .contains("service is a string but chart demo 1.0.0 has a map there")
    );
}

#[test]
fn free_form_maps_accept_any_key() {
    let tree = app_tree(
        "demo",
        "1.0.0",
        json!({
            // `{}` default
            "controller": {"resources": {"limits": {"memory": "1Gi"}}},
            // a pass-through name
            "podAnnotations": {"example.org/x": "y"},
            "securityContext": {"capabilities": {"drop": ["ALL"]}},
            // what the templates pass on with toYaml
            "metrics": {"anything": {"at": "all"}},
        }),
    );
    let refs = template_refs("{{- with .Values.metrics }}\n{{ toYaml . }}\n{{- end }}");
    let facts = ChartFacts::derive("demo", "1.0.0", &defaults_v1(), None, vec![], &refs);
    let out = check(&tree, &catalog(facts));
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    assert!(out.paths_free_form > 0);
    // Without the template's toYaml, `metrics` is unknown.
    let out = check(&tree, &demo("1.0.0", &defaults_v1()));
    assert!(
        only(&out.findings)
            .message
            .contains("metrics is not a value")
    );
}

#[test]
fn unvendored_subchart_values_are_accepted_and_counted_as_unchecked() {
    let tree = app_tree(
        "demo",
        "1.0.0",
        json!({"redis": {"architecture": "standalone", "auth": {"enabled": false}}, "podAnnotations": {"a": "b"}}),
    );
    let facts = ChartFacts::derive(
        "demo",
        "1.0.0",
        &defaults_v1(),
        None,
        vec!["redis".into()],
        &[],
    );
    let out = check(&tree, &catalog(facts));
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    // architecture, auth, auth.enabled: under the subchart (podAnnotations.a is free-form, and
    // only what lies below a free-form key is counted as such).
    assert_eq!((out.paths_subchart, out.paths_free_form), (3, 0));
}

/// A subchart whose values are vendored: its keys (and the parent's overrides under its key)
/// are checked like the chart's own, with suggestions from the subchart's keys.
#[test]
fn vendored_subchart_values_are_checked() {
    let parent_defaults = json!({
        "replicas": 1,
        "redis": {"enabled": true, "auth": {"password": ""}},
    });
    let sub = ChartFacts::derive(
        "redis",
        "20.1.0",
        &json!({"architecture": "replication", "auth": {"enabled": true}, "master": {"podLabels": {}}}),
        None,
        vec![],
        &[],
    );
    let mut facts = ChartFacts::derive(
        "demo",
        "1.0.0",
        &parent_defaults,
        None,
        vec!["redis".into()],
        &[],
    );
    facts.with_subchart("redis", &sub);
    assert_eq!(facts.subchart_sources["redis"], "redis 20.1.0");
    let cat = catalog(facts);
    let good = app_tree(
        "demo",
        "1.0.0",
        json!({"redis": {"enabled": true, "architecture": "standalone",
                         "auth": {"enabled": false, "password": "x"},
                         "master": {"podLabels": {"team": "lab"}}}}),
    );
    let out = check(&good, &cat);
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    assert_eq!(out.paths_subchart, 0);
    let bad = app_tree(
        "demo",
        "1.0.0",
        json!({"redis": {"architecure": "standalone", "auth": {"enabled": "no"}}}),
    );
    let out = check(&bad, &cat);
    let messages: Vec<&str> = out.findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert!(
        messages.iter().any(|m| m.contains(
            "redis.architecure is not a value of chart demo 1.0.0; Helm would ignore it (did you mean redis.architecture?)"
        )),
        "{messages:#?}"
    );
    assert!(
        messages.iter().any(
            |m| m.contains("redis.auth.enabled is a string but chart demo 1.0.0 has a boolean")
        ),
        "{messages:#?}"
    );
}

#[test]
fn the_schema_adds_keys_and_its_constraints_hold() {
    let schema = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "description": "prose that is not vendored",
        "properties": {
            "mode": {"type": "string", "enum": ["a", "b"]},
            "replicas": {"type": "integer", "minimum": 1},
        },
        "required": ["replicas"],
    });
    let facts = ChartFacts::derive("demo", "1.0.0", &defaults_v1(), Some(&schema), vec![], &[]);
    assert!(facts.schema.as_ref().unwrap().get("description").is_none());
    // `mode` is only in the schema; `required` is not enforced (a default may supply it).
    let ok = app_tree("demo", "1.0.0", json!({"mode": "a"}));
    let cat = catalog(facts);
    let out = check(&ok, &cat);
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    assert_eq!(out.schema_checked, 1);
    let bad = app_tree("demo", "1.0.0", json!({"mode": "c", "replicas": 0}));
    let out = check(&bad, &cat);
    let schema: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.rule == RULE_SCHEMA)
        .collect();
    assert_eq!(schema.len(), 2, "{:#?}", out.findings);
    assert!(schema.iter().any(|f| f.message.contains("/mode")));
    assert!(schema.iter().any(|f| f.message.contains("/replicas")));
}

#[test]
fn a_chart_without_facts_is_a_finding_unless_locked_as_missing() {
    let tree = app_tree("demo", "3.0.0", json!({"replicas": 2}));
    let mut cat = demo("1.0.0", &defaults_v1());
    let f = only(&check(&tree, &cat).findings).clone();
    assert_eq!(f.rule, RULE_MISSING);
    assert!(f.message.contains("demo 3.0.0"), "{f}");
    cat.acknowledge_missing("demo", "3.0.0", "not found upstream");
    let out = check(&tree, &cat);
    assert!(out.findings.is_empty());
    assert_eq!(out.unchecked, ["demo: demo 3.0.0 (not found upstream)"]);
    // A bump past the acknowledged version is a finding again.
    let bumped = app_tree("demo", "3.0.1", json!({"replicas": 2}));
    assert_eq!(only(&check(&bumped, &cat).findings).rule, RULE_MISSING);
}

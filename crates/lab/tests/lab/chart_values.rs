//! Every Helm value the real lab sets fits its pinned chart (rule `chart-values` on the real
//! render and the vendored chart facts), and the rule bites on a real values file.

use crate::edited;
use lab_core::{Finding, Format, Tree};
use lab_validate::chart_values::{Catalog, RULE, check, schema_findings};

fn only(findings: &[Finding]) -> &Finding {
    assert_eq!(findings.len(), 1, "{findings:#?}");
    &findings[0]
}

fn real() -> (Tree, Catalog) {
    let tree = crate::rendered_tree();
    let catalog = Catalog::load(&lab_upstream::charts_for(&lab_testkit::repo_root())).unwrap();
    (tree, catalog)
}

/// Every chart source of every Application.
fn chart_sources(tree: &Tree) -> Vec<(String, String, String, Option<String>)> {
    let mut out = Vec::new();
    for a in tree.artifacts().filter(|a| a.format == Format::Object) {
        let doc = &a.documents[0];
        if doc["kind"] != "Application" {
            continue;
        }
        for s in doc["spec"]["sources"].as_array().into_iter().flatten() {
            if let (Some(chart), Some(version)) =
                (s["chart"].as_str(), s["targetRevision"].as_str())
            {
                let values = s["helm"]["valueFiles"][0]
                    .as_str()
                    .and_then(|f| f.strip_prefix("$values/generated/"))
                    .map(str::to_owned);
                out.push((
                    doc["metadata"]["name"].as_str().unwrap().to_owned(),
                    chart.to_owned(),
                    version.to_owned(),
                    values,
                ));
            }
        }
    }
    out
}

#[test]
fn the_real_lab_values_fit_their_charts() {
    let (tree, catalog) = real();
    let out = check(&tree, &catalog);
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    // Coverage: every chart source is either checked or listed as unchecked, with its reason.
    let sources = chart_sources(&tree);
    assert!(sources.len() >= 20, "{sources:?}");
    assert_eq!(out.sources_checked + out.unchecked.len(), sources.len());
    assert!(out.paths_checked > 300, "{}", out.paths_checked);
    // Values set under a subchart (kube-prometheus-stack's grafana, loki's minio, eck-stack's
    // eck-elasticsearch…) are checked against the subchart's vendored values, not waved through.
    assert_eq!(out.paths_subchart, 0);
}

#[test]
fn the_real_values_are_valid_against_each_chart_schema() {
    let (tree, catalog) = real();
    let mut with_schema = 0;
    for (app, chart, version, values) in chart_sources(&tree) {
        let Some(schema) = catalog
            .get(&chart, &version)
            .and_then(|f| f.schema.as_ref())
        else {
            continue;
        };
        let values = values.expect("a values file");
        let doc = &tree.get(&values).expect("rendered values").documents[0];
        let errors = schema_findings(schema, doc);
        assert!(errors.is_empty(), "{app} ({chart} {version}): {errors:#?}");
        with_schema += 1;
    }
    // traefik, cert-manager, external-secrets, headlamp, metallb, openbao, opentelemetry-collector
    assert!(with_schema >= 7, "{with_schema} charts with a schema");
}

#[test]
fn a_deliberately_misspelt_real_key_fails_with_a_suggestion() {
    let (tree, catalog) = real();
    let bad = edited(&tree, "hub/values/traefik.yaml", |doc| {
        let ports = doc["ports"].take();
        doc["portz"] = ports;
    });
    let out = check(&bad, &catalog);
    // The chart's schema may reject it too (rule chart-values-schema); this rule names it once.
    let named: Vec<Finding> = out
        .findings
        .into_iter()
        .filter(|f| f.rule == RULE)
        .collect();
    let f = only(&named);
    assert_eq!(f.object.as_deref(), Some("Application argocd/traefik"));
    assert!(
        f.message
            .contains("portz is not a value of chart traefik 37.3.0"),
        "{f}"
    );
    assert!(f.message.contains("did you mean ports?"), "{f}");
}

/// A key under a subchart (kube-prometheus-stack's grafana) is checked against the subchart's
/// vendored values: a misspelt one is named with the subchart's key as suggestion.
#[test]
fn a_misspelt_key_under_a_real_subchart_fails_with_a_suggestion() {
    let (tree, catalog) = real();
    let bad = edited(
        &tree,
        "targets/talos/values/kube-prometheus-stack.yaml",
        |doc| doc["grafana"]["persistance"] = serde_json::json!({"enabled": true}),
    );
    let out = check(&bad, &catalog);
    let f = only(&out.findings);
    assert_eq!(
        f.object.as_deref(),
        Some("Application argocd/talos-kube-prometheus-stack")
    );
    assert!(
        f.message
            .contains("grafana.persistance is not a value of chart kube-prometheus-stack 79.9.0"),
        "{f}"
    );
    assert!(
        f.message.contains("did you mean grafana.persistence?"),
        "{f}"
    );
}

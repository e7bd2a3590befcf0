//! The cluster rules of `cargo xtask validate` on the real lab: no finding, every rule looks
//! at something, and the CRDs validated against are those of the pinned charts.

use lab_validate::cluster::{self, Facts};

/// The CRDs validate checks against are those of the pinned charts, where the chart is
/// versioned like its app (`.ci/crds.lock` tags vs `platform/versions.yaml`).
#[test]
fn validated_crds_are_those_of_the_pinned_charts() {
    let root = lab_testkit::repo_root();
    let lock = std::fs::read_to_string(root.join(".ci/crds.lock")).unwrap();
    let versions = lab::Inputs::load(&root).unwrap().versions;
    let mut compared = 0;
    for line in lock.lines().filter(|l| l.starts_with("crds/")) {
        let group = line.split('/').nth(1).unwrap();
        let tag = line.rsplit("# ").next().unwrap().trim();
        for (g, chart) in cluster::CRDS_OF_PINNED_CHART {
            if g != group {
                continue;
            }
            compared += 1;
            let pinned = &versions.charts[chart].version;
            assert_eq!(
                pinned.trim_start_matches('v'),
                tag.trim_start_matches('v'),
                "{line}: chart {chart} is pinned at {pinned}"
            );
        }
    }
    assert!(
        compared >= cluster::CRDS_OF_PINNED_CHART.len(),
        "{compared} lock lines compared"
    );
}

/// Pins whose chart release installs other CRDs than those vendored, and why neither side can be
/// moved to match: (chart, pinned chart's appVersion, vendored CRD tag, why). The test checks
/// each entry is still exactly true, so it goes away when either side moves.
// None now: every chart versioned apart from its app is validated against the CRDs of the app
// release its pinned chart installs (their upstream files at that tag, in `.ci/crds.lock`).
const LAGGING: [(&str, &str, &str, &str); 0] = [];

/// Lock destinations (by prefix) that come from no pinned chart's own release: Traefik's chart
/// installs the Gateway API CRDs of the Gateway API release it bundles.
const NOT_OF_A_CHART_RELEASE: [&str; 2] = ["crds/gateway.networking.k8s.io/", "talos/"];

/// Each vendored CRD of a chart versioned apart from its app is that of the app release the
/// pinned chart installs: the lock's tag equals the chart's appVersion in its vendored facts.
/// Every lock line is classified, so a newly vendored CRD cannot escape the comparison.
#[test]
fn validated_crds_are_those_of_the_pinned_charts_app() {
    let root = lab_testkit::repo_root();
    let lock = std::fs::read_to_string(root.join(".ci/crds.lock")).unwrap();
    let versions = lab::Inputs::load(&root).unwrap().versions;
    let facts =
        lab_validate::chart_values::Catalog::load(&lab_upstream::charts_for(&root)).unwrap();
    let bare = |v: &str| v.trim_matches('"').trim_start_matches('v').to_owned();
    let mut mismatches = Vec::new();
    let mut lagging_seen = Vec::new();
    for line in lock
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let dest = line.split(' ').next().unwrap();
        let tag = line.rsplit("# ").next().unwrap().trim();
        let group = dest.split('/').nth(1).unwrap_or("");
        let by_app = cluster::CRDS_OF_CHART_APP
            .iter()
            .find(|(prefix, _)| dest.starts_with(prefix));
        let Some((_, chart)) = by_app else {
            let by_pin = cluster::CRDS_OF_PINNED_CHART
                .iter()
                .any(|(g, _)| *g == group);
            let exempt = NOT_OF_A_CHART_RELEASE.iter().any(|p| dest.starts_with(p));
            assert!(
                by_pin || exempt,
                "{dest}: which pinned chart installs it? add it to a table"
            );
            continue;
        };
        let pin = &versions.charts[*chart].version;
        let app = facts
            .get(chart, pin)
            .and_then(|f| f.app_version.clone())
            .unwrap_or_else(|| panic!("chart facts of {chart} {pin} record no appVersion"));
        if bare(&app) == bare(tag) {
            continue;
        }
        match LAGGING.iter().find(|(c, ..)| c == chart) {
            Some((_, a, t, _)) if *a == app && *t == tag => lagging_seen.push(*chart),
            _ => mismatches.push(format!(
                "{dest}: CRDs of {tag}, but chart {chart} {pin} installs {app}"
            )),
        }
    }
    assert!(mismatches.is_empty(), "{mismatches:#?}");
    for (chart, _, _, why) in LAGGING {
        assert!(
            lagging_seen.contains(&chart),
            "{chart} no longer lags as LAGGING says ({why}): drop its entry"
        );
    }
}

/// The lab itself: no cluster finding, and every rule that has something to look at looks.
#[test]
fn the_lab_would_run() {
    let root = lab_testkit::repo_root();
    let inputs = lab::Inputs::load(&root).unwrap();
    let tree = lab::render(&inputs).unwrap();
    let out = cluster::check(&tree, &inputs.settings, &Facts::load(&root).unwrap());
    let lines: Vec<String> = out.findings.iter().map(ToString::to_string).collect();
    assert!(lines.is_empty(), "{lines:#?}");
    for s in &out.stats {
        // Nothing registers an ImageUpdater now; the rule guards its return.
        if s.rule != "updater-target" {
            assert!(s.checked > 0, "{} checked nothing on the lab", s.rule);
        }
    }
}

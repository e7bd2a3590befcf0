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

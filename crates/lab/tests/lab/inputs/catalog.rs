//! `lab_model::versions::{CHARTS, IMAGES}` say which keys the versions file may hold; this
//! proves each is really asked for by a builder (with every optional feature on), so that the
//! catalogue cannot keep a name no component uses.

use lab::{Inputs, render};
use lab_model::versions::{CHARTS, IMAGES};

/// Pinned in platform/versions.yaml (on main) but asked for by no builder yet: presumably for
/// experiments still to be wired. The lead decides whether they stay; the test keeps this list
/// exact, so a new unused name, or one that becomes used, fails until the list is updated.
const NOT_YET_USED: &[&str] = &[
    "chart chaos-mesh",
    "chart contour",
    "chart ingress-nginx",
    "chart keda",
    "chart minio",
    "chart promtail",
    "chart rabbitmq",
    "chart strimzi-kafka-operator",
    "image go-httpbin",
    "image http-echo",
    "image nginx",
];

fn all_features_on() -> Inputs {
    let mut inputs = crate::inputs();
    inputs.settings.features.tailscale = true;
    inputs
}

#[test]
fn every_catalogued_chart_and_image_is_used_by_a_builder() {
    let inputs = all_features_on();
    render(&inputs).expect("the full lab renders");
    let mut unused = Vec::new();
    for (what, name) in CHARTS
        .iter()
        .map(|n| ("chart", n))
        .chain(IMAGES.iter().map(|n| ("image", n)))
    {
        let mut without = inputs.clone();
        let removed = match what {
            "chart" => without.versions.charts.remove(*name).is_some(),
            _ => without.versions.images.remove(*name).is_some(),
        };
        assert!(removed, "the versions file pins {what} {name}");
        match render(&without) {
            Ok(_) => unused.push(format!("{what} {name}")),
            Err(e) => {
                // Named, and said once (the chain used to repeat the cause).
                let sentence = format!("no {what} {name:?}");
                assert_eq!(format!("{e:#}").matches(&sentence).count(), 1, "{e:#}");
            }
        }
    }
    assert_eq!(unused, NOT_YET_USED, "catalogued but used by no builder");
}

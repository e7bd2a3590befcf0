use demo_kit::testing::openmetrics::{Labels, parse};
use demo_kit::testing::{AppProcess, expect_config_error, http};
use std::collections::BTreeSet;

const BIN: &str = env!("CARGO_BIN_EXE_cardinality-generator");

fn series(app: &AppProcess) -> (BTreeSet<Labels>, usize, f64) {
    let families = parse(&app.get("/metrics").body).expect("OpenMetrics");
    let readings = &families["sensor_reading"];
    assert_eq!(readings.kind, "gauge");
    let sets: BTreeSet<Labels> = readings.samples.iter().map(|s| s.labels.clone()).collect();
    let gauge = families["cardinality_generator_series"].samples[0].value;
    (sets, readings.samples.len(), gauge)
}

#[test]
fn exposes_exactly_the_configured_series_and_resizes() {
    let app = AppProcess::start(BIN, &[("CARDINALITY_LEVEL", "137")]);
    let (sets, samples, gauge) = series(&app);
    assert_eq!((sets.len(), samples, gauge), (137, 137, 137.0));
    let keys: BTreeSet<String> = sets.iter().flat_map(|l| l.keys().cloned()).collect();
    assert_eq!(
        keys,
        BTreeSet::from(["deck", "section", "sensor_type"].map(String::from))
    );

    let res = http(app.addr, "POST", "/cardinality?series=20", &[]);
    assert_eq!(res.status, 200, "{}", res.body);
    let (sets, samples, gauge) = series(&app);
    assert_eq!((sets.len(), samples, gauge), (20, 20, 20.0));
    assert_eq!(
        http(app.addr, "POST", "/cardinality?series=0", &[]).status,
        400
    );
}

#[test]
fn unknown_level_is_a_clear_error() {
    let error = expect_config_error(
        BIN,
        &[("CARDINALITY_LEVEL", "extreme")],
        "CARDINALITY_LEVEL",
    );
    assert!(error.contains("low, medium, high or an integer"), "{error}");
}

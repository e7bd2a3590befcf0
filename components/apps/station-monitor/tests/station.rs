use demo_kit::testing::openmetrics::parse;
use demo_kit::testing::{AppProcess, expect_config_error};
use std::collections::BTreeSet;

const BIN: &str = env!("CARGO_BIN_EXE_station-monitor");

#[test]
fn sectors_report_through_metrics() {
    let app = AppProcess::start(BIN, &[("LATENCY_SCALE", "0")]);
    for _ in 0..3 {
        assert!([200, 500].contains(&app.get("/sectors/3").status));
    }
    for _ in 0..4 {
        assert!([200, 500].contains(&app.get("/sectors/12").status));
    }
    assert_eq!(app.get("/sectors/15").status, 404);
    assert!(app.get("/").body.contains("crew: "));

    let families = parse(&app.get("/metrics").body).expect("OpenMetrics");
    let requests = &families["station_sector_requests"];
    assert_eq!(requests.kind, "counter");
    let total = |sector: &str| -> f64 {
        requests
            .named("station_sector_requests_total")
            .filter(|s| s.labels["sector"] == sector)
            .map(|s| s.value)
            .sum()
    };
    assert_eq!((total("3"), total("12"), total("15")), (3.0, 4.0, 0.0));
    assert!(
        requests
            .samples
            .iter()
            .all(|s| ["200", "500"].contains(&s.labels["code"].as_str()))
    );

    let latency = &families["station_sector_response_seconds"];
    let count = latency
        .named("station_sector_response_seconds_count")
        .find(|s| s.labels["sector"] == "12")
        .map(|s| s.value);
    assert_eq!(count, Some(4.0));
    let les: Vec<&str> = latency
        .named("station_sector_response_seconds_bucket")
        .filter(|s| s.labels["sector"] == "12")
        .map(|s| s.labels["le"].as_str())
        .collect();
    assert_eq!(
        les,
        [
            "0.01", "0.05", "0.1", "0.25", "0.5", "1.0", "2.0", "5.0", "10.0", "30.0", "+Inf"
        ]
    );

    let sectors: BTreeSet<u32> = families["station_sector_status"]
        .samples
        .iter()
        .map(|s| s.labels["sector"].parse().expect("n"))
        .collect();
    assert_eq!(sectors, (1..=14).collect());
    let anomalies = families["station_anomaly_detections"].samples[0].value;
    assert!(
        anomalies >= 4.0,
        "each sector 12 visit is an anomaly: {anomalies}"
    );
    assert_eq!(families["station_crew_complement"].samples[0].value, 2847.0);
}

#[test]
fn tick_out_of_range_is_a_clear_error() {
    let error = expect_config_error(
        BIN,
        &[("STATION_TICK_SECONDS", "0")],
        "STATION_TICK_SECONDS",
    );
    assert!(error.contains("between 1 and 3600"), "{error}");
}

use demo_kit::testing::openmetrics::parse;
use demo_kit::testing::{AppProcess, expect_config_error};
use std::collections::BTreeSet;

const BIN: &str = env!("CARGO_BIN_EXE_log-generator");

#[test]
fn writes_json_lines_with_the_configured_mix_and_counts_them() {
    let env = [
        ("LOG_RATE", "500"),
        ("LOG_LEVELS", "info=1,error=1"),
        ("LOG_SERVICES", "3"),
    ];
    let app = AppProcess::start(BIN, &env);
    let generated = |app: &AppProcess| -> Vec<serde_json::Value> {
        app.json_lines()
            .into_iter()
            .filter(|l| l.get("service").is_some())
            .collect()
    };
    // However slowly the machine lets it write, 100 lines arrive; each one wakes this wait.
    app.wait_for_lines("100 generated lines", |lines| {
        let generated = lines
            .iter()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|l| l.get("service").is_some())
            .count();
        (generated >= 100).then_some(())
    });
    let lines = generated(&app);
    let levels: BTreeSet<&str> = lines.iter().filter_map(|l| l["level"].as_str()).collect();
    assert_eq!(levels, BTreeSet::from(["error", "info"]));
    let services: BTreeSet<&str> = lines.iter().filter_map(|l| l["service"].as_str()).collect();
    assert!(services.is_subset(&BTreeSet::from(["service-1", "service-2", "service-3"])));
    for l in &lines {
        let status = l["status"].as_i64().expect("status");
        assert_eq!(l["level"] == "error", status >= 400, "{l}");
        let trace = l["trace_id"].as_str().expect("trace_id");
        assert!(trace.len() == 32 && trace.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    let families = parse(&app.get("/metrics").body).expect("OpenMetrics");
    let samples: Vec<_> = families["log_generator_logs"]
        .named("log_generator_logs_total")
        .collect();
    let counted: f64 = samples.iter().map(|s| s.value).sum();
    assert!(counted >= lines.len() as f64, "{counted} < {}", lines.len());
    assert!(
        samples
            .iter()
            .all(|s| ["info", "error"].contains(&s.labels["level"].as_str()))
    );
    let rate: Vec<f64> = families["log_generator_rate"]
        .samples
        .iter()
        .map(|s| s.value)
        .collect();
    assert_eq!(rate, [500.0]);
    let config: serde_json::Value = serde_json::from_str(&app.get("/config").body).expect("JSON");
    assert_eq!(config["levels"], serde_json::json!({"info": 1, "error": 1}));
}

#[test]
fn bad_level_mix_is_a_clear_error() {
    let error = expect_config_error(BIN, &[("LOG_LEVELS", "info=1,fatal=2")], "LOG_LEVELS");
    assert!(error.contains("level=weight"), "{error}");
    expect_config_error(BIN, &[("LOG_RATE", "extreme")], "LOG_RATE");
}

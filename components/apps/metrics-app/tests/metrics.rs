use demo_kit::metrics::{DEFAULT_BUCKETS, OPENMETRICS_CONTENT_TYPE};
use demo_kit::testing::openmetrics::{Labels, parse};
use demo_kit::testing::{AppProcess, expect_config_error, http};

const BIN: &str = env!("CARGO_BIN_EXE_metrics-app");
const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn red_metrics_with_trace_exemplars() {
    let app = AppProcess::start(BIN, &[("ERROR_RATE", "1"), ("VERSION", "1.2.3")]);
    let traceparent = format!("00-{TRACE}-00f067aa0ba902b7-01");
    assert_eq!(
        http(app.addr, "GET", "/", &[("traceparent", &traceparent)]).status,
        200
    );
    assert_eq!(app.get("/error").status, 500);
    assert_eq!(app.get("/error").status, 500);
    assert_eq!(app.get("/process").status, 200);
    assert_eq!(app.get("/healthz").status, 200);

    let res = app.get("/metrics");
    assert_eq!(res.status, 200);
    assert_eq!(res.headers["content-type"], OPENMETRICS_CONTENT_TYPE);
    let families = parse(&res.body).expect("valid OpenMetrics");

    let requests = &families["http_requests"];
    assert_eq!(requests.kind, "counter");
    let counts: Vec<(Labels, f64)> = requests
        .named("http_requests_total")
        .map(|s| (s.labels.clone(), s.value))
        .collect();
    assert!(counts.contains(&(
        labels(&[("method", "GET"), ("route", "/"), ("code", "200")]),
        1.0
    )));
    assert!(counts.contains(&(
        labels(&[("method", "GET"), ("route", "/error"), ("code", "500")]),
        2.0
    )));
    assert!(
        counts
            .iter()
            .all(|(l, _)| !["/healthz", "/metrics"].contains(&l["route"].as_str())),
        "probes and scrapes are not instrumented: {counts:?}"
    );

    let duration = &families["http_request_duration_seconds"];
    assert_eq!(duration.kind, "histogram");
    let root = labels(&[("method", "GET"), ("route", "/")]);
    let buckets: Vec<_> = duration
        .named("http_request_duration_seconds_bucket")
        .filter(|s| {
            s.labels
                .iter()
                .all(|(k, v)| k == "le" || root.get(k) == Some(v))
        })
        .collect();
    let les: Vec<f64> = buckets
        .iter()
        .map(|s| s.labels["le"].parse::<f64>().expect("le"))
        .collect();
    let expected: Vec<f64> = DEFAULT_BUCKETS
        .iter()
        .copied()
        .chain([f64::INFINITY])
        .collect();
    assert_eq!(les, expected);
    assert_eq!(buckets.last().map(|s| s.value), Some(1.0));
    let le_005 = buckets
        .iter()
        .find(|s| s.labels["le"] == "0.005")
        .map(|s| s.value);
    assert_eq!(le_005, Some(0.0), "/ sleeps at least 10ms");
    let exemplars: Vec<_> = buckets.iter().filter_map(|s| s.exemplar.clone()).collect();
    assert_eq!(exemplars.len(), 1, "one observation, one exemplar");
    assert_eq!(exemplars[0].0, labels(&[("trace_id", TRACE)]));
    // The handler sleeps at least 10 ms; no upper bound, which would assert the machine's speed.
    assert!(exemplars[0].1 >= 0.01, "{exemplars:?}");
    // Requests without traceparent still get a (fresh) trace id exemplar.
    let error_exemplar = duration
        .named("http_request_duration_seconds_bucket")
        .find(|s| s.labels["route"] == "/error" && s.exemplar.is_some())
        .and_then(|s| s.exemplar.clone())
        .expect("exemplar on /error");
    let id = &error_exemplar.0["trace_id"];
    assert!(id.len() == 32 && id != TRACE && id.bytes().all(|b| b.is_ascii_hexdigit()));

    let items: Vec<f64> = families["items_processed"]
        .named("items_processed_total")
        .map(|s| s.value)
        .collect();
    assert!(
        items.len() == 1 && (1.0..=10.0).contains(&items[0]),
        "{items:?}"
    );
    let info = families["metrics_app_build"]
        .named("metrics_app_build_info")
        .next()
        .expect("info");
    assert_eq!(info.labels, labels(&[("version", "1.2.3")]));
    assert_eq!(families["http_requests_in_flight"].kind, "gauge");
}

#[test]
fn error_rate_out_of_range_is_a_clear_error() {
    let error = expect_config_error(BIN, &[("ERROR_RATE", "30%")], "ERROR_RATE");
    assert!(
        error.contains("expected a number between 0 and 1"),
        "{error}"
    );
}

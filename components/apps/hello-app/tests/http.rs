use demo_kit::testing::{AppProcess, expect_config_error};

const BIN: &str = env!("CARGO_BIN_EXE_hello-app");

#[test]
fn greets_reports_health_and_stops_on_sigterm() {
    let mut app = AppProcess::start(BIN, &[("APP_NAME", "greeter"), ("HOSTNAME", "pod-7")]);
    let res = app.get("/");
    assert_eq!(res.status, 200);
    assert_eq!(res.headers["content-type"], "application/json");
    let body: serde_json::Value = serde_json::from_str(&res.body).expect("JSON body");
    assert_eq!(body["message"], "Hello from greeter!");
    assert_eq!(body["hostname"], "pod-7");
    assert!(
        body["timestamp"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z') && t.len() == 30)
    );

    let health = app.get("/healthz");
    assert_eq!((health.status, health.body.as_str()), (200, "ok\n"));
    assert_eq!(app.get("/nope").status, 404);

    app.sigterm();
    let status = app.wait_exit();
    assert!(status.success(), "graceful exit code 0, got {status}");
    let msgs: Vec<String> = app
        .json_lines()
        .iter()
        .map(|l| l["msg"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        msgs.ends_with(&["shutting down".to_owned(), "stopped".to_owned()]),
        "{msgs:?}"
    );
}

#[test]
fn bad_port_is_a_clear_error() {
    let error = expect_config_error(BIN, &[("PORT", "http")], "PORT");
    assert_eq!(
        error,
        "invalid environment variable PORT=\"http\": expected an integer between 0 and 65535"
    );
}

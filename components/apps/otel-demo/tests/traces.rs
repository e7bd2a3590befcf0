use demo_kit::testing::{AppProcess, OtlpReceiver, ReceivedSpan, expect_config_error, http};
use std::collections::BTreeMap;

const BIN: &str = env!("CARGO_BIN_EXE_otel-demo");

fn start(role: &str, receiver: &OtlpReceiver, extra: &[(&str, &str)]) -> AppProcess {
    let mut env = vec![
        ("SERVICE_ROLE", role),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint.as_str()),
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ("ERROR_RATE", "0"),
    ];
    env.extend_from_slice(extra);
    AppProcess::start(BIN, &env)
}

#[test]
fn trace_context_crosses_user_order_payment() {
    let receiver = OtlpReceiver::start();
    let payment = start("payment", &receiver, &[]);
    let payment_url = format!("http://{}", payment.addr);
    let order = start("order", &receiver, &[("PAYMENT_SERVICE_URL", &payment_url)]);
    let order_url = format!("http://{}", order.addr);
    let user = start("user", &receiver, &[("ORDER_SERVICE_URL", &order_url)]);

    let res = http(user.addr, "POST", "/api/users", &[]);
    assert_eq!(res.status, 201, "{}", res.body);
    let body: serde_json::Value = serde_json::from_str(&res.body).expect("JSON");
    assert_eq!(body["welcome_order"]["status"], "paid");

    // A server span ends after its children, so once all three are in, every span of the request is.
    let servers = ["user-service", "order-service", "payment-service"];
    let spans = receiver.wait_for("server spans of all three services", |spans| {
        let done = servers
            .iter()
            .all(|svc| spans.iter().any(|s| s.service == *svc && s.kind == 2));
        done.then(|| spans.to_vec())
    });

    let trace_ids: Vec<&str> = spans.iter().map(|s| s.trace_id.as_str()).collect();
    assert!(
        trace_ids
            .iter()
            .all(|t| *t == trace_ids[0] && t.len() == 32),
        "{trace_ids:?}"
    );
    let by_id: BTreeMap<&str, &ReceivedSpan> =
        spans.iter().map(|s| (s.span_id.as_str(), s)).collect();
    assert_eq!(by_id.len(), spans.len(), "span ids are unique");

    // Walk from the payment server span to the root: server and client spans alternate across services.
    let payment_server = spans
        .iter()
        .find(|s| s.service == "payment-service" && s.kind == 2)
        .expect("payment server span");
    let mut chain = vec![payment_server];
    while let Some(parent) = chain.last().and_then(|s| s.parent_span_id.as_deref()) {
        chain.push(
            by_id
                .get(parent)
                .unwrap_or_else(|| panic!("parent {parent} not exported")),
        );
    }
    let steps: Vec<(&str, &str, i64)> = chain
        .iter()
        .map(|s| (s.service.as_str(), s.name.as_str(), s.kind))
        .collect();
    assert_eq!(
        steps,
        [
            ("payment-service", "POST /api/payments", 2),
            ("order-service", "call_payment_service", 3),
            ("order-service", "POST /api/orders", 2),
            ("user-service", "create_welcome_order", 3),
            ("user-service", "POST /api/users", 2),
        ]
    );
    let attr = |s: &ReceivedSpan, k: &str| s.attributes.get(k).cloned().unwrap_or_default();
    assert_eq!(
        attr(payment_server, "payment.provider")["stringValue"],
        "stripe"
    );
    assert_eq!(attr(chain[2], "order.status")["stringValue"], "paid");
    assert_eq!(
        attr(chain[1], "http.response.status_code")["intValue"],
        "201"
    );
    let db = spans
        .iter()
        .find(|s| s.name == "database.insert_order")
        .expect("db span");
    assert_eq!(
        db.parent_span_id.as_deref(),
        Some(chain[2].span_id.as_str())
    );
    assert_eq!(attr(db, "db.system")["stringValue"], "postgresql");
}

#[test]
fn role_is_required_and_validated() {
    let error = expect_config_error(BIN, &[], "SERVICE_ROLE");
    assert!(error.contains("one of user, order, payment"), "{error}");
    let error = expect_config_error(
        BIN,
        &[
            ("SERVICE_ROLE", "user"),
            ("ORDER_SERVICE_URL", "order:8080"),
        ],
        "ORDER_SERVICE_URL",
    );
    assert!(error.contains("an http:// URL"), "{error}");
}

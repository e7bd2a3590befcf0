//! `otel-demo`: three services in one binary, chosen by `SERVICE_ROLE` (`user`, `order`, `payment`).
//!
//! `POST /api/users` (user) creates a user and a welcome order: `POST /api/orders` (order), which charges it
//! with `POST /api/payments` (payment). `GET /api/users/{id}` (user) lists the user's orders with
//! `GET /api/orders?user_id=` (order). Every request gets a server span that continues the caller's W3C
//! `traceparent`; database work, checks and calls are child spans; outgoing calls are client spans whose
//! context is injected as `traceparent`, so one request yields one trace across the three services.
//!
//! Environment: `SERVICE_ROLE` (required), `PORT`, `BIND_ADDRESS`, `ORDER_SERVICE_URL` (default
//! `http://order-service:8080`), `PAYMENT_SERVICE_URL` (default `http://payment-service:8080`),
//! `ERROR_RATE` (0–1, default 0.05: simulated declines/conflicts), and the OpenTelemetry variables
//! `OTEL_EXPORTER_OTLP_ENDPOINT` (OTLP/HTTP base URL, e.g. `http://otel-collector.otel-collector:4318`;
//! unset disables export), `OTEL_SERVICE_NAME` (default `<role>-service`), `OTEL_BSP_SCHEDULE_DELAY` (ms).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use demo_kit::client::HttpClient;
use demo_kit::trace::{Kind, Span, TraceConfig, Tracer};
use demo_kit::{ConfigError, Env};
use serde::Deserialize;
use serde_json::{Value, json};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

const VERSION: &str = "1.0.0";
const ROLES: [&str; 3] = ["user", "order", "payment"];

struct Svc {
    tracer: Tracer,
    client: HttpClient,
    order_url: String,
    payment_url: String,
    error_rate: f64,
}

type Reply = (StatusCode, Json<Value>);

fn reply(span: &mut Span, status: StatusCode, body: Value) -> Reply {
    span.set("http.response.status_code", i64::from(status.as_u16()));
    if status.is_server_error() || status.is_client_error() {
        span.fail(body["error"].as_str().unwrap_or("request failed"));
    }
    (status, Json(body))
}

/// Simulated work inside `parent`: a child span that lasts `lo..=hi` ms.
async fn work(parent: &Span, name: &str, lo: u64, hi: u64, attrs: &[(&str, &str)]) -> Span {
    let mut span = parent.child(name, Kind::Internal);
    for (k, v) in attrs {
        span.set(k, *v);
    }
    demo_kit::sleep_ms(lo, hi).await;
    span
}

/// A simulated database statement as a child span with the OpenTelemetry database attributes.
async fn db(parent: &Span, name: &str, operation: &str, table: &str, lo: u64, hi: u64) {
    let attrs = [
        ("db.system", "postgresql"),
        ("db.operation", operation),
        ("db.sql.table", table),
    ];
    work(parent, name, lo, hi, &attrs).await.end();
}

/// Ends `step`; with probability `rate` marks it failed and returns the error reply of `span`.
fn maybe_fail(
    span: &mut Span,
    mut step: Span,
    rate: f64,
    status: StatusCode,
    message: &str,
) -> Option<Reply> {
    let failed = demo_kit::chance(rate);
    if failed {
        step.fail(message);
    }
    step.end();
    failed.then(|| reply(span, status, json!({ "error": message })))
}

impl Svc {
    /// A client span around an HTTP call, with `traceparent` injected; returns the JSON reply.
    async fn call(
        &self,
        parent: &Span,
        name: &str,
        method: Method,
        url: String,
        body: Value,
    ) -> Result<Value, String> {
        let mut span = parent.child(name, Kind::Client);
        span.set("http.request.method", method.as_str());
        span.set("url.full", url.as_str());
        let mut headers = HeaderMap::new();
        span.context().inject(&mut headers);
        headers.insert(
            "content-type",
            axum::http::HeaderValue::from_static("application/json"),
        );
        let result = self
            .client
            .send(method, &url, headers, body.to_string().into_bytes())
            .await;
        let outcome = result.and_then(|r| {
            span.set("http.response.status_code", i64::from(r.status.as_u16()));
            let value: Value =
                serde_json::from_slice(&r.body).map_err(|e| format!("{url}: {e}"))?;
            if r.status.is_success() {
                Ok(value)
            } else {
                Err(format!("{url}: status {}", r.status))
            }
        });
        if let Err(e) = &outcome {
            span.fail(e.clone());
        }
        outcome
    }

    fn server_span(&self, method: &str, route: &str, headers: &HeaderMap) -> Span {
        let mut span = self
            .tracer
            .server_span(&format!("{method} {route}"), headers);
        span.set("http.request.method", method);
        span.set("http.route", route);
        span
    }
}

type St = State<Arc<Svc>>;

async fn get_user(State(s): St, Path(id): Path<u64>, headers: HeaderMap) -> Reply {
    let mut span = s.server_span("GET", "/api/users/{id}", &headers);
    span.set("user.id", id.to_string());
    db(&span, "database.lookup_user", "SELECT", "users", 10, 30).await;
    let url = format!("{}/api/orders?user_id={id}", s.order_url);
    match s
        .call(&span, "call_order_service", Method::GET, url, Value::Null)
        .await
    {
        Ok(orders) => {
            let user = json!({"id": id, "name": format!("User {id}"), "email": format!("user{id}@example.com"), "orders": orders});
            reply(&mut span, StatusCode::OK, user)
        }
        Err(e) => reply(&mut span, StatusCode::BAD_GATEWAY, json!({"error": e})),
    }
}

async fn create_user(State(s): St, headers: HeaderMap) -> Reply {
    let mut span = s.server_span("POST", "/api/users", &headers);
    let id = demo_kit::random_between(1000, 9999);
    span.set("user.id", id.to_string());
    db(&span, "database.insert_user", "INSERT", "users", 20, 50).await;
    let url = format!("{}/api/orders", s.order_url);
    let order = json!({"user_id": id, "items": 1});
    match s
        .call(&span, "create_welcome_order", Method::POST, url, order)
        .await
    {
        Ok(order) => {
            let user = json!({"id": id, "name": format!("User {id}"), "email": format!("user{id}@example.com"), "welcome_order": order});
            reply(&mut span, StatusCode::CREATED, user)
        }
        Err(e) => reply(&mut span, StatusCode::BAD_GATEWAY, json!({"error": e})),
    }
}

#[derive(Deserialize)]
struct OrdersQuery {
    user_id: u64,
}

async fn list_orders(State(s): St, Query(q): Query<OrdersQuery>, headers: HeaderMap) -> Reply {
    let mut span = s.server_span("GET", "/api/orders", &headers);
    span.set("user.id", q.user_id.to_string());
    db(&span, "database.query_orders", "SELECT", "orders", 15, 40).await;
    let orders =
        json!([{"id": "ord-12345", "user_id": q.user_id, "status": "completed", "total": 99.99}]);
    reply(&mut span, StatusCode::OK, orders)
}

#[derive(Deserialize)]
struct NewOrder {
    user_id: u64,
    items: u32,
}

async fn create_order(State(s): St, headers: HeaderMap, Json(new): Json<NewOrder>) -> Reply {
    let mut span = s.server_span("POST", "/api/orders", &headers);
    let id = format!("ord-{}", demo_kit::random_between(10_000, 99_999));
    let total = (f64::from(new.items) * 29.99 * 100.0).round() / 100.0;
    span.set("order.id", id.as_str());
    span.set("user.id", new.user_id.to_string());
    span.set("order.item_count", i64::from(new.items));
    span.set("order.total", total);
    let inventory = work(&span, "validate_inventory", 10, 25, &[]).await;
    let conflict = "insufficient inventory";
    if let Some(r) = maybe_fail(
        &mut span,
        inventory,
        s.error_rate,
        StatusCode::CONFLICT,
        conflict,
    ) {
        return r;
    }
    db(&span, "database.insert_order", "INSERT", "orders", 20, 50).await;
    let url = format!("{}/api/payments", s.payment_url);
    let charge = json!({"order_id": id, "user_id": new.user_id, "amount": total});
    let (status, payment_id) = match s
        .call(&span, "call_payment_service", Method::POST, url, charge)
        .await
    {
        Ok(p) => ("paid", p["payment_id"].clone()),
        Err(_) => ("payment_failed", Value::Null),
    };
    db(&span, "database.update_order", "UPDATE", "orders", 10, 25).await;
    span.set("order.status", status);
    let order = json!({"id": id, "user_id": new.user_id, "items": new.items, "status": status, "total": total, "payment_id": payment_id});
    reply(&mut span, StatusCode::CREATED, order)
}

#[derive(Deserialize)]
struct Charge {
    order_id: String,
    user_id: u64,
    amount: f64,
}

async fn process_payment(State(s): St, headers: HeaderMap, Json(charge): Json<Charge>) -> Reply {
    let mut span = s.server_span("POST", "/api/payments", &headers);
    let id = format!("pay-{}", demo_kit::random_between(10_000, 99_999));
    span.set("payment.id", id.as_str());
    span.set("order.id", charge.order_id.as_str());
    span.set("payment.amount", charge.amount);
    span.set("payment.provider", "stripe");
    work(&span, "validate_payment", 5, 15, &[]).await.end();
    let mut fraud = work(&span, "fraud_check", 20, 60, &[("check.type", "velocity")]).await;
    fraud.set("risk_score", fastrand_score());
    fraud.end();
    let provider = work(
        &span,
        "call_payment_provider",
        50,
        200,
        &[("payment.provider", "stripe")],
    )
    .await;
    let declined = StatusCode::PAYMENT_REQUIRED;
    if let Some(r) = maybe_fail(&mut span, provider, s.error_rate, declined, "card declined") {
        return r;
    }
    db(
        &span,
        "database.insert_payment",
        "INSERT",
        "payments",
        15,
        35,
    )
    .await;
    work(
        &span,
        "send_confirmation",
        5,
        15,
        &[("notification.channel", "email")],
    )
    .await
    .end();
    let payment = json!({"payment_id": id, "order_id": charge.order_id, "user_id": charge.user_id,
        "amount": charge.amount, "status": "completed", "provider": "stripe"});
    reply(&mut span, StatusCode::CREATED, payment)
}

fn fastrand_score() -> f64 {
    demo_kit::random_between(0, 100) as f64 / 100.0
}

fn setup(env: &Env, role: usize) -> Result<(Router, Tracer), ConfigError> {
    let service = format!("{}-service", ROLES[role]);
    let trace = TraceConfig::from_env(env, &service)?;
    let svc = Arc::new(Svc {
        tracer: Tracer::start(
            &trace,
            vec![
                ("service.version", VERSION.into()),
                ("deployment.environment", "tutorial".into()),
            ],
        ),
        client: HttpClient::new(Duration::from_secs(10)),
        order_url: env.http_url("ORDER_SERVICE_URL", "http://order-service:8080")?,
        payment_url: env.http_url("PAYMENT_SERVICE_URL", "http://payment-service:8080")?,
        error_rate: env.f64_in("ERROR_RATE", 0.05, 0.0, 1.0)?,
    });
    let info = json!({"service": service, "status": "running", "version": VERSION});
    let router = Router::new().route("/", get(move || async move { Json(info) }));
    let router = match ROLES[role] {
        "user" => router
            .route("/api/users", post(create_user))
            .route("/api/users/{id}", get(get_user)),
        "order" => router.route("/api/orders", get(list_orders).post(create_order)),
        _ => router.route("/api/payments", post(process_payment)),
    };
    Ok((router.with_state(Arc::clone(&svc)), svc.tracer.clone()))
}

fn main() -> ExitCode {
    demo_kit::run("otel-demo", |env, _| {
        let role = env.choice("SERVICE_ROLE", usize::MAX, &ROLES)?;
        if role == usize::MAX {
            return Err(ConfigError {
                variable: "SERVICE_ROLE".into(),
                value: String::new(),
                expected: format!("one of {} (required)", ROLES.join(", ")),
            });
        }
        let (router, tracer) = setup(env, role)?;
        Ok(demo_kit::Service::new(router).on_stop(async move { tracer.shutdown().await }))
    })
}

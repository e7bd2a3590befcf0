//! `hello-app`: the lab's first workload.
//!
//! - `GET /` returns `{"message": "Hello from <APP_NAME>!", "app", "hostname", "timestamp"}`.
//! - `/healthz`, `/readyz`; no metrics.
//!
//! Environment: `PORT` (default 8080), `BIND_ADDRESS` (default 0.0.0.0), `APP_NAME` (default `hello-app`),
//! `HOSTNAME` (set by Kubernetes to the pod name).

use axum::routing::get;
use axum::{Json, Router};
use demo_kit::log::rfc3339_now;
use serde_json::json;
use std::process::ExitCode;
use std::sync::Arc;

fn main() -> ExitCode {
    demo_kit::run("hello-app", |env, _| {
        let app: Arc<str> = env.string("APP_NAME", "hello-app").into();
        let hostname: Arc<str> = env.string("HOSTNAME", "unknown").into();
        let router = Router::new().route(
            "/",
            get(move || async move {
                Json(json!({
                    "message": format!("Hello from {app}!"),
                    "app": &*app,
                    "hostname": &*hostname,
                    "timestamp": rfc3339_now(),
                }))
            }),
        );
        Ok(demo_kit::Service::new(router))
    })
}

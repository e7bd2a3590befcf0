//! HTTP server lifecycle: env config, bind, health routes, graceful shutdown on SIGTERM/SIGINT.

use crate::config::{ConfigError, Env};
use crate::log;
use axum::Router;
use axum::routing::get;
use serde_json::json;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::process::ExitCode;
use tokio::sync::watch;

/// Exit code for a configuration error (distinct from a runtime failure, 1).
pub const EXIT_CONFIG: u8 = 2;

/// Work to run after the server has drained (e.g. flushing spans).
pub type StopHook = Pin<Box<dyn Future<Output = ()> + Send>>;

/// What an app hands to [`run`]: its routes and what to do on the way out.
pub struct Service {
    router: Router,
    stop_hooks: Vec<StopHook>,
}

impl Service {
    /// Routes of the app; `/healthz` and `/readyz` are added by [`run`].
    pub fn new(router: Router) -> Self {
        Self {
            router,
            stop_hooks: Vec::new(),
        }
    }

    /// Runs `hook` after in-flight requests have finished.
    pub fn on_stop(mut self, hook: impl Future<Output = ()> + Send + 'static) -> Self {
        self.stop_hooks.push(Box::pin(hook));
        self
    }
}

/// Fires once when the process is asked to stop; background loops select on [`Shutdown::wait`].
#[derive(Debug, Clone)]
pub struct Shutdown {
    rx: watch::Receiver<bool>,
}

impl Shutdown {
    /// Resolves once shutdown has begun.
    pub async fn wait(&mut self) {
        // An error means the sender is gone, which also means the process is stopping.
        let _ = self.rx.wait_for(|stopping| *stopping).await;
    }

    /// Whether shutdown has begun.
    pub fn is_stopping(&self) -> bool {
        *self.rx.borrow()
    }
}

/// Liveness and readiness routes shared by every app.
pub fn health_routes() -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(|| async { "ready\n" }))
}

/// Resolves on SIGTERM (Kubernetes stop) or SIGINT (Ctrl-C).
pub async fn termination_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(err) => {
            log::error(
                "cannot install SIGTERM handler",
                vec![("error", err.to_string().into())],
            );
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Listen address from `BIND_ADDRESS` (default 0.0.0.0) and `PORT` (default 8080).
pub fn listen_address(env: &Env) -> Result<SocketAddr, ConfigError> {
    let ip = env.parse::<IpAddr>(
        "BIND_ADDRESS",
        IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        "an IP address such as 0.0.0.0 or 127.0.0.1",
    )?;
    Ok(SocketAddr::new(ip, env.port()?))
}

/// Runs an app to completion and returns the process exit code.
///
/// `setup` reads its configuration from the environment and builds the routes; it runs inside the Tokio
/// runtime so it may spawn background tasks that stop on the given [`Shutdown`]. A configuration error is
/// logged (naming the variable and the expected form) and gives exit code [`EXIT_CONFIG`].
pub fn run(
    app: &str,
    setup: impl FnOnce(&Env, Shutdown) -> Result<Service, ConfigError>,
) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            log::error(
                "cannot start runtime",
                vec![("app", app.into()), ("error", err.to_string().into())],
            );
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve(app, setup))
}

async fn serve(
    app: &str,
    setup: impl FnOnce(&Env, Shutdown) -> Result<Service, ConfigError>,
) -> ExitCode {
    let env = Env::process();
    let (tx, rx) = watch::channel(false);
    let configured =
        listen_address(&env).and_then(|addr| Ok((addr, setup(&env, Shutdown { rx })?)));
    let (addr, service) = match configured {
        Ok(ok) => ok,
        Err(err) => {
            log::error(
                "invalid configuration",
                vec![
                    ("app", app.into()),
                    ("variable", err.variable.clone().into()),
                    ("error", err.to_string().into()),
                ],
            );
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(err) => {
            log::error(
                "cannot listen",
                vec![
                    ("addr", addr.to_string().into()),
                    ("error", err.to_string().into()),
                ],
            );
            return ExitCode::FAILURE;
        }
    };
    let local = listener
        .local_addr()
        .map_or_else(|_| addr.to_string(), |a| a.to_string());
    log::info(
        "listening",
        vec![("app", app.into()), ("addr", local.into())],
    );
    let router = service.router.merge(health_routes());
    let name = app.to_owned();
    let result = axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            termination_signal().await;
            log::info("shutting down", vec![("app", name.into())]);
            let _ = tx.send(true);
        })
        .await;
    for hook in service.stop_hooks {
        hook.await;
    }
    match result {
        Ok(()) => {
            log::info("stopped", vec![("app", app.into())]);
            ExitCode::SUCCESS
        }
        Err(err) => {
            log::error(
                "server failed",
                vec![("app", app.into()), ("error", json!(err.to_string()))],
            );
            ExitCode::FAILURE
        }
    }
}

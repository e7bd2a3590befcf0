//! End to end with a real Prometheus: Debian's `prometheus` server scrapes the running
//! metrics-app, with the scrape config derived from the generated ServiceMonitor and the
//! generated SLO recording rules loaded; the test drives traffic (one request in ten fails)
//! and reads the app's series and a recording rule's result from the HTTP API.
//! Skips with a message only when `prometheus` is not installed, and never under CI.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use demo_kit::testing::{AppProcess, HANG_GUARD, http};
use lab_observability::promtool::rule_files_of;
use lab_observability::slo::prometheus_rule;
use lab_observability::workload::{DemoApp, Discovery, demo_apps, scrape_configs};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_metrics-app");

fn find_on_path(bin: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(bin))
            .find(|p| p.is_file())
    })
}

/// Requests in cycles of nine successes (`/process`) and one failure (`/error`, with
/// `ERROR_RATE=1`) until dropped.
struct Traffic(Arc<AtomicBool>);

impl Traffic {
    fn start(addr: SocketAddr) -> Self {
        // One cycle before returning: both series (200 and 500) exist before the first scrape.
        Self::cycle(addr);
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                Self::cycle(addr);
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        Self(stop)
    }

    fn cycle(addr: SocketAddr) {
        for _ in 0..9 {
            assert_eq!(http(addr, "GET", "/process", &[]).status, 200);
        }
        assert_eq!(http(addr, "GET", "/error", &[]).status, 500);
    }
}

impl Drop for Traffic {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The body of `GET path`, or None while the server is not answering.
fn get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    text.split_once("\r\n\r\n").map(|(_, body)| body.to_owned())
}

/// `data.result` of an instant query.
fn query(port: u16, q: &str) -> Option<Vec<Value>> {
    let body = get(port, &format!("/api/v1/query?query={}", encode(q)))?;
    let v: Value = serde_json::from_str(&body).ok()?;
    v.pointer("/data/result")?.as_array().cloned()
}

/// Polls Prometheus (it pushes nothing) until `q` has a result. The limit is a hang guard,
/// not a speed assertion: the result depends on what was scraped, never on when.
fn wait_for(port: u16, q: &str) -> Vec<Value> {
    let start = Instant::now();
    loop {
        if let Some(r) = query(port, q).filter(|r| !r.is_empty()) {
            return r;
        }
        assert!(
            start.elapsed() < HANG_GUARD,
            "hung: no result for {q} after {HANG_GUARD:?}; rules: {:?}",
            get(port, "/api/v1/rules")
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn write(dir: &Path, name: &str, value: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
    path
}

#[test]
fn prometheus_scrapes_the_app_through_the_generated_service_monitor_and_records_slos() {
    let Some(prometheus) = find_on_path("prometheus") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "prometheus is not installed, but CI must run this test: apt-get install -y prometheus"
        );
        eprintln!("SKIPPED: `prometheus` is not installed (apt-get install -y prometheus)");
        return;
    };
    let app_process = AppProcess::start(BIN, &[("ERROR_RATE", "1")]);
    let target = app_process.addr.to_string();
    let _traffic = Traffic::start(app_process.addr);
    let app: DemoApp = demo_apps()
        .into_iter()
        .find(|a| a.name == "metrics-app")
        .unwrap();
    assert!(!app.slos.is_empty());
    let mut scrape = scrape_configs(
        &app.service_monitor(),
        &Discovery::Static(vec![target.clone()]),
    )
    .unwrap();
    // Faster than the ServiceMonitor's 15s so the test takes seconds; nothing else changes.
    for s in &mut scrape {
        s.scrape_interval = "1s".into();
        s.scrape_timeout = "1s".into();
    }
    let mut rule = prometheus_rule("metrics-app-slos", &app.namespace, &app.slos);
    for g in rule.spec.groups.iter_mut().flatten() {
        g.interval = None; // evaluate at the global 1s interval
    }
    let (file, text) = rule_files_of(&[lab_core::Object::new(&rule).unwrap()])
        .unwrap()
        .remove(0);
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join(file);
    std::fs::write(&rules, text).unwrap();
    let config = write(
        dir.path(),
        "prometheus.yml",
        &json!({
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [rules],
            "scrape_configs": scrape,
        }),
    );
    let port = free_port();
    let _server = Server(
        Command::new(prometheus)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let series = wait_for(port, "http_requests_total{job=\"metrics-app\"}");
    let codes: Vec<&str> = series
        .iter()
        .filter_map(|s| s.pointer("/metric/code").and_then(Value::as_str))
        .collect();
    assert!(
        codes.contains(&"200") && codes.contains(&"500"),
        "{series:?}"
    );
    assert_eq!(series[0].pointer("/metric/namespace").unwrap(), "demo");
    assert_eq!(series[0].pointer("/metric/instance").unwrap(), &target);

    // The ratio is read once the window holds enough requests that a scrape landing mid-cycle
    // (at most one error early or late) moves it by under 0.2 percentage points: a condition on
    // the data scraped, so a slow machine waits longer instead of failing.
    let ratio = wait_for(
        port,
        "slo:sli_error:ratio_rate5m{slo=\"metrics-app-availability\"} \
         and on() (sum(max_over_time(http_requests_total{job=\"metrics-app\"}[5m])) \
         - sum(min_over_time(http_requests_total{job=\"metrics-app\"}[5m])) >= 1000)",
    );
    let value: f64 = ratio[0]
        .pointer("/value/1")
        .unwrap()
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // One request in ten fails.
    assert!(
        (value - 0.1).abs() < 0.03,
        "error ratio {value}, expected about 10%"
    );
}

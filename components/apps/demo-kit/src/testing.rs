//! Test support for the apps' integration tests (feature `testing`): run a built app binary on a loopback
//! port, talk HTTP/1.0 to it, parse its OpenMetrics exposition, and receive its OTLP/HTTP spans.
#![allow(clippy::unwrap_used)] // test support: a failed expectation should stop the test loudly.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long a wait may block before the test fails as hung. Not an assertion about speed: every
/// wait below returns as soon as its event happens (a line, a span, an exit), however loaded
/// the machine; this only turns a test that would hang forever into a failure that says why.
pub const HANG_GUARD: Duration = Duration::from_secs(120);

/// Values appended by one thread and awaited by another: every push wakes the waiters.
struct Feed<T> {
    state: Mutex<(Vec<T>, bool)>, // (values so far, closed)
    changed: Condvar,
}

impl<T: Clone> Feed<T> {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new((Vec::new(), false)),
            changed: Condvar::new(),
        })
    }

    fn extend(&self, values: impl IntoIterator<Item = T>) {
        self.state.lock().unwrap().0.extend(values);
        self.changed.notify_all();
    }

    fn close(&self) {
        self.state.lock().unwrap().1 = true;
        self.changed.notify_all();
    }

    fn snapshot(&self) -> Vec<T> {
        self.state.lock().unwrap().0.clone()
    }

    /// Blocks until `check` (given the values so far and whether the feed is closed) returns
    /// `Some`, re-checking on every change; panics with `what` after [`HANG_GUARD`].
    fn wait_for<R>(&self, what: &str, mut check: impl FnMut(&[T], bool) -> Option<R>) -> R {
        let guard = Instant::now() + HANG_GUARD;
        let mut state = self.state.lock().unwrap();
        loop {
            if let Some(found) = check(&state.0, state.1) {
                return found;
            }
            let left = guard.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "hung for {HANG_GUARD:?} waiting for {what}"
            );
            state = self.changed.wait_timeout(state, left).unwrap().0;
        }
    }
}

/// A running app binary (killed on drop).
pub struct AppProcess {
    child: Child,
    lines: Arc<Feed<String>>,
    /// Where it listens (loopback).
    pub addr: SocketAddr,
}

/// Why [`AppProcess::start`] stopped waiting.
enum Startup {
    Listening(SocketAddr),
    Closed,
}

impl AppProcess {
    /// Starts `bin` with `PORT=0`, `BIND_ADDRESS=127.0.0.1` and `env`, and waits for its
    /// `listening` log line (or its exit, which fails the test).
    pub fn start(bin: &str, env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(bin)
            .env("PORT", "0")
            .env("BIND_ADDRESS", "127.0.0.1")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let lines = collect_lines(child.stdout.take().unwrap());
        let startup = lines.wait_for(&format!("{bin} to report listening"), |lines, closed| {
            let addr = lines.iter().find_map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).ok()?;
                (v["msg"] == "listening").then(|| v["addr"].as_str()?.parse().ok())?
            });
            match addr {
                Some(addr) => Some(Startup::Listening(addr)),
                None => closed.then_some(Startup::Closed),
            }
        });
        match startup {
            Startup::Listening(addr) => Self { child, lines, addr },
            Startup::Closed => {
                let status = child.wait().unwrap();
                panic!(
                    "{bin} exited with {status} before listening: {:?}",
                    lines.snapshot()
                )
            }
        }
    }

    /// Stdout lines so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.snapshot()
    }

    /// Stdout lines parsed as JSON (every line must be JSON).
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.lines()
            .iter()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    /// Blocks until `check` accepts the stdout lines so far (re-checked on every new line);
    /// fails if stdout closes first.
    pub fn wait_for_lines<R>(
        &self,
        what: &str,
        mut check: impl FnMut(&[String]) -> Option<R>,
    ) -> R {
        self.lines.wait_for(what, |lines, closed| {
            let found = check(lines);
            assert!(
                found.is_some() || !closed,
                "the app closed its output before {what}: {lines:?}"
            );
            found
        })
    }

    /// Sends SIGTERM (via `kill`, the crate forbids unsafe code).
    pub fn sigterm(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    /// Waits for the process to exit: its stdout closes when it does, so this blocks on that
    /// event rather than polling against a deadline.
    pub fn wait_exit(&mut self) -> ExitStatus {
        self.lines
            .wait_for("the app to exit", |_, closed| closed.then_some(()));
        self.child.wait().unwrap()
    }

    /// GET `path`.
    pub fn get(&self, path: &str) -> HttpResponse {
        http(self.addr, "GET", path, &[])
    }
}

impl Drop for AppProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn collect_lines(stdout: impl Read + Send + 'static) -> Arc<Feed<String>> {
    let lines = Feed::new();
    let sink = Arc::clone(&lines);
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            sink.extend([line]);
        }
        sink.close();
    });
    lines
}

/// Runs `bin` to completion with `env` (for configuration errors) and returns (status, stdout).
pub fn run_to_exit(bin: &str, env: &[(&str, &str)]) -> (ExitStatus, String) {
    let out = Command::new(bin)
        .env("BIND_ADDRESS", "127.0.0.1")
        .env("PORT", "0")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (out.status, String::from_utf8(out.stdout).unwrap())
}

/// Runs `bin` with `env`, asserts it exits with the configuration-error code after one JSON log line that
/// names `variable`, and returns that line's `error` text.
pub fn expect_config_error(bin: &str, env: &[(&str, &str)], variable: &str) -> String {
    let (status, stdout) = run_to_exit(bin, env);
    assert_eq!(
        status.code(),
        Some(i32::from(crate::server::EXIT_CONFIG)),
        "{stdout}"
    );
    let line: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    assert_eq!(line["variable"], variable, "{line}");
    line["error"].as_str().expect("error text").to_owned()
}

/// A response from [`http`].
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

/// One HTTP/1.0 request (the server closes the connection, so the body needs no framing).
pub fn http(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)]) -> HttpResponse {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(HANG_GUARD)).unwrap();
    let mut req = format!("{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Length: 0\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let mut head_lines = head.lines();
    let status = head_lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = head_lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    HttpResponse {
        status,
        headers,
        body: body.to_owned(),
    }
}

pub mod openmetrics {
    //! A strict-enough parser of the OpenMetrics text format for assertions.
    use std::collections::BTreeMap;

    /// Label name to value.
    pub type Labels = BTreeMap<String, String>;

    /// One sample line.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Sample {
        pub name: String,
        pub labels: Labels,
        pub value: f64,
        pub exemplar: Option<(Labels, f64)>,
    }

    /// A metric family (`# TYPE` block).
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct Family {
        pub kind: String,
        pub help: String,
        pub samples: Vec<Sample>,
    }

    impl Family {
        /// Samples whose name is `name`.
        pub fn named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Sample> + 'a {
            self.samples.iter().filter(move |s| s.name == name)
        }
    }

    /// Parses an exposition; errors on unknown lines, samples outside their family, or a missing `# EOF`.
    pub fn parse(text: &str) -> Result<BTreeMap<String, Family>, String> {
        let mut families: BTreeMap<String, Family> = BTreeMap::new();
        let mut current: Option<String> = None;
        let mut eof = false;
        for line in text.lines() {
            if eof {
                return Err(format!("content after # EOF: {line}"));
            }
            if line == "# EOF" {
                eof = true;
            } else if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').ok_or(format!("bad TYPE: {line}"))?;
                families.entry(name.to_owned()).or_default().kind = kind.to_owned();
                current = Some(name.to_owned());
            } else if let Some(rest) = line.strip_prefix("# HELP ") {
                let (name, help) = rest.split_once(' ').unwrap_or((rest, ""));
                families.entry(name.to_owned()).or_default().help = help.to_owned();
            } else if line.starts_with("# UNIT ") {
            } else if line.starts_with('#') || line.is_empty() {
                return Err(format!("unexpected line: {line:?}"));
            } else {
                let family = current
                    .as_ref()
                    .ok_or(format!("sample before TYPE: {line}"))?;
                let sample = parse_sample(line)?;
                if !sample.name.starts_with(family.as_str()) {
                    return Err(format!("sample {} outside family {family}", sample.name));
                }
                families
                    .get_mut(family)
                    .ok_or("family vanished")?
                    .samples
                    .push(sample);
            }
        }
        if !eof {
            return Err("missing # EOF".into());
        }
        Ok(families)
    }

    fn parse_sample(line: &str) -> Result<Sample, String> {
        let (main, exemplar) = match line.split_once(" # ") {
            Some((m, e)) => (m, Some(e)),
            None => (line, None),
        };
        let (name, labels, rest) = parse_series(main)?;
        let value = parse_value(
            rest.split_whitespace()
                .next()
                .ok_or(format!("no value: {line}"))?,
        )?;
        let exemplar = match exemplar {
            None => None,
            Some(e) => {
                let (_, labels, rest) = parse_series(e)?;
                let v = parse_value(
                    rest.split_whitespace()
                        .next()
                        .ok_or(format!("no exemplar value: {line}"))?,
                )?;
                Some((labels, v))
            }
        };
        Ok(Sample {
            name,
            labels,
            value,
            exemplar,
        })
    }

    fn parse_value(s: &str) -> Result<f64, String> {
        match s {
            "+Inf" => Ok(f64::INFINITY),
            "-Inf" => Ok(f64::NEG_INFINITY),
            _ => s.parse().map_err(|_| format!("bad number {s:?}")),
        }
    }

    /// `name{a="b",...} rest` or `{a="b"} rest` (exemplar) into parts.
    fn parse_series(s: &str) -> Result<(String, Labels, &str), String> {
        let name_end = s.find(['{', ' ']).ok_or(format!("bad sample: {s}"))?;
        let name = s[..name_end].to_owned();
        let mut labels = Labels::new();
        let mut rest = &s[name_end..];
        if let Some(mut body) = rest.strip_prefix('{') {
            loop {
                if let Some(after) = body.strip_prefix('}') {
                    rest = after;
                    break;
                }
                let (key, after) = body.split_once("=\"").ok_or(format!("bad labels: {s}"))?;
                let mut value = String::new();
                let mut chars = after.char_indices();
                let end = loop {
                    match chars.next().ok_or(format!("unterminated label: {s}"))? {
                        (i, '"') => break i,
                        (_, '\\') => match chars.next().ok_or("dangling escape")?.1 {
                            'n' => value.push('\n'),
                            c => value.push(c),
                        },
                        (_, c) => value.push(c),
                    }
                };
                labels.insert(key.trim_start_matches(',').to_owned(), value);
                body = after[end + 1..].trim_start_matches(',');
            }
        }
        Ok((name, labels, rest.trim_start()))
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn parses_labels_exemplars_and_requires_eof() {
            let text = "# HELP x_total Requests.\n# TYPE x counter\nx_total{code=\"200\",path=\"/a\\\"b\"} 3 # {trace_id=\"ab\"} 0.5 1.0\n# EOF\n";
            let fams = super::parse(text).expect("parses");
            let s = &fams["x"].samples[0];
            assert_eq!(s.labels["path"], "/a\"b");
            assert_eq!(s.value, 3.0);
            assert_eq!(
                s.exemplar.as_ref().map(|e| e.0["trace_id"].as_str()),
                Some("ab")
            );
            assert!(super::parse("# TYPE x counter\nx_total 1\n").is_err());
            assert!(super::parse("# TYPE x counter\ny_total 1\n# EOF\n").is_err());
        }
    }
}

/// A span as received by [`OtlpReceiver`].
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedSpan {
    pub service: String,
    pub trace_id: String,
    pub span_id: String,
    pub parent_span_id: Option<String>,
    pub name: String,
    pub kind: i64,
    pub attributes: BTreeMap<String, serde_json::Value>,
}

/// An in-process OTLP/HTTP (JSON) receiver on a loopback port.
pub struct OtlpReceiver {
    /// Base URL to put in `OTEL_EXPORTER_OTLP_ENDPOINT`.
    pub endpoint: String,
    spans: Arc<Feed<ReceivedSpan>>,
}

impl OtlpReceiver {
    /// Starts the receiver on its own thread and runtime.
    pub fn start() -> Self {
        let spans = Feed::new();
        let sink = Arc::clone(&spans);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        listener.set_nonblocking(true).unwrap();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let app = axum::Router::new().route(
                    "/v1/traces",
                    axum::routing::post(
                        move |axum::Json(body): axum::Json<serde_json::Value>| async move {
                            sink.extend(flatten(&body));
                            axum::Json(serde_json::json!({}))
                        },
                    ),
                );
                axum::serve(listener, app).await.unwrap();
            });
        });
        Self { endpoint, spans }
    }

    /// Spans received so far.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        self.spans.snapshot()
    }

    /// Blocks until `check` accepts the spans received so far (re-checked on every export).
    pub fn wait_for<R>(
        &self,
        what: &str,
        mut check: impl FnMut(&[ReceivedSpan]) -> Option<R>,
    ) -> R {
        self.spans.wait_for(what, |spans, _| check(spans))
    }
}

fn flatten(request: &serde_json::Value) -> Vec<ReceivedSpan> {
    let mut out = Vec::new();
    let empty = Vec::new();
    for rs in request["resourceSpans"].as_array().unwrap_or(&empty) {
        let service = rs["resource"]["attributes"]
            .as_array()
            .and_then(|a| a.iter().find(|kv| kv["key"] == "service.name"))
            .and_then(|kv| kv["value"]["stringValue"].as_str())
            .unwrap_or_default()
            .to_owned();
        for ss in rs["scopeSpans"].as_array().unwrap_or(&empty) {
            for span in ss["spans"].as_array().unwrap_or(&empty) {
                let text = |k: &str| span[k].as_str().map(str::to_owned);
                out.push(ReceivedSpan {
                    service: service.clone(),
                    trace_id: text("traceId").unwrap_or_default(),
                    span_id: text("spanId").unwrap_or_default(),
                    parent_span_id: text("parentSpanId").filter(|p| !p.is_empty()),
                    name: text("name").unwrap_or_default(),
                    kind: span["kind"].as_i64().unwrap_or_default(),
                    attributes: span["attributes"]
                        .as_array()
                        .unwrap_or(&empty)
                        .iter()
                        .filter_map(|kv| {
                            Some((kv["key"].as_str()?.to_owned(), kv["value"].clone()))
                        })
                        .collect(),
                });
            }
        }
    }
    out
}

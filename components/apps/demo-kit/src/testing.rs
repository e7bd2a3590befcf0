//! Test support for the apps' integration tests (feature `testing`): run a built app binary on a loopback
//! port, talk HTTP/1.0 to it, parse its OpenMetrics exposition, and receive its OTLP/HTTP spans.
#![allow(clippy::unwrap_used)] // test support: a failed expectation should stop the test loudly.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running app binary (killed on drop).
pub struct AppProcess {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    /// Where it listens (loopback).
    pub addr: SocketAddr,
}

impl AppProcess {
    /// Starts `bin` with `PORT=0`, `BIND_ADDRESS=127.0.0.1` and `env`, and waits for its `listening` log line.
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
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let found = lines.lock().unwrap().iter().find_map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).ok()?;
                (v["msg"] == "listening").then(|| v["addr"].as_str()?.parse().ok())?
            });
            if let Some(addr) = found {
                return Self { child, lines, addr };
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "{bin} exited with {status} before listening: {:?}",
                    lines.lock().unwrap()
                );
            }
            assert!(Instant::now() < deadline, "{bin} did not report listening");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stdout lines so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// Stdout lines parsed as JSON (every line must be JSON).
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.lines()
            .iter()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    /// Sends SIGTERM (via `kill`, the crate forbids unsafe code).
    pub fn sigterm(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    /// Waits up to `timeout` for the process to exit.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
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

fn collect_lines(stdout: impl Read + Send + 'static) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&lines);
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            sink.lock().unwrap().push(line);
        }
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
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
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

/// Polls `check` every 50 ms until it returns `Some` or `timeout` passes.
pub fn eventually<T>(timeout: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
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
    spans: Arc<Mutex<Vec<ReceivedSpan>>>,
}

impl OtlpReceiver {
    /// Starts the receiver on its own thread and runtime.
    pub fn start() -> Self {
        let spans: Arc<Mutex<Vec<ReceivedSpan>>> = Arc::default();
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
                            sink.lock().unwrap().extend(flatten(&body));
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
        self.spans.lock().unwrap().clone()
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

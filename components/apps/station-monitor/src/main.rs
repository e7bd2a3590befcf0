//! `station-monitor`: a deep-space station whose sectors report readings, for the Prometheus tutorial.
//! Sector 12 is failing: it is slow, mostly answers 500, and each failure raises the anomaly count, drains
//! containment and strengthens a mysterious beacon. Students find this story in the metrics alone.
//!
//! Endpoints: `/` status text; `GET /sectors/{n}` (n = 1–14; 12 is the troubled one); `GET /beacon`;
//! `/metrics`, `/healthz`, `/readyz`.
//!
//! Metrics: `station_crew_complement`, `station_containment_integrity` (0–1),
//! `station_sector_status{sector}` (0–1), `station_life_support_efficiency{sector}` (0–1),
//! `station_beacon_signal_strength` (0–1) gauges; `station_anomaly_detections_total`,
//! `station_sector_requests_total{sector, code}` counters; `station_sector_response_seconds{sector}`
//! histogram (buckets 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30).
//!
//! Environment: `PORT`, `BIND_ADDRESS`, `STATION_TICK_SECONDS` (1–3600, default 10: how often the station
//! drifts), `LATENCY_SCALE` (0–10, default 1: multiplies simulated latencies).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use demo_kit::Shutdown;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

const SECTORS: u32 = 14;
const TROUBLED: u32 = 12;
const BUCKETS: [f64; 10] = [0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0];
const MESSAGES: [&str; 3] = [
    "SECTOR 12: SIGNAL LOST",
    "SECTOR 12: HULL SENSORS REPORT MOVEMENT",
    "SECTOR 12: DO NOT OPEN",
];

type Level = Gauge<f64, AtomicU64>;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SectorLabel {
    sector: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    sector: String,
    code: String,
}

fn new_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

#[derive(Default)]
struct Station {
    crew: Gauge,
    containment: Level,
    beacon: Level,
    sector_status: Family<SectorLabel, Level>,
    life_support: Family<SectorLabel, Level>,
    anomalies: Counter,
    sector12_errors: Counter,
    latency_scale: f64,
}

struct Metered {
    station: Station,
    requests: Family<RequestLabels, Counter>,
    latency: Family<SectorLabel, Histogram, fn() -> Histogram>,
}

fn sector(n: u32) -> SectorLabel {
    SectorLabel {
        sector: n.to_string(),
    }
}

impl Station {
    fn new(latency_scale: f64) -> Self {
        let s = Station {
            latency_scale,
            ..Station::default()
        };
        s.crew.set(2847);
        s.containment.set(1.0);
        for n in 1..=SECTORS {
            let status = match n {
                TROUBLED => 0.7,
                13 | 14 => 0.9,
                _ => 1.0,
            };
            s.sector_status.get_or_create(&sector(n)).set(status);
            s.life_support.get_or_create(&sector(n)).set(1.0);
        }
        s
    }

    async fn delay(&self, lo_ms: u64, hi_ms: u64) {
        let ms = demo_kit::random_between(lo_ms, hi_ms) as f64 * self.latency_scale;
        tokio::time::sleep(Duration::from_secs_f64(ms / 1000.0)).await;
    }

    /// One drift step: the crew shrinks now and then; sector 12's failures erode containment and life support.
    fn tick(&self, minutes: f64) {
        if demo_kit::chance(0.3) {
            let loss = demo_kit::random_between(1, 3) as i64;
            self.crew.set((self.crew.get() - loss).max(2800));
        }
        let errors = self.sector12_errors.get() as f64;
        let containment = (1.0 - errors * 0.002 - minutes * 0.001).clamp(0.0, 1.0);
        self.containment.set(containment);
        self.sector_status
            .get_or_create(&sector(TROUBLED))
            .set((0.7 - errors * 0.005).max(0.0));
        self.life_support
            .get_or_create(&sector(TROUBLED))
            .set(containment);
        if minutes > 5.0 {
            for n in [13, 14] {
                self.sector_status
                    .get_or_create(&sector(n))
                    .set((0.9 - (minutes - 5.0) * 0.01).max(0.5));
            }
        }
        self.beacon.set((errors * 0.01).min(1.0));
    }

    async fn visit(&self, n: u32) -> (StatusCode, String) {
        if n != TROUBLED {
            self.delay(10, 60).await;
            return match demo_kit::chance(0.05) {
                true => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("SECTOR {n}: TRANSIENT FAULT\n"),
                ),
                false => (StatusCode::OK, format!("SECTOR {n}: ALL SYSTEMS NOMINAL\n")),
            };
        }
        self.anomalies.inc();
        match fastrand_percent() {
            0..30 => self.delay(5000, 15_000).await,
            30..65 => self.delay(500, 2500).await,
            _ => {}
        }
        if demo_kit::chance(0.7) {
            self.sector12_errors.inc();
            let msg = MESSAGES[demo_kit::random_between(0, MESSAGES.len() as u64 - 1) as usize];
            return (StatusCode::INTERNAL_SERVER_ERROR, format!("{msg}\n"));
        }
        (StatusCode::OK, "SECTOR 12: ... NOMINAL?\n".to_owned())
    }
}

fn fastrand_percent() -> u64 {
    demo_kit::random_between(0, 99)
}

async fn visit_sector(State(m): State<Arc<Metered>>, Path(n): Path<u32>) -> (StatusCode, String) {
    if !(1..=SECTORS).contains(&n) {
        return (
            StatusCode::NOT_FOUND,
            format!("NO SECTOR {n} ON THIS STATION\n"),
        );
    }
    let started = Instant::now();
    let (code, body) = m.station.visit(n).await;
    m.latency
        .get_or_create(&sector(n))
        .observe(started.elapsed().as_secs_f64());
    let labels = RequestLabels {
        sector: n.to_string(),
        code: code.as_u16().to_string(),
    };
    m.requests.get_or_create(&labels).inc();
    (code, body)
}

async fn beacon(State(m): State<Arc<Metered>>) -> (StatusCode, &'static str) {
    m.station.anomalies.inc();
    m.station.delay(100, 500).await;
    match demo_kit::chance(0.2) {
        true => (StatusCode::GATEWAY_TIMEOUT, "BEACON: NO RESPONSE\n"),
        false => (StatusCode::OK, "BEACON: ...-.. .. ...- .\n"),
    }
}

async fn status(State(m): State<Arc<Metered>>) -> String {
    let s = &m.station;
    format!(
        "STATION STATUS\ncrew: {}\ncontainment: {:.1}%\nanomalies: {}\nbeacon: {:.2}\n",
        s.crew.get(),
        s.containment.get() * 100.0,
        s.anomalies.get(),
        s.beacon.get()
    )
}

async fn drift(m: Arc<Metered>, every: Duration, mut shutdown: Shutdown) {
    let started = Instant::now();
    // First drift one period after start, so a fresh station reports its initial readings.
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        tokio::select! {
            _ = shutdown.wait() => break,
            _ = ticker.tick() => m.station.tick(started.elapsed().as_secs_f64() / 60.0),
        }
    }
}

fn register(registry: &mut Registry, m: &Metered) {
    let s = &m.station;
    registry.register("station_crew_complement", "Crew aboard", s.crew.clone());
    registry.register(
        "station_containment_integrity",
        "Containment field integrity (0-1)",
        s.containment.clone(),
    );
    registry.register(
        "station_beacon_signal_strength",
        "Strength of the unknown beacon (0-1)",
        s.beacon.clone(),
    );
    registry.register(
        "station_sector_status",
        "Sector health (0-1)",
        s.sector_status.clone(),
    );
    registry.register(
        "station_life_support_efficiency",
        "Life support by sector (0-1)",
        s.life_support.clone(),
    );
    registry.register(
        "station_anomaly_detections",
        "Anomalies detected",
        s.anomalies.clone(),
    );
    registry.register(
        "station_sector_requests",
        "Sector requests by status code",
        m.requests.clone(),
    );
    registry.register(
        "station_sector_response_seconds",
        "Sector response time",
        m.latency.clone(),
    );
}

fn main() -> ExitCode {
    demo_kit::run("station-monitor", |env, shutdown| {
        let every = env.int_in("STATION_TICK_SECONDS", 10u64, 1, 3600)?;
        let scale = env.f64_in("LATENCY_SCALE", 1.0, 0.0, 10.0)?;
        let metered = Arc::new(Metered {
            station: Station::new(scale),
            requests: Family::default(),
            latency: Family::new_with_constructor(new_histogram as fn() -> Histogram),
        });
        let mut registry = Registry::default();
        register(&mut registry, &metered);
        tokio::spawn(drift(
            Arc::clone(&metered),
            Duration::from_secs(every),
            shutdown,
        ));
        let router = Router::new()
            .route("/", get(status))
            .route("/sectors/{n}", get(visit_sector))
            .route("/beacon", get(beacon))
            .with_state(metered)
            .merge(demo_kit::metrics::routes(registry));
        Ok(demo_kit::Service::new(router))
    })
}

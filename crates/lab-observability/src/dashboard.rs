//! Grafana dashboards as typed JSON: only the parts of Grafana's dashboard model the lab emits.
//! A RED dashboard per demo app (rate, errors, duration with exemplars) and the cost dashboard
//! of the observability-cost experiment.

use serde::Serialize;

use crate::signals::{MIMIR_UID, RedMetrics};
use crate::workload::{DemoApp, DemoApps};

/// Grafana's dashboard JSON schema version the panels below follow.
const SCHEMA_VERSION: u32 = 39;
/// Panels are laid on Grafana's 24-column grid.
const GRID_WIDTH: u32 = 24;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    pub uid: String,
    pub title: String,
    pub tags: Vec<String>,
    pub editable: bool,
    pub refresh: &'static str,
    pub schema_version: u32,
    pub time: TimeRange,
    pub templating: Templating,
    pub panels: Vec<Panel>,
}

#[derive(Debug, Serialize)]
pub struct TimeRange {
    pub from: &'static str,
    pub to: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Templating {
    pub list: Vec<Variable>,
}

/// A constant or query variable.
#[derive(Debug, Serialize)]
pub struct Variable {
    pub name: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub query: String,
    pub hide: u8,
}

#[derive(Clone, Debug, Serialize)]
pub struct DatasourceRef {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub uid: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Panel {
    pub id: u32,
    #[serde(rename = "type")]
    pub kind: PanelKind,
    pub title: String,
    pub description: String,
    pub grid_pos: GridPos,
    pub datasource: DatasourceRef,
    pub targets: Vec<Target>,
    pub field_config: FieldConfig,
}

#[derive(Clone, Copy, Debug, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PanelKind {
    Timeseries,
    Stat,
}

#[derive(Debug, Serialize)]
pub struct GridPos {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    pub ref_id: String,
    pub expr: String,
    pub legend_format: String,
    /// Fetch exemplars (trace ids) with the series, linked to Tempo by the datasource.
    pub exemplar: bool,
    pub datasource: DatasourceRef,
}

#[derive(Debug, Serialize)]
pub struct FieldConfig {
    pub defaults: FieldDefaults,
    pub overrides: Vec<serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub struct FieldDefaults {
    pub unit: &'static str,
}

fn mimir() -> DatasourceRef {
    DatasourceRef {
        kind: "prometheus",
        uid: MIMIR_UID,
    }
}

/// What one panel shows, before layout.
pub struct PanelSpec {
    pub kind: PanelKind,
    pub title: String,
    pub description: String,
    pub unit: &'static str,
    /// (expr, legend, exemplars)
    pub queries: Vec<(String, String, bool)>,
}

/// Lays panels out two per row, numbering them and their queries.
pub fn layout(
    uid: &str,
    title: &str,
    tags: &[&str],
    vars: Vec<Variable>,
    specs: Vec<PanelSpec>,
) -> Dashboard {
    let (w, h) = (GRID_WIDTH / 2, 8);
    let panels = specs
        .into_iter()
        .enumerate()
        .map(|(i, spec)| {
            let i = i as u32;
            Panel {
                id: i + 1,
                kind: spec.kind,
                title: spec.title,
                description: spec.description,
                grid_pos: GridPos {
                    x: (i % 2) * w,
                    y: (i / 2) * h,
                    w,
                    h,
                },
                datasource: mimir(),
                targets: spec
                    .queries
                    .into_iter()
                    .enumerate()
                    .map(|(q, (expr, legend, exemplar))| Target {
                        ref_id: char::from(b'A' + q as u8).to_string(),
                        expr,
                        legend_format: legend,
                        exemplar,
                        datasource: mimir(),
                    })
                    .collect(),
                field_config: FieldConfig {
                    defaults: FieldDefaults { unit: spec.unit },
                    overrides: Vec::new(),
                },
            }
        })
        .collect();
    Dashboard {
        uid: uid.into(),
        title: title.into(),
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        editable: false,
        refresh: "30s",
        schema_version: SCHEMA_VERSION,
        time: TimeRange {
            from: "now-1h",
            to: "now",
        },
        templating: Templating { list: vars },
        panels,
    }
}

/// Rate, errors and duration of one app, from its [`RedMetrics`].
pub fn red(app: &DemoApp, m: &RedMetrics) -> Dashboard {
    let sel = format!("job=\"{}\"", app.name);
    let requests = m.requests;
    let duration = m.duration;
    let route = m.route_label;
    let errors = format!("{}=~\"5..\"", m.code_label);
    let quantile = |q: &str| {
        format!(
            "histogram_quantile({q}, sum by (le) (rate({duration}_bucket{{{sel}}}[$__rate_interval])))"
        )
    };
    layout(
        &format!("{}-red", app.name),
        &format!("{} — RED", app.name),
        &["red", "demo-app", app.name],
        Vec::new(),
        vec![
            PanelSpec {
                kind: PanelKind::Timeseries,
                title: "Rate by route".into(),
                description: "Requests per second, per route.".into(),
                unit: "reqps",
                queries: vec![(
                    format!("sum by ({route}) (rate({requests}{{{sel}}}[$__rate_interval]))"),
                    format!("{{{{{route}}}}}"),
                    false,
                )],
            },
            PanelSpec {
                kind: PanelKind::Timeseries,
                title: "Error ratio".into(),
                description: "Share of requests answered with a 5xx code.".into(),
                unit: "percentunit",
                queries: vec![(
                    format!(
                        "sum(rate({requests}{{{sel},{errors}}}[$__rate_interval])) / sum(rate({requests}{{{sel}}}[$__rate_interval]))"
                    ),
                    "errors".into(),
                    false,
                )],
            },
            PanelSpec {
                kind: PanelKind::Timeseries,
                title: "Duration".into(),
                description: "Latency quantiles; the dots are exemplars: click one to open its trace in Tempo.".into(),
                unit: "s",
                queries: vec![
                    (quantile("0.5"), "p50".into(), true),
                    (quantile("0.95"), "p95".into(), true),
                    (quantile("0.99"), "p99".into(), true),
                ],
            },
            PanelSpec {
                kind: PanelKind::Stat,
                title: "Series exposed".into(),
                description: "How many series this app costs the TSDB.".into(),
                unit: "short",
                queries: vec![(format!("count({{{sel}}})"), "series".into(), false)],
            },
        ],
    )
}

/// What the lab's telemetry costs: series (by job and by metric), ingest rates of the three
/// stores, and the object storage they fill.
pub fn cost() -> Dashboard {
    let q = |e: &str, legend: &str| (e.to_owned(), legend.to_owned(), false);
    layout(
        "observability-cost",
        "Observability cost",
        &["cost", "experiment"],
        Vec::new(),
        vec![
            PanelSpec {
                kind: PanelKind::Timeseries,
                title: "Active series by job".into(),
                description: "Cardinality is the main driver of metrics cost.".into(),
                unit: "short",
                queries: vec![q(
                    "sort_desc(count by (job) ({__name__=~\".+\"}))",
                    "{{job}}",
                )],
            },
            PanelSpec {
                kind: PanelKind::Timeseries,
                title: "Top 10 metrics by series".into(),
                description: "The metric names holding most series.".into(),
                unit: "short",
                queries: vec![q(
                    "topk(10, count by (__name__) ({__name__=~\".+\"}))",
                    "{{__name__}}",
                )],
            },
            PanelSpec {
                kind: PanelKind::Timeseries,
                title: "Samples ingested (Mimir)".into(),
                description: "Samples per second the distributors accept.".into(),
                unit: "short",
                queries: vec![q(
                    "sum(rate(cortex_distributor_received_samples_total[$__rate_interval]))",
                    "samples/s",
                )],
            },
            PanelSpec {
                kind: PanelKind::Timeseries,
                title: "Log bytes ingested (Loki)".into(),
                description: "Verbose logging shows up here first.".into(),
                unit: "Bps",
                queries: vec![q(
                    "sum(rate(loki_distributor_bytes_received_total[$__rate_interval]))",
                    "bytes/s",
                )],
            },
            PanelSpec {
                kind: PanelKind::Timeseries,
                title: "Trace bytes ingested (Tempo)".into(),
                description: "Span volume at the distributor.".into(),
                unit: "Bps",
                queries: vec![q(
                    "sum(rate(tempo_distributor_bytes_received_total[$__rate_interval]))",
                    "bytes/s",
                )],
            },
            PanelSpec {
                kind: PanelKind::Stat,
                title: "Loki streams".into(),
                description: "Streams in memory: every label value combination is one.".into(),
                unit: "short",
                queries: vec![q("sum(loki_ingester_memory_streams)", "streams")],
            },
        ],
    )
}

/// Every dashboard of a cluster with its Grafana folder: one RED dashboard per registered demo
/// app that serves HTTP, and the cost dashboard.
pub fn all(apps: Option<&DemoApps>) -> Vec<(&'static str, Dashboard)> {
    let mut out: Vec<(&'static str, Dashboard)> = apps
        .map(|a| a.apps.as_slice())
        .unwrap_or_default()
        .iter()
        .filter_map(|app| app.red.as_ref().map(|m| ("Demo apps", red(app, m))))
        .collect();
    out.push(("Experiments", cost()));
    out
}

/// Every dashboard as a JSON file under `generated/dashboards/<uid>.json`.
pub fn artifacts(apps: Option<&DemoApps>) -> Result<Vec<lab_core::Artifact>, lab_core::Error> {
    all(apps)
        .into_iter()
        .map(|(_, d)| {
            lab_core::Artifact::document(
                lab_core::layout::dashboard_file(&d.uid)?,
                lab_core::Format::Json,
                &d,
            )
        })
        .collect()
}

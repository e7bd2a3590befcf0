//! `cargo xtask list experiments|components|charts`: what exists, as a table or JSON.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::style::{self, Format};

#[derive(clap::Args)]
pub struct Args {
    /// What to list.
    #[arg(value_enum)]
    pub what: What,
    /// Output: an aligned table, or JSON for scripts.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// With `charts`: read the pins from this file instead of platform/versions.yaml (e.g. the
    /// base branch's copy, whose set of charts may differ from this checkout's).
    #[arg(long, value_name = "FILE")]
    pub versions: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum What {
    /// The experiments under experiments/, with title, roadmap phase and difficulty.
    Experiments,
    /// The component catalog an experiment composes from, with each pin.
    Components,
    /// Every chart pinned in platform/versions.yaml (`.ci/pull-charts.sh` pulls these).
    Charts,
}

/// Rows as aligned columns, the header first.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<w$}  "));
            }
        }
        out.trim_end().to_owned()
    };
    let mut out = vec![line(header.to_vec())];
    out.extend(
        rows.iter()
            .map(|r| line(r.iter().map(String::as_str).collect())),
    );
    out.join("\n") + "\n"
}

/// `rows` as JSON, or as a table of `header` and each row's `cells`.
fn emit<R: Serialize>(
    format: Format,
    rows: &[R],
    header: &[&str],
    cells: impl Fn(&R) -> Vec<String>,
) -> Result<()> {
    if format == Format::Json {
        return style::json(&rows);
    }
    let cells: Vec<Vec<String>> = rows.iter().map(cells).collect();
    print!("{}", table(header, &cells));
    Ok(())
}

#[derive(Serialize)]
struct ExperimentRow<'a> {
    name: &'a str,
    title: &'a str,
    phase: u8,
    difficulty: &'a str,
    duration: &'a str,
}

#[derive(Serialize)]
struct ComponentRow {
    id: &'static str,
    family: &'static str,
    packaging: &'static str,
    pin: String,
    version: String,
    description: &'static str,
}

#[derive(Serialize)]
struct ChartRow {
    chart: String,
    repository: String,
    version: String,
}

/// The `charts:` section of a versions file, read leniently: only each entry's repository and
/// version, whatever else the file holds, so that another revision's file (more or fewer charts
/// than this checkout's loader allows) can still be listed.
#[derive(serde::Deserialize)]
struct ChartPins {
    charts: BTreeMap<String, ChartPin>,
}

#[derive(serde::Deserialize)]
struct ChartPin {
    repository: String,
    version: String,
}

fn chart_rows(root: &Path, versions: Option<&Path>) -> Result<Vec<ChartRow>> {
    let pins: BTreeMap<String, ChartPin> = match versions {
        // This checkout's pins go through the typed loader and its checks.
        None => {
            let versions: lab_model::Versions =
                lab_model::input::load(&root.join(lab::VERSIONS_FILE))?;
            versions
                .charts
                .into_iter()
                .map(|(name, c)| {
                    let pin = ChartPin {
                        repository: c.repository,
                        version: c.version,
                    };
                    (name, pin)
                })
                .collect()
        }
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            let pins: ChartPins = serde_saphyr::from_str(&text)
                .map_err(|e| anyhow::anyhow!("{}: no readable charts: {e}", file.display()))?;
            pins.charts
        }
    };
    Ok(pins
        .into_iter()
        .map(|(chart, p)| ChartRow {
            chart,
            repository: p.repository,
            version: p.version,
        })
        .collect())
}

pub fn run(root: &Path, args: &Args) -> Result<ExitCode> {
    if args.versions.is_some() && !matches!(args.what, What::Charts) {
        anyhow::bail!("--versions goes with `list charts` only");
    }
    match args.what {
        What::Charts => {
            let rows = chart_rows(root, args.versions.as_deref())?;
            emit(
                args.format,
                &rows,
                &["CHART", "REPOSITORY", "VERSION"],
                |r| vec![r.chart.clone(), r.repository.clone(), r.version.clone()],
            )?;
        }
        What::Experiments => {
            let experiments = lab_experiments::load_all(root)?;
            let rows: Vec<ExperimentRow> = experiments
                .iter()
                .map(|e| ExperimentRow {
                    name: &e.name,
                    title: &e.spec.title,
                    phase: e.spec.phase,
                    difficulty: e.spec.difficulty.as_str(),
                    duration: &e.spec.duration,
                })
                .collect();
            emit(
                args.format,
                &rows,
                &["NAME", "PHASE", "DIFFICULTY", "DURATION", "TITLE"],
                |r| {
                    vec![
                        r.name.to_owned(),
                        r.phase.to_string(),
                        r.difficulty.to_owned(),
                        r.duration.to_owned(),
                        r.title.to_owned(),
                    ]
                },
            )?;
        }
        What::Components => {
            let versions: lab_model::Versions =
                lab_model::input::load(&root.join(lab::VERSIONS_FILE))?;
            let rows = lab_experiments::CATALOG
                .iter()
                .map(|e| {
                    let (kind, key) = match e.pin {
                        lab_experiments::catalog::Pin::Chart(k) => ("charts", k),
                        lab_experiments::catalog::Pin::Image(k) => ("images", k),
                    };
                    Ok(ComponentRow {
                        id: e.id.as_str(),
                        family: e.family.as_str(),
                        packaging: e.packaging.as_str(),
                        pin: format!("{kind}.{key}"),
                        version: e.pin.version(&versions)?,
                        description: e.description,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            emit(
                args.format,
                &rows,
                &["ID", "FAMILY", "PACKAGING", "VERSION", "DESCRIPTION"],
                |r| {
                    vec![
                        r.id.to_owned(),
                        r.family.to_owned(),
                        r.packaging.to_owned(),
                        r.version.clone(),
                        r.description.to_owned(),
                    ]
                },
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    #[test]
    fn columns_line_up_whatever_the_cell_widths() {
        let t = super::table(
            &["A", "B"],
            &[
                vec!["long-name".into(), "x".into()],
                vec!["s".into(), "y".into()],
            ],
        );
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "A          B");
        assert_eq!(lines[1], "long-name  x");
        assert_eq!(lines[2], "s          y");
    }
}

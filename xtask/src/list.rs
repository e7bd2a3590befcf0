//! `cargo xtask list experiments|components`: what exists, as a table or JSON.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
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
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum What {
    /// The experiments under experiments/, with title, roadmap phase and difficulty.
    Experiments,
    /// The component catalog an experiment composes from, with each pin.
    Components,
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

pub fn run(root: &Path, args: &Args) -> Result<ExitCode> {
    match args.what {
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

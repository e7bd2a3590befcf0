//! `cargo xtask diff`: per-object diff between generated/ at a revision and a fresh render (or
//! another revision), as text, markdown for a pull-request comment, or JSON.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use lab_core::diff::Report;
use lab_core::fs::as_disk_tree;
use lab_core::layout;

use crate::{git, style};

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum DiffFormat {
    Text,
    Markdown,
    Json,
}

#[derive(clap::Args)]
pub struct Args {
    /// Revision to compare with (default: origin/main if it exists, else HEAD).
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// Output: text for a terminal, markdown for a pull-request comment, or JSON.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    /// Compare with generated/ at this revision instead of a fresh render.
    #[arg(long, value_name = "REV")]
    pub head: Option<String>,
    /// Largest markdown output, in characters (GitHub comments hold 65,536).
    #[arg(long, default_value_t = 65_536, value_name = "N")]
    pub max_chars: usize,
    /// Repository to read revisions from (default: this checkout).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// Also `helm template` each Application whose chart or values changed, both sides,
    /// from charts in DIR/<chart>-<version>/ (.ci/pull-charts.sh), and diff the objects.
    #[arg(long, value_name = "DIR")]
    pub charts: Option<PathBuf>,
}

pub fn run(root: &Path, args: &Args) -> Result<ExitCode> {
    let repo = args.repo.clone().unwrap_or_else(|| root.to_path_buf());
    let base = match &args.base {
        Some(b) => b.clone(),
        None => git::default_base(&repo)?,
    };
    let old = git::tree_at(&repo, &base, layout::GENERATED)
        .with_context(|| format!("reading generated/ at {base}"))?;
    let new = match &args.head {
        Some(rev) => git::tree_at(&repo, rev, layout::GENERATED)
            .with_context(|| format!("reading generated/ at {rev}"))?,
        None => as_disk_tree(&crate::render_files(root)?),
    };
    let mut report = Report::between(&old, &new);
    // Charts whose version or values changed, expanded into the objects they render.
    let mut not_expanded = Vec::new();
    if let Some(dir) = &args.charts {
        let (expanded, missing) = crate::chart_diff::expand(&old, &new, dir)?;
        report.groups.extend(expanded.groups);
        not_expanded = missing;
    }
    let notes: String = not_expanded.iter().map(|n| format!("- {n}\n")).collect();
    match args.format {
        DiffFormat::Text => {
            style::diff(&report.to_text());
            print!("{notes}");
        }
        DiffFormat::Markdown => print!(
            "{}{}",
            report.to_markdown(args.max_chars.saturating_sub(notes.len() + 40)),
            if notes.is_empty() {
                String::new()
            } else {
                format!("\n**Charts not expanded:**\n{notes}")
            }
        ),
        DiffFormat::Json => style::json(&serde_json::json!({
            "base": base,
            "head": args.head.as_deref().unwrap_or("render"),
            "report": report,
            "charts_not_expanded": not_expanded,
        }))?,
    }
    Ok(ExitCode::SUCCESS)
}

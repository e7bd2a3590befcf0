//! `cargo xtask check`: render in memory and compare with generated/ (or `--against DIR`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use lab_core::diff::Report;
use lab_core::fs::{as_disk_tree, read_tree};

use crate::style::{self, Format};

#[derive(clap::Args)]
pub struct Args {
    /// Folder to compare with (default: generated/ at the repository root).
    #[arg(long, value_name = "DIR")]
    pub against: Option<PathBuf>,
    /// Output: a unified diff for people, or one JSON document.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(root: &Path, args: &Args) -> Result<ExitCode> {
    let start = Instant::now();
    let generated = root.join("generated");
    let folder = args.against.clone().unwrap_or_else(|| generated.clone());
    let rendered = as_disk_tree(&crate::render_files(root)?);
    let report = Report::between(&read_tree(&folder)?, &rendered);
    let is_generated = args.against.is_none()
        || std::fs::canonicalize(&folder).ok() == std::fs::canonicalize(&generated).ok();
    let shown = if is_generated {
        "generated/".to_owned()
    } else {
        folder.display().to_string()
    };
    let code = if report.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    };
    if args.format == Format::Json {
        style::json(&serde_json::json!({
            "against": shown,
            "current": report.is_empty(),
            "files": rendered.len(),
            "report": report,
        }))?;
        return Ok(code);
    }
    if report.is_empty() {
        style::summary(
            "check",
            &format!(
                "{shown} is current ({} files, {} ms)",
                rendered.len(),
                start.elapsed().as_millis()
            ),
        );
        return Ok(code);
    }
    style::diff(&report.to_text());
    // The hint fits what was compared: only generated/ is fixed by a plain render.
    let hint = if is_generated {
        "run `cargo xtask render` and commit the result".to_owned()
    } else {
        format!(
            "it is not what the lab renders; `cargo xtask render --out {shown}` would make it so"
        )
    };
    style::warning(
        "check",
        &format!("{shown} is stale ({}); {hint}", report.counts_line()),
    );
    Ok(code)
}

//! `cargo xtask render`: the lab into generated/ (or `--out`), swapped in atomically; a render
//! that changes nothing writes nothing.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use lab_core::fs::write_tree;

#[derive(clap::Args)]
pub struct Args {
    /// Output folder (default: generated/ at the repository root).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn run(root: &Path, args: &Args) -> Result<ExitCode> {
    let out = args.out.clone().unwrap_or_else(|| root.join("generated"));
    let start = Instant::now();
    let files = crate::render_files(root)?;
    let summary = write_tree(&files, &out)?;
    let shown = out.strip_prefix(root).unwrap_or(&out).display();
    let message = if summary.unchanged() {
        format!(
            "{shown} already current ({} files, nothing written) in {} ms",
            summary.written,
            start.elapsed().as_millis()
        )
    } else {
        format!(
            "{} files, {} changed, {} removed in {} ms -> {shown}",
            summary.written,
            summary.changed,
            summary.removed,
            start.elapsed().as_millis(),
        )
    };
    crate::style::summary("render", &message);
    Ok(ExitCode::SUCCESS)
}

//! `cargo xtask check`: render in memory and compare with generated/ (or `--against DIR`); when
//! comparing with generated/, also compare the generated sections of the hand-written pages
//! (README.md, docs/) with what the model fills them with.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use lab_core::diff::Report;
use lab_core::fs::{DiskTree, as_disk_tree, read_tree};
use lab_core::layout;

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

/// The lab rendered in memory against `folder` on disk, which is read while the lab renders;
/// and how many files the render made.
pub fn compare(root: &Path, folder: &Path) -> Result<(Report, usize)> {
    std::thread::scope(|s| {
        let on_disk = s.spawn(|| read_tree(folder));
        let rendered = crate::render_files(root).map(|files| as_disk_tree(&files));
        let on_disk = on_disk
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        let rendered = rendered?;
        Ok((Report::between(&on_disk?, &rendered), rendered.len()))
    })
}

pub fn run(root: &Path, args: &Args) -> Result<ExitCode> {
    let start = Instant::now();
    let generated = layout::generated_dir(root);
    let folder = args.against.clone().unwrap_or_else(|| generated.clone());
    let (report, rendered) = compare(root, &folder)?;
    let is_generated = args.against.is_none()
        || std::fs::canonicalize(&folder).ok() == std::fs::canonicalize(&generated).ok();
    let shown = if is_generated {
        format!("{}/", layout::GENERATED)
    } else {
        folder.display().to_string()
    };
    // The pages' sections are copies of the model, like generated/; `--against` compares a
    // folder alone.
    let pages = if is_generated {
        let inputs = lab::Inputs::load(root)?;
        let stale: Vec<_> = lab::docs::documents(root, &inputs)?
            .into_iter()
            .filter(|d| !d.is_current())
            .collect();
        let tree = |f: fn(&lab::docs::Document) -> &String| -> DiskTree {
            stale
                .iter()
                .map(|d| (d.path.clone(), f(d).as_bytes().to_vec()))
                .collect()
        };
        Report::between(&tree(|d| &d.current), &tree(|d| &d.filled))
    } else {
        Report::between(&DiskTree::new(), &DiskTree::new())
    };
    let code = if report.is_empty() && pages.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    };
    if args.format == Format::Json {
        style::json(&serde_json::json!({
            "against": shown,
            "current": report.is_empty() && pages.is_empty(),
            "files": rendered,
            "report": report,
            "pages": pages,
        }))?;
        return Ok(code);
    }
    if !pages.is_empty() {
        style::diff(&pages.to_text());
        style::warning(
            "check",
            "generated sections of hand-written pages are stale; run `cargo xtask render` and \
             commit the pages",
        );
    }
    if report.is_empty() {
        if !pages.is_empty() {
            return Ok(code);
        }
        style::summary(
            "check",
            &format!(
                "{shown} is current ({} files, {} ms)",
                rendered,
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

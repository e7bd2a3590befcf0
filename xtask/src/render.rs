//! `cargo xtask render`: the lab into generated/ (or `--out`), swapped in atomically; a render
//! that changes nothing writes nothing. Rendering into generated/ also fills the generated
//! sections of the hand-written pages (README.md, docs/): each page replaced atomically, and
//! only when its sections changed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use lab_core::Files;
use lab_core::fs::{WriteSummary, Writer, replace_file};
use lab_core::layout;

#[derive(clap::Args)]
pub struct Args {
    /// Output folder (default: generated/ at the repository root).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn run(root: &Path, args: &Args) -> Result<ExitCode> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| layout::generated_dir(root));
    let start = Instant::now();
    let (inputs, summary) = render_into(root, &out, |_| {})?;
    let shown = out.strip_prefix(root).unwrap_or(&out).display();
    // A render elsewhere is for comparing; only a render into generated/ updates the pages.
    let mut pages = Vec::new();
    if args.out.is_none() {
        for doc in lab::docs::documents(root, &inputs)? {
            if !doc.is_current() {
                replace_file(&root.join(&doc.path), &doc.filled)?;
                pages.push(doc.path);
            }
        }
    }
    let mut message = if summary.unchanged() {
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
    if !pages.is_empty() {
        let n = pages.len();
        let first = &pages[0];
        let more = if n > 1 {
            format!(" and {} more", n - 1)
        } else {
            String::new()
        };
        message.push_str(&format!("; generated sections updated in {first}{more}"));
    }
    crate::style::summary("render", &message);
    Ok(ExitCode::SUCCESS)
}

/// Renders the lab into `out`, `edit` applied to the files first (the bench's one-file
/// change). The writers' lock is taken before the inputs are read, so the tree being replaced
/// is read while the lab renders (`lab_core::fs::Writer`).
pub fn render_into(
    root: &Path,
    out: &Path,
    edit: impl FnOnce(&mut Files),
) -> Result<(lab::Inputs, WriteSummary)> {
    let writer = Writer::lock(out)?;
    let inputs = lab::Inputs::load(root)?;
    let mut files = lab::render(&inputs)?.render()?;
    edit(&mut files);
    Ok((inputs, writer.write(&files)?))
}

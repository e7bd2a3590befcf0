//! `cargo xtask bench`: a fixed workload timed over many runs, reported as median and p90, so
//! performance claims come from a repeatable measurement and not from a timed test.
//!
//! Renders go to a scratch copy of generated/ (never the checkout's): "unchanged" renders
//! onto an identical tree, "changed" alternates between the lab and the lab with one file
//! edited, so every timed run swaps a new tree in.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use lab_core::diff::Report;
use lab_core::fs::{as_disk_tree, read_tree, write_tree};

#[derive(clap::Args)]
pub struct Args {
    /// Timed runs per case, after one warm-up run.
    #[arg(long, default_value_t = 30, value_name = "N")]
    pub runs: usize,
}

fn summarize(name: &str, mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{name:<28} median {:>8.2} ms   p90 {:>8.2} ms   min {:>8.2} ms   ({} runs)",
        ms(at(0.5)),
        ms(at(0.9)),
        ms(samples[0]),
        samples.len()
    );
    at(0.5)
}

fn time(runs: usize, mut f: impl FnMut(usize) -> Result<()>) -> Result<Vec<Duration>> {
    f(0)?; // warm-up: page cache, lazy statics
    (1..=runs)
        .map(|i| {
            let start = Instant::now();
            f(i)?;
            Ok(start.elapsed())
        })
        .collect()
}

/// A scratch folder removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn run(root: &Path, args: &Args) -> Result<ExitCode> {
    let runs = args.runs.max(1);
    let generated = root.join("generated");
    let files = lab::render(&lab::Inputs::load(root)?)?.render()?;
    println!(
        "workload: the whole lab ({} files, {} bytes); {runs} timed runs after one warm-up",
        files.len(),
        files.values().map(String::len).sum::<usize>()
    );
    let scratch = Scratch(std::env::temp_dir().join(format!("lab-bench-{}", std::process::id())));
    let out = scratch.0.join("generated");
    write_tree(&files, &out).with_context(|| format!("preparing {}", out.display()))?;

    let load = summarize(
        "load inputs",
        time(runs, |_| lab::Inputs::load(root).map(drop))?,
    );
    let render = summarize(
        "render in memory",
        time(runs, |_| crate::render_files(root).map(drop))?,
    );
    let check = summarize(
        "check (render + compare)",
        time(runs, |_| {
            let rendered = as_disk_tree(&crate::render_files(root)?);
            let report = Report::between(&read_tree(&generated)?, &rendered);
            ensure!(
                report.is_empty(),
                "generated/ is stale; run `cargo xtask render`"
            );
            Ok(())
        })?,
    );
    let unchanged = summarize(
        "render, nothing changed",
        time(runs, |_| {
            let summary = write_tree(&crate::render_files(root)?, &out)?;
            ensure!(summary.unchanged(), "the scratch tree changed: {summary:?}");
            Ok(())
        })?,
    );
    // One file differs every other run: the smallest change, which still swaps the tree.
    let (edited_path, edited_text) = files.iter().next().context("an empty render")?;
    let (edited_path, edited_text) = (edited_path.clone(), format!("{edited_text}# bench\n"));
    let changed = summarize(
        "render, one file changed",
        time(runs, |i| {
            let mut files = crate::render_files(root)?;
            if i % 2 == 0 {
                files.insert(edited_path.clone(), edited_text.clone());
            }
            let summary = write_tree(&files, &out)?;
            ensure!(summary.changed == 1, "expected one change: {summary:?}");
            Ok(())
        })?,
    );
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    println!(
        "ratios: check/render {:.2}, load/render {:.2}, unchanged render/check {:.2} (target <= 1.5)",
        ratio(check, render),
        ratio(load, render),
        ratio(unchanged, check)
    );
    println!(
        "changed render: {:.2} ms (target < 30 ms in a release build)",
        changed.as_secs_f64() * 1e3
    );
    Ok(ExitCode::SUCCESS)
}

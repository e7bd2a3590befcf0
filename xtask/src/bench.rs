//! `cargo xtask bench`: a fixed workload timed over many runs, reported as median and p90, so
//! performance claims come from a repeatable measurement and not from a timed test.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;
use lab_core::diff::Report;
use lab_core::fs::{as_disk_tree, read_tree};

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

fn time(runs: usize, mut f: impl FnMut() -> Result<()>) -> Result<Vec<Duration>> {
    f()?; // warm-up: page cache, lazy statics
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f()?;
            Ok(start.elapsed())
        })
        .collect()
}

pub fn run(root: &Path, runs: usize) -> Result<()> {
    let generated = root.join("generated");
    let files = lab::render(&lab::Inputs::load(root)?)?.render()?;
    println!(
        "workload: the whole lab ({} files, {} bytes); {runs} timed runs after one warm-up",
        files.len(),
        files.values().map(String::len).sum::<usize>()
    );
    let load = summarize(
        "load inputs",
        time(runs, || lab::Inputs::load(root).map(drop))?,
    );
    let render = summarize(
        "render in memory",
        time(runs, || {
            let inputs = lab::Inputs::load(root)?;
            lab::render(&inputs)?.render().map(drop)?;
            Ok(())
        })?,
    );
    let check = summarize(
        "check (render + compare)",
        time(runs, || {
            let rendered = as_disk_tree(&lab::render(&lab::Inputs::load(root)?)?.render()?);
            let report = Report::between(&read_tree(&generated)?, &rendered);
            anyhow::ensure!(
                report.is_empty(),
                "generated/ is stale; run `cargo xtask render`"
            );
            Ok(())
        })?,
    );
    println!(
        "ratios: check/render {:.2}, load/render {:.2}",
        check.as_secs_f64() / render.as_secs_f64(),
        load.as_secs_f64() / render.as_secs_f64()
    );
    Ok(())
}

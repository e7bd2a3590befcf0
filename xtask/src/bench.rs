//! `cargo xtask bench`: a fixed workload timed over many runs, reported as median and p90, so
//! performance claims come from a repeatable measurement and not from a timed test.
//!
//! Renders go to a scratch copy of generated/ (never the checkout's): "unchanged" renders
//! onto an identical tree, "changed" alternates between the lab and the lab with one file
//! edited, so every timed run swaps a new tree in.
//!
//! `--experiments N[,N…]` measures scale instead: a synthetic lab of N experiments
//! (`lab::synthetic`) rendered and written to a fresh folder, compared with `cp -r` of the
//! tree it produced. Each size runs in a fresh copy of this process, so the peak memory it
//! reports (the kernel's high-water mark of the resident set) belongs to that size alone.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use lab_core::fs::write_tree;
use lab_core::layout;

#[derive(clap::Args)]
pub struct Args {
    /// Timed runs per case, after one warm-up run.
    #[arg(long, default_value_t = 30, value_name = "N")]
    pub runs: usize,
    /// Measure scale instead: render a synthetic lab of N experiments (a comma-separated list
    /// for several sizes) to a temporary folder; report time, peak memory, bytes and the ratio
    /// to `cp -r` of the produced tree.
    #[arg(long, value_name = "N", value_delimiter = ',')]
    pub experiments: Vec<usize>,
    /// Internal: run one size of `--experiments` in this process, writing into DIR, and print
    /// its measurements as one JSON line (the parent starts one process per size).
    #[arg(long, value_name = "DIR", hide = true, requires = "experiments")]
    pub case_dir: Option<PathBuf>,
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
    match (&args.case_dir, args.experiments.as_slice()) {
        (Some(dir), [n]) => return scale_case(root, *n, args.runs.max(1), dir),
        (Some(_), _) => anyhow::bail!("--case-dir takes exactly one size in --experiments"),
        (None, []) => {}
        (None, sizes) => return scale(sizes, args.runs.max(1)),
    }
    let runs = args.runs.max(1);
    let generated = layout::generated_dir(root);
    let files = lab::render(&lab::Inputs::load(root)?)?.render()?;
    println!(
        "workload: the whole lab ({} files, {} bytes); {runs} timed runs after one warm-up",
        files.len(),
        files.values().map(String::len).sum::<usize>()
    );
    let scratch = Scratch(std::env::temp_dir().join(format!("lab-bench-{}", std::process::id())));
    let out = layout::generated_dir(&scratch.0);
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
            let (report, _) = crate::check::compare(root, &generated)?;
            ensure!(
                report.is_empty(),
                "{}/ is stale; run `cargo xtask render`",
                layout::GENERATED
            );
            Ok(())
        })?,
    );
    let unchanged = summarize(
        "render, nothing changed",
        time(runs, |_| {
            let (_, summary) = crate::render::render_into(root, &out, |_| {})?;
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
            let (_, summary) = crate::render::render_into(root, &out, |files| {
                if i % 2 == 0 {
                    files.insert(edited_path.clone(), edited_text.clone());
                }
            })?;
            ensure!(summary.changed == 1, "expected one change: {summary:?}");
            Ok(())
        })?,
    );
    // The same swap without the render: what the writer itself costs (stage, flush, swap,
    // remove the old tree), so the disk's share can be told from the computation's.
    let mut edited = files.clone();
    edited.insert(edited_path.clone(), edited_text.clone());
    write_tree(&files, &out)?; // the unedited tree, whatever the run count left
    let write = summarize(
        "write only, one file changed",
        time(runs, |i| {
            let summary = write_tree(if i % 2 == 0 { &edited } else { &files }, &out)?;
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
        "changed render: {:.2} ms (target < 30 ms in a release build), of which writing {:.2} ms",
        changed.as_secs_f64() * 1e3,
        write.as_secs_f64() * 1e3
    );
    Ok(ExitCode::SUCCESS)
}

/// What one scale case measured, passed from the child process to the parent as JSON.
#[derive(serde::Serialize, serde::Deserialize)]
struct Case {
    experiments: usize,
    files: usize,
    documents: usize,
    bytes: usize,
    median_ms: f64,
    p90_ms: f64,
    /// Median of the render alone (no writing).
    in_memory_ms: f64,
    /// Peak resident set of the whole process (inputs, every run), in KiB; None off Linux.
    peak_kib: Option<u64>,
}

fn median_p90(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.9))
}

/// The kernel's high-water mark of this process's resident set (`VmHWM`), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// One size, in this process: each timed run builds the synthetic lab, renders its bytes and
/// writes them with the lab's writer into a folder that does not exist yet, as a first render
/// would. The last run's tree is left in `dir/generated` for the parent's copy.
fn scale_case(root: &Path, n: usize, runs: usize, dir: &Path) -> Result<ExitCode> {
    let inputs = lab::Inputs::load(root)?;
    let out = |i: usize| layout::generated_dir(&dir.join(format!("run-{i}")));
    let mut shape = (0, 0, 0);
    let samples = time(runs, |i| {
        let files = lab::synthetic::render(&inputs, n)?;
        write_tree(&files, &out(i))?;
        shape = (files.len(), 0, files.values().map(String::len).sum());
        Ok(())
    })?;
    // The same render without the writer, to tell the computation from the disk.
    let memory = time(runs, |_| lab::synthetic::render(&inputs, n).map(drop))?;
    let peak_kib = peak_rss_kib();
    // Counted after the peak is read: the whole tree at once costs more than the render does.
    shape.1 = lab::synthetic::experiments(&inputs, n)?
        .artifacts()
        .map(|a| a.documents.len())
        .sum();
    // Clean-up is not timed; the last tree stays for the copy.
    for i in 0..runs {
        std::fs::remove_dir_all(out(i).parent().context("a run folder")?)?;
    }
    std::fs::rename(
        out(runs).parent().context("a run folder")?,
        dir.join("tree"),
    )?;
    let (median, p90) = median_p90(samples);
    let (in_memory, _) = median_p90(memory);
    let case = Case {
        in_memory_ms: in_memory.as_secs_f64() * 1e3,
        experiments: n,
        files: shape.0,
        documents: shape.1,
        bytes: shape.2,
        median_ms: median.as_secs_f64() * 1e3,
        p90_ms: p90.as_secs_f64() * 1e3,
        peak_kib,
    };
    println!("{}", serde_json::to_string(&case)?);
    Ok(ExitCode::SUCCESS)
}

/// Every size in its own process, then `cp -r` of the tree it produced, timed the same way.
fn scale(sizes: &[usize], runs: usize) -> Result<ExitCode> {
    let exe = std::env::current_exe().context("finding this program to run each size")?;
    println!(
        "workload: N synthetic experiments (lab::synthetic), rendered and written to a fresh folder; {runs} timed runs after one warm-up, each size in a fresh process"
    );
    println!(
        "{:>6} {:>7} {:>7} {:>7} {:>10} {:>9} {:>10} {:>11} {:>8} {:>9} {:>8}",
        "N",
        "files",
        "docs",
        "MB",
        "median ms",
        "p90 ms",
        "memory ms",
        "ms per exp",
        "peak MB",
        "cp -r ms",
        "x cp -r"
    );
    let mut per_experiment = Vec::new();
    for &n in sizes {
        let scratch = Scratch(
            std::env::temp_dir().join(format!("lab-bench-scale-{}-{n}", std::process::id())),
        );
        std::fs::create_dir_all(&scratch.0)?;
        let output = std::process::Command::new(&exe)
            .args([
                "bench",
                "--experiments",
                &n.to_string(),
                "--runs",
                &runs.to_string(),
            ])
            .arg("--case-dir")
            .arg(&scratch.0)
            .stderr(std::process::Stdio::inherit())
            .output()
            .context("running one size")?;
        ensure!(output.status.success(), "the run for N={n} failed");
        let case: Case = serde_json::from_slice(&output.stdout)
            .with_context(|| format!("reading the result of N={n}"))?;
        // The floor: copying the produced tree with cp, to a folder that does not exist yet.
        let tree = layout::generated_dir(&scratch.0.join("tree"));
        let copy = |i: usize| scratch.0.join(format!("copy-{i}"));
        let copies = time(runs, |i| {
            let status = std::process::Command::new("cp")
                .arg("-r")
                .arg(&tree)
                .arg(copy(i))
                .status()?;
            ensure!(status.success(), "cp -r failed");
            Ok(())
        })?;
        let (cp, _) = median_p90(copies);
        let cp_ms = cp.as_secs_f64() * 1e3;
        let per = case.median_ms / n.max(1) as f64;
        per_experiment.push((n, per));
        println!(
            "{:>6} {:>7} {:>7} {:>7.1} {:>10.1} {:>9.1} {:>10.1} {:>11.3} {:>8} {:>9.1} {:>8.2}",
            n,
            case.files,
            case.documents,
            case.bytes as f64 / 1e6,
            case.median_ms,
            case.p90_ms,
            case.in_memory_ms,
            per,
            case.peak_kib
                .map_or("n/a".to_owned(), |k| format!("{:.1}", k as f64 / 1024.0)),
            cp_ms,
            case.median_ms / cp_ms
        );
    }
    if let (Some((n0, first)), Some((n1, last))) = (per_experiment.first(), per_experiment.last())
        && n0 != n1
    {
        println!(
            "linearity: cost per experiment at N={n1} / at N={n0} = {:.2} (1.00 is linear)",
            last / first
        );
    }
    Ok(ExitCode::SUCCESS)
}

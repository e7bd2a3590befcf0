//! `cargo xtask <command>`: the lab's CLI. Every command renders in memory first; only
//! `render` writes, and it replaces `generated/` atomically.

mod bench;
mod crds;
mod git;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use lab_core::diff::Report;
use lab_core::fs::{as_disk_tree, read_tree, write_tree};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Render, check, diff and validate the lab's generated/ tree"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render the lab into generated/ (replaced atomically; stale files removed).
    Render {
        /// Output folder (default: generated/ at the repository root).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Render in memory and compare with generated/; exit 1 with a diff on drift.
    Check {
        /// Folder to compare with (default: generated/ at the repository root).
        #[arg(long)]
        against: Option<PathBuf>,
    },
    /// Per-object diff between generated/ at a git revision and a fresh render.
    Diff {
        /// Revision to compare with (default: origin/main if it exists, else HEAD).
        #[arg(long)]
        base: Option<String>,
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
        /// Compare with generated/ at this revision instead of a fresh render.
        #[arg(long)]
        head: Option<String>,
        /// Largest markdown output, in characters (GitHub comments hold 65,536).
        #[arg(long, default_value_t = 65_536)]
        max_chars: usize,
        /// Repository to read revisions from (default: this checkout).
        #[arg(long)]
        repo: Option<PathBuf>,
    },
    /// Strictly validate every rendered object against the CRD schemas in DIR and Kubernetes'
    /// own schemas, plus the lab's cross-reference rules.
    Validate {
        /// Folder of upstream CRD files (one group per subfolder), e.g. ../shared/schemas/crds.
        #[arg(long)]
        schemas: PathBuf,
        /// Talos' config.schema.json (default: talos/config.schema.json beside the CRD folder).
        #[arg(long)]
        talos_schema: Option<PathBuf>,
    },
    /// Time render and check on the real lab (median, p90 over a fixed number of runs).
    Bench {
        #[arg(long, default_value_t = 30)]
        runs: usize,
    },
    /// Regenerate crates/lab-crds from upstream CRD files with kopium.
    Crds {
        #[arg(long)]
        from: PathBuf,
        /// Compare instead of writing; exit 1 if the bindings are not what kopium makes.
        #[arg(long)]
        check: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum DiffFormat {
    Text,
    Markdown,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let root = lab::repo_root();
    let generated = root.join("generated");
    match cli.command {
        Command::Render { out } => render(&root, &out.unwrap_or(generated)),
        Command::Check { against } => check(&root, &against.unwrap_or(generated)),
        Command::Diff {
            base,
            head,
            format,
            max_chars,
            repo,
        } => diff(
            &root,
            &repo.unwrap_or_else(|| root.clone()),
            base,
            head,
            format,
            max_chars,
        ),
        Command::Validate {
            schemas,
            talos_schema,
        } => {
            let talos = talos_schema.unwrap_or_else(|| schemas.join("../talos/config.schema.json"));
            validate(&root, &generated, &schemas, &talos)
        }
        Command::Bench { runs } => {
            bench::run(&root, runs.max(1))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Crds { from, check } => {
            crds::run(&root, &crds::Options { from, check })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn render_files(root: &Path) -> Result<lab_core::Files> {
    let inputs = lab::Inputs::load(root)?;
    Ok(lab::render(&inputs)?.render()?)
}

fn render(root: &Path, out: &Path) -> Result<ExitCode> {
    let start = Instant::now();
    let files = render_files(root)?;
    let summary = write_tree(&files, out)?;
    println!(
        "render: {} files written, {} changed, {} removed in {} ms -> {}",
        summary.written,
        summary.changed,
        summary.removed,
        start.elapsed().as_millis(),
        out.strip_prefix(root).unwrap_or(out).display()
    );
    Ok(ExitCode::SUCCESS)
}

fn check(root: &Path, generated: &Path) -> Result<ExitCode> {
    let start = Instant::now();
    let rendered = as_disk_tree(&render_files(root)?);
    let on_disk = read_tree(generated)?;
    let report = Report::between(&on_disk, &rendered);
    if report.is_empty() {
        println!(
            "check: generated/ is current ({} files, {} ms)",
            rendered.len(),
            start.elapsed().as_millis()
        );
        return Ok(ExitCode::SUCCESS);
    }
    print!("{}", report.to_text());
    eprintln!(
        "check: generated/ is stale ({}); run `cargo xtask render` and commit the result",
        report.counts_line()
    );
    Ok(ExitCode::FAILURE)
}

fn diff(
    root: &Path,
    repo: &Path,
    base: Option<String>,
    head: Option<String>,
    format: DiffFormat,
    max_chars: usize,
) -> Result<ExitCode> {
    let base = match base {
        Some(b) => b,
        None => git::default_base(repo)?,
    };
    let old = git::tree_at(repo, &base, "generated")
        .with_context(|| format!("reading generated/ at {base}"))?;
    let new = match &head {
        Some(rev) => git::tree_at(repo, rev, "generated")
            .with_context(|| format!("reading generated/ at {rev}"))?,
        None => as_disk_tree(&render_files(root)?),
    };
    let report = Report::between(&old, &new);
    match format {
        DiffFormat::Text => print!("{}", report.to_text()),
        DiffFormat::Markdown => print!("{}", report.to_markdown(max_chars)),
    }
    Ok(ExitCode::SUCCESS)
}

fn validate(root: &Path, generated: &Path, schemas: &Path, talos: &Path) -> Result<ExitCode> {
    let start = Instant::now();
    let inputs = lab::Inputs::load(root)?;
    let tree = lab::render(&inputs)?;
    let files = tree.render()?;
    let catalog = lab_validate::Schemas::load(schemas)?.with_talos(talos)?;
    let facts = lab_validate::cluster::Facts::load(root)?;
    let report = lab_validate::validate_cluster(&tree, &catalog, &inputs.settings, &facts);
    let on_disk = read_tree(generated)?;
    let stale = on_disk != as_disk_tree(&files);
    for finding in &report.findings {
        println!("{finding}");
    }
    for stats in &report.rule_stats {
        println!("rule {:<22} {:>5} checked", stats.rule, stats.checked);
    }
    println!(
        "validate: {} objects checked against schemas, {} other documents, {} finding(s) in {} ms",
        report.objects_checked,
        report.documents_skipped,
        report.findings.len(),
        start.elapsed().as_millis()
    );
    if stale {
        eprintln!("validate: generated/ on disk differs from the render; run `cargo xtask render`");
    }
    Ok(if report.findings.is_empty() && !stale {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

//! `cargo xtask <command>`: the lab's CLI. Every command renders in memory first; only
//! `render` writes, and it replaces `generated/` atomically. Each command lives in its own
//! module with its arguments; this file only dispatches.

mod bench;
mod book;
mod chart_diff;
mod charts;
mod check;
mod completions;
mod crds;
mod diff;
mod git;
mod list;
mod new;
mod render;
mod schemas;
mod style;
mod validate;

use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    version,
    propagate_version = true,
    about = "Render, check, diff and validate the lab's generated/ tree",
    after_help = "Run from anywhere inside a checkout: its root is found at run time. \
                  Colour follows the terminal; NO_COLOR=1 turns it off."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render the lab into generated/ (replaced atomically; stale files removed).
    Render(render::Args),
    /// Render in memory and compare with generated/; exit 1 with a diff on drift.
    Check(check::Args),
    /// Per-object diff between generated/ at a git revision and a fresh render.
    Diff(diff::Args),
    /// Strictly validate every rendered object against the upstream CRD schemas and
    /// Kubernetes' own schemas, plus the lab's cross-reference rules.
    Validate(validate::Args),
    /// Time render and check on the real lab (median, p90 over a fixed number of runs).
    Bench(bench::Args),
    /// Regenerate crates/lab-crds from the upstream CRDs with kopium.
    Crds(crds::Args),
    /// Vendor the pinned charts' values structure and schema from DIR/<chart>-<version>/.
    Charts(charts::Options),
    /// Build the learner's book (mdBook) from README, docs/, experiments/*/tutorial.md.
    Book(book::Options),
    /// Vendor the upstream schemas into crates/lab-upstream/schemas, descriptions removed.
    Schemas(schemas::Args),
    /// Print a shell completion script.
    Completions(completions::Args),
    /// Scaffold experiments/<name>/ (spec, tutorial, k6 script) that renders at once.
    New(new::Args),
    /// List the experiments or the component catalog, as a table or JSON.
    List(list::Args),
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            style::error(&e);
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let command = match cli.command {
        // Needs no checkout.
        Command::Completions(args) => return completions::run(&args),
        other => other,
    };
    let root = lab::repo_root()?;
    match command {
        Command::Render(args) => render::run(&root, &args),
        Command::Check(args) => check::run(&root, &args),
        Command::Diff(args) => diff::run(&root, &args),
        Command::Validate(args) => validate::run(&root, &args),
        Command::Bench(args) => bench::run(&root, &args),
        Command::Crds(args) => crds::run(&root, &args),
        Command::Charts(options) => charts::run(&root, &options).map(|()| ExitCode::SUCCESS),
        Command::Book(options) => book::run(&root, &options).map(|()| ExitCode::SUCCESS),
        Command::Schemas(args) => schemas::run(&root, &args),
        Command::New(args) => new::run(&root, &args),
        Command::List(args) => list::run(&root, &args),
        Command::Completions(_) => unreachable!("handled above"),
    }
}

/// The lab rendered in memory from the checkout at `root`.
fn render_files(root: &std::path::Path) -> Result<lab_core::Files> {
    let inputs = lab::Inputs::load(root)?;
    Ok(lab::render(&inputs)?.render()?)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn every_option_and_command_has_help() {
        let cli = super::Cli::command();
        cli.clone().debug_assert();
        let mut missing = Vec::new();
        for sub in cli.get_subcommands() {
            if sub.get_about().is_none() {
                missing.push(sub.get_name().to_owned());
            }
            for arg in sub.get_arguments() {
                if arg.get_help().is_none() && !matches!(arg.get_id().as_str(), "help" | "version")
                {
                    missing.push(format!("{} --{}", sub.get_name(), arg.get_id()));
                }
            }
        }
        assert!(missing.is_empty(), "without help text: {missing:?}");
    }
}

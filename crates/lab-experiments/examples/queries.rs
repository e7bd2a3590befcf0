//! Prints every query of every experiment as JSON (language, file, line, field, text) for
//! `.ci/check-experiments.sh`, which feeds them to promtool and Grafana's Lezer parsers.
//! Usage: `cargo run -q -p lab-experiments --example queries -- [REPO_ROOT]`.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let experiments = match lab_experiments::load_all(&root) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let all: Vec<_> = experiments
        .iter()
        .flat_map(lab_experiments::queries::of)
        .collect();
    match serde_json::to_string_pretty(&all) {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

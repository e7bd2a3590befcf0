//! `cargo xtask new <name>`: scaffolds `experiments/<name>/` (spec, tutorial, k6 script) that
//! renders and validates as it is; the author changes it from there.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use crate::style;

#[derive(clap::Args)]
pub struct Args {
    /// The experiment's name: its folder under experiments/, an RFC 1123 label
    /// (lower case, digits and '-').
    pub name: String,
}

pub fn run(root: &Path, args: &Args) -> Result<ExitCode> {
    let name = args.name.as_str();
    lab_core::NameRule::Label
        .check(name)
        .with_context(|| format!("{name:?} cannot name an experiment"))?;
    let dir = root.join(lab_experiments::EXPERIMENTS_DIR).join(name);
    if dir.exists() {
        bail!(
            "{}/{name} already exists; choose another name or edit it",
            lab_experiments::EXPERIMENTS_DIR
        );
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    for (file, text) in lab_experiments::scaffold::files(name) {
        std::fs::write(dir.join(file), text)
            .with_context(|| format!("writing {}", dir.join(file).display()))?;
    }
    // The scaffold must load as the render will load it; a failure here is a bug to report.
    lab_experiments::load(root, name)?;
    style::summary(
        "new",
        &format!(
            "wrote {dir}/{{experiment.yaml,tutorial.md,load.js}}; next: edit them, then \
             `cargo xtask render` and `task hub:conduct -- {name}`",
            dir = Path::new(lab_experiments::EXPERIMENTS_DIR)
                .join(name)
                .display()
        ),
    );
    Ok(ExitCode::SUCCESS)
}

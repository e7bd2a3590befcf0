//! `cargo xtask completions <shell>`: a completion script for the `xtask` command (clap_complete).

use std::process::ExitCode;

use anyhow::Result;
use clap::CommandFactory;
use clap_complete::Shell;

#[derive(clap::Args)]
#[command(
    after_help = "Completes the command `xtask`; in bash, for example:\n  \
                        alias xtask='cargo xtask'\n  \
                        source <(cargo xtask completions bash)"
)]
pub struct Args {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: &Args) -> Result<ExitCode> {
    let mut cli = crate::Cli::command();
    clap_complete::generate(args.shell, &mut cli, "xtask", &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}

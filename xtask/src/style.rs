//! Output for people and for programs: colour on a terminal (anstream strips it when stdout is
//! not one, or when NO_COLOR is set), and `--format json` for scripts.

use anstream::{eprintln, println};
use anstyle::{AnsiColor, Style};
use serde::Serialize;

pub const ERROR: Style = AnsiColor::Red.on_default().bold();
pub const WARN: Style = AnsiColor::Yellow.on_default().bold();
pub const OK: Style = AnsiColor::Green.on_default().bold();
pub const DIM: Style = Style::new().dimmed();
pub const BOLD: Style = Style::new().bold();

/// Text for people, or one JSON document for programs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
}

pub fn error(e: &anyhow::Error) {
    eprintln!("{ERROR}error:{ERROR:#} {e:#}");
}

/// `command:` in green (or yellow for a warning), then the message, on stdout.
pub fn summary(command: &str, message: &str) {
    println!("{OK}{command}:{OK:#} {message}");
}

pub fn warning(command: &str, message: &str) {
    eprintln!("{WARN}{command}:{WARN:#} {message}");
}

pub fn json(value: &impl Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// A unified diff or a diff report, with added lines green, removed red, hunks and
/// headings set apart.
pub fn diff(text: &str) {
    for line in text.lines() {
        let style = if line.starts_with("+++") || line.starts_with("---") {
            BOLD
        } else if line.starts_with('+') {
            AnsiColor::Green.on_default()
        } else if line.starts_with('-') {
            AnsiColor::Red.on_default()
        } else if line.starts_with("@@") {
            AnsiColor::Cyan.on_default()
        } else if line.starts_with("==") {
            BOLD
        } else {
            Style::new()
        };
        println!("{style}{line}{style:#}");
    }
}

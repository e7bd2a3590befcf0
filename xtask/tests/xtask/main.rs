//! The xtask binary driven from outside, as users and CI run it: one test binary.

use std::path::{Path, PathBuf};

mod cli;
mod pull_charts;

/// The binary under test, built by cargo for this test run.
const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

/// The checkout these tests run in.
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ lies in the repository root")
        .to_path_buf()
}

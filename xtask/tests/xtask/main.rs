//! The xtask binary driven from outside, as users and CI run it: one test binary.

mod cli;
mod pull_charts;

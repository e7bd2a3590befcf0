//! The checker's tests on small hand-built trees, one integration-test binary: a new test goes
//! into a module here. The checks on the real render live with the whole lab
//! (`crates/lab/tests/lab/`).

mod chart_values;
mod cluster;

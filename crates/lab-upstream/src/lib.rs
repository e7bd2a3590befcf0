//! Vendored upstream facts, as data. `charts/` holds each pinned Helm chart's values structure
//! and schema (`cargo xtask charts`), read by `lab_validate::chart_values`.
//!
//! Placeholder crate so the workspace's `crates/*` glob loads; the crate for vendored CRD
//! schemas (issue 13) replaces this file and keeps `charts/`.

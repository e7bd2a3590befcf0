#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;

use lab_core::Tree;
use lab_model::{Settings, Versions};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn inputs() -> (Settings, Versions) {
    let settings = lab_model::load(&repo().join("platform/hub/platform.yaml")).unwrap();
    let versions = lab_model::load(&repo().join("platform/versions.yaml")).unwrap();
    (settings, versions)
}

/// The whole lab as `cargo xtask render` renders it, fixtures included.
pub fn rendered_tree() -> Tree {
    lab::render_repo().unwrap()
}

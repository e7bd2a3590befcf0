#![allow(clippy::unwrap_used)]
//! Whole-lab tests: everything that needs the complete render (every family wired into its
//! clusters). One test binary; a new whole-lab test goes into a module here. Tests of one
//! family or of the checker alone live in that crate.

mod adrs;
mod architecture;
mod chart_values;
mod cluster_rules;
mod clusters;
mod docs;
mod experiments;
mod images;
mod inputs;
mod policy_fixtures;
mod render;
mod strict;
mod synthetic;

use lab::{Inputs, render};
use lab_core::Tree;

/// The real inputs of this checkout.
pub fn inputs() -> Inputs {
    Inputs::load(&lab_testkit::repo_root()).expect("inputs load")
}

/// The whole lab as `cargo xtask render` renders it, fixtures included.
pub fn rendered_tree() -> Tree {
    render(&inputs()).expect("the lab renders")
}

/// The tree with `edit` applied to the first document of the artifact at `path`.
pub fn edited(tree: &Tree, path: &str, edit: impl Fn(&mut serde_json::Value)) -> Tree {
    let mut out = Tree::new();
    for a in tree.artifacts() {
        let mut a = a.clone();
        if a.path.as_str() == path {
            edit(&mut a.documents[0]);
        }
        out.add(a).unwrap();
    }
    out
}

#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;

use lab_argocd::ClusterLayout;
use lab_core::{RelPath, Tree};
use lab_model::{Registry, Settings, Versions};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn inputs() -> (Settings, Versions) {
    let settings = lab_model::load(&repo().join("platform/hub/platform.yaml")).unwrap();
    let versions = lab_model::load(&repo().join("platform/versions.yaml")).unwrap();
    (settings, versions)
}

/// The policy crate's components rendered the way the hub renders them, plus the fixtures.
pub fn rendered_tree() -> Tree {
    let (settings, versions) = inputs();
    let mut reg = Registry::new();
    lab_policy::register(&mut reg).unwrap();
    let planned = reg.plan(&settings, &versions).unwrap();
    let layout = ClusterLayout {
        settings: &settings,
        root: RelPath::new("hub").unwrap(),
        project: "hub",
    };
    let mut tree = Tree::new();
    tree.extend(layout.render_apps(&planned).unwrap()).unwrap();
    tree.extend(lab_policy::fixtures(&settings, &versions).unwrap())
        .unwrap();
    tree
}

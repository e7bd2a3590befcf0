//! Talos 1.13 machine-config patches for the home lab (Intel N100 mini PCs).
//!
//! Input: `platform/targets/talos/nodes.yaml` ([`inventory::Inventory`]). Output under
//! `generated/targets/talos/`:
//! - `controlplane.yaml`, `worker.yaml`: patches shared by a role, for
//!   `talosctl gen config --config-patch-<role> @…`;
//! - `nodes/<node>.yaml`: each node's own patch (install disk, hostname, static address, VIP);
//! - `cluster.json`: what the Taskfile needs to call talosctl (name, endpoint, versions, nodes).
//!
//! No secret is ever rendered: the secrets bundle comes from `talosctl gen secrets` and lives in
//! OpenBao (see ADR 0009), never in Git.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod config;
pub mod inventory;
pub mod kube_vip;
pub mod patches;

use std::path::Path;

use lab_core::layout::ClusterPaths;
use lab_core::{Artifact, Format};
use lab_model::Versions;
use serde::Serialize;

pub use inventory::{Inventory, InventoryError, Role};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Input(#[from] lab_model::InputError),
    #[error("{file}: {}", .errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Inventory {
        file: String,
        errors: Vec<InventoryError>,
    },
    #[error(transparent)]
    Version(#[from] lab_model::versions::MissingVersion),
    #[error(
        "platform/versions.yaml: {image} is at {tag} but the kubelet at {kubelet}; Kubernetes images move together"
    )]
    VersionSkew {
        image: String,
        tag: String,
        kubelet: String,
    },
    #[error("the inventory has no control-plane node to serve the API")]
    NoEndpoint,
    #[error(transparent)]
    Core(#[from] lab_core::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

/// What the Taskfile reads to drive talosctl, rendered next to the patches.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterSummary {
    pub cluster_name: String,
    pub endpoint: String,
    pub kubernetes_version: String,
    pub talos_version: String,
    pub installer_image: String,
    pub nodes: Vec<NodeSummary>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeSummary {
    pub name: String,
    pub role: Role,
    pub ip: String,
    pub patch: String,
}

/// Loads and checks the inventory, then renders every Talos file below `out`.
pub fn talos_artifacts(
    nodes_file: &Path,
    versions: &Versions,
    out: &ClusterPaths,
) -> Result<Vec<Artifact>, Error> {
    let inv: Inventory = lab_model::load(nodes_file)?;
    artifacts(&inv, &nodes_file.display().to_string(), versions, out)
}

/// [`talos_artifacts`] on an inventory already loaded from `nodes_file` (named in errors).
pub fn artifacts(
    inv: &Inventory,
    nodes_file: &str,
    versions: &Versions,
    out: &ClusterPaths,
) -> Result<Vec<Artifact>, Error> {
    let errors = inv.check();
    if !errors.is_empty() {
        return Err(Error::Inventory {
            file: nodes_file.to_owned(),
            errors,
        });
    }
    let images = patches::Images::from_versions(versions)?;
    let dir = out.root().clone();
    let mut out = Vec::new();
    for role in [Role::Controlplane, Role::Worker] {
        out.push(Artifact::documents(
            dir.join(&format!("{}.yaml", role.as_str()))?,
            Format::TalosPatch,
            patches::role_patch(inv, &images, role)?,
        ));
    }
    let mut nodes = Vec::new();
    for node in &inv.nodes {
        let path = dir.join(&format!("nodes/{}.yaml", node.name))?;
        nodes.push(NodeSummary {
            name: node.name.clone(),
            role: node.role,
            ip: node.ip.to_string(),
            patch: path
                .as_str()
                .trim_start_matches(dir.as_str())
                .trim_start_matches('/')
                .to_owned(),
        });
        out.push(Artifact::documents(
            path,
            Format::TalosPatch,
            patches::node_patch(inv, node)?,
        ));
    }
    let summary = ClusterSummary {
        cluster_name: inv.cluster.name.clone(),
        endpoint: inv.endpoint().ok_or(Error::NoEndpoint)?,
        kubernetes_version: images.kubernetes_version.clone(),
        talos_version: images.talos_version.clone(),
        installer_image: images.installer.clone(),
        nodes,
    };
    out.push(Artifact::document(
        dir.join("cluster.json")?,
        Format::Json,
        &summary,
    )?);
    Ok(out)
}

#[cfg(test)]
mod tests;

//! The kind cluster config of an experiment's local cluster (`provider: kind`): a named cluster
//! of one control-plane node on the pinned node image. The hub's config (`lab::bootstrap`) is
//! the same shape, built with [`KindCluster::single_node`].

use lab_core::{Artifact, Format, RelPath};
use lab_model::Versions;
use serde::Serialize;

use crate::catalog::images;
use crate::spec::{ClusterUse, Provider};
use crate::{Error, Experiment};

/// The node port a lab image that is a load's target listens on in a kind cluster: the hub
/// reaches it as `http://<e>-<cluster>-control-plane:<port>` over kind's Docker network.
/// Gateways under test take the ports above it.
pub const LOAD_NODE_PORT: i32 = 30080;

/// kind's cluster configuration (`kind.x-k8s.io/v1alpha4`), read by `kind create cluster`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KindCluster {
    pub api_version: &'static str,
    pub kind: &'static str,
    /// `<experiment>-<cluster>`; kind names its kube context `kind-<name>`.
    pub name: String,
    pub nodes: Vec<KindNode>,
}

impl KindCluster {
    /// One control-plane node named `name` on the pinned node image `image`.
    pub fn single_node(name: String, image: String) -> Self {
        Self {
            api_version: "kind.x-k8s.io/v1alpha4",
            kind: "Cluster",
            name,
            nodes: vec![KindNode {
                role: "control-plane",
                image,
            }],
        }
    }
}

#[derive(Debug, Serialize)]
pub struct KindNode {
    pub role: &'static str,
    /// Pinned node image: kind's default changes with every kind release.
    pub image: String,
}

/// `<experiment>-<cluster>`.
pub fn cluster_name(exp: &Experiment, cluster: &ClusterUse) -> String {
    format!("{}-{}", exp.name, cluster.name)
}

/// The file `kind::config` writes into a kind cluster's bootstrap folder.
pub const CONFIG_FILE: &str = "kind.yaml";

/// `dir/kind.yaml` for `cluster` of `exp` when it is a local kind cluster, else `None`.
pub fn config(
    exp: &Experiment,
    cluster: &ClusterUse,
    dir: &RelPath,
    versions: &Versions,
) -> Result<Option<Artifact>, Error> {
    if cluster.provider != Provider::Kind {
        return Ok(None);
    }
    let name = cluster_name(exp, cluster);
    lab_core::NameRule::Label.check(&name)?;
    let image = versions.image(images::KIND_NODE)?.reference();
    let config = KindCluster::single_node(name, image);
    Ok(Some(Artifact::document(
        dir.join(CONFIG_FILE)?,
        Format::KindConfig,
        &config,
    )?))
}

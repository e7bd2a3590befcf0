//! Gateway experiments in the assembly: the Gateway API implementations a cluster of an
//! experiment runs become one [`GatewayRoutes`] (a Gateway each, the shared routes), whose
//! backends are that cluster's demo apps, and each Gateway gets a node port the hub's k6 aims at.

use anyhow::{Result, anyhow};
use lab_experiments::gateways::{Backend, GatewayRoutes, Implementation, Subject};
use lab_experiments::kind::LOAD_NODE_PORT;
use lab_experiments::{ComponentId, Experiment};
use lab_model::Registry;
use lab_observability::workload::DemoApp;

/// The demo app every route sends to by default, and the one a split or a header sends to.
pub const PRIMARY: ComponentId = ComponentId::HelloApp;
pub const CANARY: ComponentId = ComponentId::MetricsApp;

/// The first Gateway's node port; the next ones count up. Above [`LOAD_NODE_PORT`], which a
/// lab image that is the load's target takes.
pub const FIRST_GATEWAY_NODE_PORT: i32 = LOAD_NODE_PORT + 1;

/// The Gateway API implementations the experiment runs on `cluster`, in the spec's order.
pub fn implementations(exp: &Experiment, cluster: &str) -> Vec<Implementation> {
    let target = exp.target_cluster().name.as_str();
    exp.spec
        .components
        .iter()
        .filter(|c| c.cluster.as_deref().unwrap_or(target) == cluster)
        .filter_map(|c| Implementation::of(c.id))
        .collect()
}

/// The node port of the Gateway of `id` on `cluster`, if `id` is a gateway running there.
pub fn node_port(exp: &Experiment, cluster: &str, id: ComponentId) -> Option<i32> {
    let i = implementations(exp, cluster)
        .iter()
        .position(|g| g.id() == id)?;
    Some(FIRST_GATEWAY_NODE_PORT + i32::try_from(i).ok()?)
}

/// Adds the routes of `cluster` when it runs a gateway; its demo apps must include the
/// primary and canary backends.
pub fn add_routes(
    exp: &Experiment,
    cluster: &str,
    namespace: &str,
    demo: &[DemoApp],
    registry: &mut Registry,
) -> Result<()> {
    let implementations = implementations(exp, cluster);
    if implementations.is_empty() {
        return Ok(());
    }
    let backend = |id: ComponentId| {
        demo.iter()
            .find(|a| a.image == id.as_str())
            .map(|a| Backend {
                service: a.name.to_owned(),
                port: a.port,
            })
            .ok_or_else(|| {
                anyhow!(
                    "{}: /components: the gateway routes send to {} and {}; add {} on {cluster}",
                    exp.spec_file().display(),
                    PRIMARY.as_str(),
                    CANARY.as_str(),
                    id.as_str()
                )
            })
    };
    let subjects = implementations
        .iter()
        .map(|&implementation| {
            Ok(Subject {
                implementation,
                node_port: node_port(exp, cluster, implementation.id())
                    .ok_or_else(|| anyhow!("a gateway of {cluster} has no node port"))?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    registry.add(GatewayRoutes {
        namespace: namespace.to_owned(),
        subjects,
        primary: backend(PRIMARY)?,
        canary: backend(CANARY)?,
        tls: true,
    })?;
    Ok(())
}

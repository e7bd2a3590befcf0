//! Crossplane v2 on the hub, as three Applications:
//! - `crossplane-functions`: composition Functions;
//! - `crossplane-providers`: Providers, their DeploymentRuntimeConfigs, and the
//!   ManagedResourceActivationPolicies that activate only the MR kinds the Compositions use;
//! - `crossplane-compositions`: the `ExperimentCluster` and `ObjectStorage` XRDs (namespaced,
//!   v2) and their Compositions (vcluster, EKS, AKS, GKE; AWS, Azure, GCP storage).
//!
//! All objects are of groups Crossplane core installs (`pkg.crossplane.io`,
//! `apiextensions.crossplane.io`), so their waves follow the Crossplane core component.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod compositions;
pub mod fn_input;
pub mod packages;
pub mod xrd;

use lab_core::Object;
use lab_kit::secrets::SecretStore;
use lab_model::component::{BuildResult, Context, PlanError};
use lab_model::{App, Component, Registry};

/// Namespace of Crossplane; the package objects are cluster-scoped, this is the App's home.
pub const NAMESPACE: &str = lab_kit::namespaces::CROSSPLANE;

fn objects<K>(items: Vec<K>) -> BuildResult<Vec<Object>>
where
    K: k8s_openapi::Resource
        + k8s_openapi::Metadata<Ty = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta>
        + serde::Serialize,
{
    items
        .iter()
        .map(|i| Object::new(i).map_err(Into::into))
        .collect()
}

/// Composition Functions (`pkg.crossplane.io/v1 Function`).
pub struct CrossplaneFunctions;

impl Component for CrossplaneFunctions {
    fn name(&self) -> &str {
        "crossplane-functions"
    }
    fn namespace(&self) -> &str {
        NAMESPACE
    }
    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let mut app = App::new(self)?;
        app.objects = objects(packages::functions(ctx.versions)?)?;
        Ok(app)
    }
}

/// Providers, runtime configs and activation policies.
pub struct CrossplaneProviders;

impl Component for CrossplaneProviders {
    fn name(&self) -> &str {
        "crossplane-providers"
    }
    fn namespace(&self) -> &str {
        NAMESPACE
    }
    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let mut app = App::new(self)?;
        app.objects = objects(packages::runtime_configs())?;
        app.objects
            .extend(objects(packages::providers(ctx.versions)?)?);
        app.objects
            .extend(objects(packages::activation_policies())?);
        Ok(app)
    }
}

/// XRDs and Compositions. Waits for the Functions and Providers it composes with.
pub struct CrossplaneCompositions;

impl Component for CrossplaneCompositions {
    fn name(&self) -> &str {
        "crossplane-compositions"
    }
    fn namespace(&self) -> &str {
        NAMESPACE
    }
    fn build(&self, ctx: &Context) -> BuildResult<App> {
        // The pipelines name these Functions, and the composed resources are the kinds
        // these Providers serve: both must be installed first.
        ctx.needs::<CrossplaneFunctions>()?;
        ctx.needs::<CrossplaneProviders>()?;
        let store = ctx.needs::<SecretStore>()?;
        let mut app = App::new(self)?;
        app.objects = objects(vec![xrd::experiment_cluster(), xrd::object_storage()])?;
        app.objects
            .extend(objects(compositions::experiment_clusters(
                store,
                &ctx.versions.chart("vcluster")?,
            ))?);
        app.objects
            .extend(objects(compositions::object_storages(store))?);
        Ok(app)
    }
}

/// Adds the three Crossplane components to a cluster's registry.
pub fn register(reg: &mut Registry) -> Result<(), PlanError> {
    reg.add(CrossplaneFunctions)?;
    reg.add(CrossplaneProviders)?;
    reg.add(CrossplaneCompositions)?;
    Ok(())
}

#[cfg(test)]
mod tests;

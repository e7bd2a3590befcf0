//! Supply-chain policy of the lab.
//!
//! - [`KyvernoPolicies`]: the `kyverno-policies` component (namespace `kyverno`): the
//!   ClusterPolicies of [`policies`] and the PolicyExceptions for the lab's own components.
//!   Its wave comes from the `kyverno.io` CRDs the Kyverno component installs.
//! - [`ImageUpdates`]: an `image-updates` component (namespace `argocd`): Image Updater
//!   configuration for the demo apps (digest strategy, Git write-back); not registered until
//!   the demo apps are a Helm or Kustomize Application (see [`register`]).
//! - [`fixtures()`]: `kyverno test` fixtures under `tests/kyverno/<policy>/`.
//! - [`image_findings`]: the image rules of `cargo xtask validate`.

pub mod cli_test;
pub mod fixtures;
pub mod images;
pub mod policies;
pub mod updater;

use lab_core::Object;
use lab_model::component::{BuildResult, Context, PlanError};
use lab_model::{App, Component, Registry};

pub use fixtures::{FixtureError, fixtures};
pub use images::image_findings;
pub use policies::lab_registry_prefix;
pub use updater::ImageUpdates;

/// Where the `kyverno-policies` App's objects are rendered (`<cluster>/<app>`).
pub const POLICY_DIR: &str = "hub/kyverno-policies";
/// Where the CLI fixtures are rendered; nothing below it is applied to a cluster.
pub const FIXTURES_DIR: &str = "tests/kyverno";

/// The lab's Kyverno policies and exceptions, as one Application.
pub struct KyvernoPolicies;

impl Component for KyvernoPolicies {
    fn name(&self) -> &str {
        "kyverno-policies"
    }
    fn namespace(&self) -> &str {
        policies::KYVERNO_NAMESPACE
    }
    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let mut app = App::new(self)?;
        for p in policies::cluster_policies(ctx.settings) {
            app.objects.push(Object::new(&p)?);
        }
        for e in policies::baseline_exceptions() {
            app.objects
                .push(Object::new(&policies::policy_exception(&e))?);
        }
        Ok(app)
    }
}

/// Registers `kyverno-policies` in a cluster. `image-updates` is not registered: Image Updater
/// only updates Helm or Kustomize Applications, `demo-apps` is a plain folder, and its Git
/// write-back would edit generated/ (`cargo xtask validate`, rule `updater-target`). The demo
/// images follow `main`, whose digest Renovate pins in platform/versions.yaml.
pub fn register(reg: &mut Registry) -> Result<(), PlanError> {
    reg.add(KyvernoPolicies)
}

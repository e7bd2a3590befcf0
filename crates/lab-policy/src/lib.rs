//! Supply-chain policy of the lab.
//!
//! - [`KyvernoPolicies`]: the `kyverno-policies` component (namespace `kyverno`): the
//!   ClusterPolicies of [`policies`] and the PolicyExceptions for the lab's own components.
//!   Its wave comes from the `kyverno.io` CRDs the Kyverno component installs.
//! - [`fixtures()`]: `kyverno test` fixtures under `tests/kyverno/<policy>/`.

pub mod cli_test;
pub mod fixtures;
pub mod policies;

use lab_core::Object;
use lab_model::component::{BuildResult, Context, PlanError};
use lab_model::{App, Component, Registry};

pub use fixtures::{FixtureError, fixtures};

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

/// Registers `kyverno-policies` in a cluster.
pub fn register(reg: &mut Registry) -> Result<(), PlanError> {
    reg.add(KyvernoPolicies)
}

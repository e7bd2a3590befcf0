//! The hub's components, one builder per Application, grouped by family.

pub mod gitops;
pub mod secrets;

use lab_model::Registry;
use lab_model::component::PlanError;

/// Adds every hub component of this crate to `registry`.
pub fn register(registry: &mut Registry) -> Result<(), PlanError> {
    registry.add(gitops::ArgoCd)?;
    Ok(())
}

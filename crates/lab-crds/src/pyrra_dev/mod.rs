//! API group `pyrra.dev`.

/// ServiceLevelObjective `pyrra.dev/v1alpha1`
#[cfg(feature = "pyrra_dev-servicelevelobjectives")]
pub mod servicelevelobjectives;

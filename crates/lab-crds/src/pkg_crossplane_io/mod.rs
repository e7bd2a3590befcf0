//! API group `pkg.crossplane.io`.

/// Configuration `pkg.crossplane.io/v1`
#[cfg(feature = "pkg_crossplane_io-configurations")]
pub mod configurations;
/// DeploymentRuntimeConfig `pkg.crossplane.io/v1beta1`
#[cfg(feature = "pkg_crossplane_io-deploymentruntimeconfigs")]
pub mod deploymentruntimeconfigs;
/// Function `pkg.crossplane.io/v1`
#[cfg(feature = "pkg_crossplane_io-functions")]
pub mod functions;
/// Provider `pkg.crossplane.io/v1`
#[cfg(feature = "pkg_crossplane_io-providers")]
pub mod providers;

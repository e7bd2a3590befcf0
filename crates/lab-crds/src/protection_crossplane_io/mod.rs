//! API group `protection.crossplane.io`.

/// ClusterUsage `protection.crossplane.io/v1beta1`
#[cfg(feature = "protection_crossplane_io-clusterusages")]
pub mod clusterusages;
/// Usage `protection.crossplane.io/v1beta1`
#[cfg(feature = "protection_crossplane_io-usages")]
pub mod usages;

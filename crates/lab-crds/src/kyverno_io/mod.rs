//! API group `kyverno.io`.

/// ClusterPolicy `kyverno.io/v1`
#[cfg(feature = "kyverno_io-clusterpolicies")]
pub mod clusterpolicies;
/// Policy `kyverno.io/v1`
#[cfg(feature = "kyverno_io-policies")]
pub mod policies;
/// PolicyException `kyverno.io/v2`
#[cfg(feature = "kyverno_io-policyexceptions")]
pub mod policyexceptions;

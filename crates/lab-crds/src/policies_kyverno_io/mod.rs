//! API group `policies.kyverno.io`.

/// ImageValidatingPolicy `policies.kyverno.io/v1`
#[cfg(feature = "policies_kyverno_io-imagevalidatingpolicies")]
pub mod imagevalidatingpolicies;
/// ValidatingPolicy `policies.kyverno.io/v1`
#[cfg(feature = "policies_kyverno_io-validatingpolicies")]
pub mod validatingpolicies;

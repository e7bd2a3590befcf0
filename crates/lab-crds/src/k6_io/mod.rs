//! API group `k6.io`.

/// TestRun `k6.io/v1alpha1`
#[cfg(feature = "k6_io-testruns")]
pub mod testruns;

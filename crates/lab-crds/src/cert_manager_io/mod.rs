//! API group `cert-manager.io`.

/// Certificate `cert-manager.io/v1`
#[cfg(feature = "cert_manager_io-certificates")]
pub mod certificates;
/// ClusterIssuer `cert-manager.io/v1`
#[cfg(feature = "cert_manager_io-clusterissuers")]
pub mod clusterissuers;
/// Issuer `cert-manager.io/v1`
#[cfg(feature = "cert_manager_io-issuers")]
pub mod issuers;

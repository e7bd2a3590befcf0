//! API group `external-secrets.io`.

/// ClusterExternalSecret `external-secrets.io/v1`
#[cfg(feature = "external_secrets_io-clusterexternalsecrets")]
pub mod clusterexternalsecrets;
/// ClusterSecretStore `external-secrets.io/v1`
#[cfg(feature = "external_secrets_io-clustersecretstores")]
pub mod clustersecretstores;
/// ExternalSecret `external-secrets.io/v1`
#[cfg(feature = "external_secrets_io-externalsecrets")]
pub mod externalsecrets;
/// SecretStore `external-secrets.io/v1`
#[cfg(feature = "external_secrets_io-secretstores")]
pub mod secretstores;

//! Secrets reach the cluster only as ExternalSecrets read from OpenBao through one
//! ClusterSecretStore; nothing secret is ever rendered.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use lab_crds::external_secrets_io::externalsecrets::*;

/// The ClusterSecretStore every ExternalSecret of the lab reads from.
pub const SECRET_STORE: &str = "openbao";
/// OpenBao's KV v2 mount holding the lab's secrets.
pub const KV_MOUNT: &str = "secret";
/// How often ESO re-reads OpenBao.
pub const REFRESH_INTERVAL: &str = "1h";

/// One key of the target Secret, read from property `property` of OpenBao path `path`.
pub struct SecretKey<'a> {
    pub key: &'a str,
    pub path: &'a str,
    pub property: &'a str,
}

/// An ExternalSecret named `name` in `namespace` that materializes Secret `target` from
/// OpenBao through [`SECRET_STORE`]; the Secret is owned (deleted with the ExternalSecret).
pub fn external_secret(
    name: &str,
    namespace: &str,
    target: &str,
    keys: &[SecretKey],
) -> ExternalSecret {
    ExternalSecret {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(namespace.to_owned()),
            ..Default::default()
        },
        spec: ExternalSecretSpec {
            refresh_interval: Some(REFRESH_INTERVAL.to_owned()),
            secret_store_ref: Some(ExternalSecretSecretStoreRef {
                kind: Some(ExternalSecretSecretStoreRefKind::ClusterSecretStore),
                name: Some(SECRET_STORE.to_owned()),
            }),
            target: Some(ExternalSecretTarget {
                name: Some(target.to_owned()),
                creation_policy: Some(ExternalSecretTargetCreationPolicy::Owner),
                ..Default::default()
            }),
            data: Some(
                keys.iter()
                    .map(|k| ExternalSecretData {
                        secret_key: k.key.to_owned(),
                        remote_ref: ExternalSecretDataRemoteRef {
                            key: k.path.to_owned(),
                            property: Some(k.property.to_owned()),
                            ..Default::default()
                        },
                        source_ref: None,
                    })
                    .collect(),
            ),
            ..Default::default()
        },
        status: None,
    }
}

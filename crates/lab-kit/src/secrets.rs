//! Secrets reach the cluster only as ExternalSecrets read from OpenBao through one
//! ClusterSecretStore; nothing secret is ever rendered.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use lab_core::Object;
use lab_crds::external_secrets_io::clustersecretstores::*;
use lab_crds::external_secrets_io::externalsecrets::*;
use lab_model::component::{BuildResult, Context, Exposed, IgnoredField};
use lab_model::{App, Component};
use serde::Serialize;

use crate::values::{Apply, Toggle, chart_app, resources};

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

/// OpenBao, the lab's secret store and internal CA. Its namespace is a field so one place
/// decides where it lives; every URL pointing at it is derived from [`OpenBao::url`].
pub struct OpenBao {
    pub namespace: String,
}

impl Default for OpenBao {
    fn default() -> Self {
        Self {
            namespace: "openbao".to_owned(),
        }
    }
}

impl OpenBao {
    /// The chart's Service (named after the release) and API port.
    pub const SERVICE: &'static str = "openbao";
    pub const PORT: u16 = 8200;
    /// Mount of the Kubernetes auth method ESO and cert-manager log in with.
    pub const KUBERNETES_AUTH_MOUNT: &'static str = "kubernetes";
    /// Mount of the PKI secrets engine and the role cert-manager signs with.
    pub const PKI_MOUNT: &'static str = "pki";
    pub const PKI_ROLE: &'static str = "internal-tls";

    /// The API address inside the cluster (plain HTTP: only reachable in-cluster).
    pub fn url(&self) -> String {
        crate::service_url(Self::SERVICE, &self.namespace, Some(Self::PORT))
    }

    fn server_config() -> String {
        format!(
            "ui = true\n\nlistener \"tcp\" {{\n  tls_disable = 1\n  address = \"[::]:{port}\"\n  cluster_address = \"[::]:{cluster}\"\n}}\n\nstorage \"file\" {{\n  path = \"/openbao/data\"\n}}\n",
            port = Self::PORT,
            cluster = Self::PORT + 1
        )
    }
}

/// The openbao chart's values the lab sets.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenBaoValues {
    pub server: OpenBaoServer,
    pub injector: Toggle,
    pub csi: Toggle,
    pub ui: Toggle,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenBaoServer {
    pub dev: Toggle,
    pub ha: Toggle,
    pub standalone: Standalone,
    pub data_storage: DataStorage,
    pub resources: crate::values::Resources,
}

#[derive(Debug, Serialize)]
pub struct Standalone {
    pub enabled: bool,
    /// The server's HCL configuration; no seal stanza: unsealing is the documented manual
    /// step (docs/secrets.md), so no unseal key is ever in git or in the cluster.
    pub config: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataStorage {
    pub enabled: bool,
    pub size: &'static str,
}

impl Component for OpenBao {
    fn exposed(&self) -> Option<Exposed> {
        Some(Exposed {
            host: "openbao",
            namespace: self.namespace.clone(),
            service: Self::SERVICE.to_owned(),
            port: Self::PORT,
        })
    }

    fn name(&self) -> &str {
        "openbao"
    }

    fn namespace(&self) -> &str {
        &self.namespace
    }

    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let values = OpenBaoValues {
            server: OpenBaoServer {
                dev: Toggle::OFF,
                ha: Toggle::OFF,
                standalone: Standalone {
                    enabled: true,
                    config: Self::server_config(),
                },
                // A PVC on the default StorageClass instead of a hostPath: works under the
                // baseline Pod Security level and survives pod restarts.
                data_storage: DataStorage {
                    enabled: true,
                    size: "1Gi",
                },
                resources: resources("50m", "128Mi", None, "256Mi"),
            },
            injector: Toggle::OFF,
            csi: Toggle::OFF,
            ui: Toggle::ON,
        };
        chart_app(self, ctx, "openbao", &values, Apply::Client)
    }
}

/// The external-secrets chart's values the lab sets.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EsoValues {
    #[serde(rename = "installCRDs")]
    pub install_crds: bool,
    pub resources: crate::values::Resources,
    pub webhook: EsoPart,
    pub cert_controller: EsoPart,
}

#[derive(Debug, Serialize)]
pub struct EsoPart {
    pub resources: crate::values::Resources,
}

/// The External Secrets Operator.
pub struct ExternalSecrets;

impl ExternalSecrets {
    /// The controller's service account (the chart names it after the release), which logs
    /// in to OpenBao.
    pub fn service_account(&self) -> &str {
        self.name()
    }
}

impl Component for ExternalSecrets {
    fn name(&self) -> &str {
        "external-secrets"
    }

    fn namespace(&self) -> &str {
        "external-secrets"
    }

    fn installs_crds(&self) -> Vec<&'static str> {
        vec!["external-secrets.io", "generators.external-secrets.io"]
    }

    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let small = || resources("25m", "32Mi", None, "64Mi");
        let values = EsoValues {
            install_crds: true,
            resources: resources("50m", "64Mi", None, "128Mi"),
            webhook: EsoPart { resources: small() },
            cert_controller: EsoPart { resources: small() },
        };
        let mut app = chart_app(self, ctx, "external-secrets", &values, Apply::ServerSide)?;
        app.ignore_differences = vec![IgnoredField {
            group: "admissionregistration.k8s.io".to_owned(),
            kind: "ValidatingWebhookConfiguration".to_owned(),
            name: None,
            json_pointers: vec![
                "/webhooks/0/clientConfig/caBundle".to_owned(),
                "/webhooks/1/clientConfig/caBundle".to_owned(),
            ],
            because: "ESO's cert-controller injects its own CA into the webhooks",
        }];
        Ok(app)
    }
}

/// The ClusterSecretStore every ExternalSecret names: OpenBao's KV v2 mount, logged in to with
/// the ESO service account's own token (Kubernetes auth), so no OpenBao token is stored.
pub struct SecretStore;

impl SecretStore {
    /// The OpenBao role bound to the ESO service account (created at bootstrap).
    pub const OPENBAO_ROLE: &'static str = "external-secrets";

    /// The ClusterSecretStore's name, which every ExternalSecret names.
    pub fn name(&self) -> &'static str {
        SECRET_STORE
    }

    /// An ExternalSecret named `name` in `namespace` that materializes Secret `target` from
    /// OpenBao through this store; the Secret is owned (deleted with the ExternalSecret).
    pub fn external_secret(
        &self,
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

    pub fn store(&self, openbao: &OpenBao, eso: &ExternalSecrets) -> ClusterSecretStore {
        ClusterSecretStore::new(
            SECRET_STORE,
            ClusterSecretStoreSpec {
                provider: ClusterSecretStoreProvider {
                    vault: Some(ClusterSecretStoreProviderVault {
                        server: openbao.url(),
                        path: Some(KV_MOUNT.to_owned()),
                        version: Some(ClusterSecretStoreProviderVaultVersion::V2),
                        auth: Some(ClusterSecretStoreProviderVaultAuth {
                            kubernetes: Some(ClusterSecretStoreProviderVaultAuthKubernetes {
                                mount_path: OpenBao::KUBERNETES_AUTH_MOUNT.to_owned(),
                                role: Self::OPENBAO_ROLE.to_owned(),
                                service_account_ref: Some(
                                    ClusterSecretStoreProviderVaultAuthKubernetesServiceAccountRef {
                                        name: eso.service_account().to_owned(),
                                        namespace: Some(eso.namespace().to_owned()),
                                        audiences: None,
                                    },
                                ),
                                secret_ref: None,
                            }),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                ..Default::default()
            },
        )
    }
}

impl Component for SecretStore {
    fn name(&self) -> &str {
        "secret-store"
    }

    fn namespace(&self) -> &str {
        "external-secrets"
    }

    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let openbao = ctx.needs::<OpenBao>()?;
        let eso = ctx.needs::<ExternalSecrets>()?;
        let mut app = App::new(self)?;
        app.objects = vec![Object::new(&self.store(openbao, eso))?];
        Ok(app)
    }
}

/// Adds OpenBao (as given), the External Secrets Operator and the ClusterSecretStore: the
/// secret path every component that reads a credential needs.
pub fn register_with(
    registry: &mut lab_model::Registry,
    openbao: OpenBao,
) -> Result<(), lab_model::component::PlanError> {
    registry.add(openbao)?;
    registry.add(ExternalSecrets)?;
    registry.add(SecretStore)
}

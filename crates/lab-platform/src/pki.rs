//! The internal PKI: cert-manager, a self-signed root, the lab CA ClusterIssuer that signs
//! with it, and an OpenBao PKI ClusterIssuer for short-lived service certificates.

use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use lab_core::Object;
use lab_crds::cert_manager_io::certificates::*;
use lab_crds::cert_manager_io::clusterissuers::*;
use lab_model::component::{BuildResult, Context, IgnoredField};
use lab_model::{App, Component};
use serde::Serialize;

use lab_kit::secrets::OpenBao;
use lab_kit::{Apply, Resources, chart_app, meta, resources};

/// The cert-manager chart's values the lab sets.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CertManagerValues {
    pub crds: Crds,
    pub resources: Resources,
    pub webhook: Part,
    pub cainjector: Part,
}

#[derive(Debug, Serialize)]
pub struct Crds {
    pub enabled: bool,
    /// Keep the CRDs (and so every Certificate) when the chart is uninstalled.
    pub keep: bool,
}

#[derive(Debug, Serialize)]
pub struct Part {
    pub resources: Resources,
}

pub struct CertManager;

impl CertManager {
    /// The controller's service account (named after the release), which requests tokens for
    /// the OpenBao issuer.
    pub fn service_account(&self) -> &str {
        self.name()
    }
}

impl Component for CertManager {
    fn name(&self) -> &str {
        "cert-manager"
    }

    fn namespace(&self) -> &str {
        "cert-manager"
    }

    fn installs_crds(&self) -> Vec<&'static str> {
        vec!["cert-manager.io", "acme.cert-manager.io"]
    }

    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let values = CertManagerValues {
            crds: Crds {
                enabled: true,
                keep: true,
            },
            resources: resources("50m", "64Mi", None, "256Mi"),
            webhook: Part {
                resources: resources("25m", "32Mi", None, "128Mi"),
            },
            cainjector: Part {
                resources: resources("25m", "64Mi", None, "256Mi"),
            },
        };
        let mut app = chart_app(self, ctx, "cert-manager", &values, Apply::ServerSide)?;
        app.ignore_differences = [
            "ValidatingWebhookConfiguration",
            "MutatingWebhookConfiguration",
        ]
        .into_iter()
        .map(|kind| IgnoredField {
            group: "admissionregistration.k8s.io".to_owned(),
            kind: kind.to_owned(),
            name: Some("cert-manager-webhook".to_owned()),
            json_pointers: vec!["/webhooks/0/clientConfig/caBundle".to_owned()],
            because: "cert-manager's cainjector writes the webhook CA bundle",
        })
        .collect();
        Ok(app)
    }
}

/// Issuers of the lab. Certificates name them through these constants.
pub struct Pki;

impl Pki {
    pub const SELF_SIGNED_ISSUER: &'static str = "selfsigned";
    pub const ROOT_CERTIFICATE: &'static str = "lab-root-ca";
    /// The ClusterIssuer signing with the lab root: UIs behind the hub Gateway.
    pub const LAB_CA_ISSUER: &'static str = "lab-ca";
    /// The ClusterIssuer signing through OpenBao's PKI engine: short-lived service certs.
    pub const OPENBAO_ISSUER: &'static str = "openbao-pki";
    /// The service account cert-manager presents to OpenBao's Kubernetes auth.
    pub const OPENBAO_ISSUER_ACCOUNT: &'static str = "openbao-issuer";
    /// The OpenBao role bound to that service account (created at bootstrap).
    pub const OPENBAO_ROLE: &'static str = "cert-manager";

    fn issuer_ref(name: &str) -> CertificateIssuerRef {
        CertificateIssuerRef {
            name: name.to_owned(),
            kind: Some("ClusterIssuer".to_owned()),
            group: Some("cert-manager.io".to_owned()),
        }
    }

    /// A certificate for `dns_names` from the lab CA, stored in Secret `secret`.
    pub fn lab_certificate(
        name: &str,
        namespace: &str,
        secret: &str,
        dns_names: Vec<String>,
    ) -> Certificate {
        let mut cert = Certificate::new(
            name,
            CertificateSpec {
                secret_name: secret.to_owned(),
                dns_names: Some(dns_names),
                issuer_ref: Self::issuer_ref(Self::LAB_CA_ISSUER),
                private_key: Some(CertificatePrivateKey {
                    algorithm: Some(CertificatePrivateKeyAlgorithm::Ecdsa),
                    size: Some(256),
                    ..Default::default()
                }),
                ..Default::default()
            },
        );
        cert.metadata.namespace = Some(namespace.to_owned());
        cert
    }

    pub fn openbao_issuer(openbao: &OpenBao) -> ClusterIssuer {
        ClusterIssuer::new(
            Self::OPENBAO_ISSUER,
            ClusterIssuerSpec {
                vault: Some(ClusterIssuerVault {
                    server: openbao.url(),
                    path: format!("{}/sign/{}", OpenBao::PKI_MOUNT, OpenBao::PKI_ROLE),
                    auth: ClusterIssuerVaultAuth {
                        kubernetes: Some(ClusterIssuerVaultAuthKubernetes {
                            mount_path: Some(format!(
                                "/v1/auth/{}",
                                OpenBao::KUBERNETES_AUTH_MOUNT
                            )),
                            role: Self::OPENBAO_ROLE.to_owned(),
                            service_account_ref: Some(
                                ClusterIssuerVaultAuthKubernetesServiceAccountRef {
                                    name: Self::OPENBAO_ISSUER_ACCOUNT.to_owned(),
                                    audiences: None,
                                },
                            ),
                            secret_ref: None,
                        }),
                        ..Default::default()
                    },
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
    }
}

impl Component for Pki {
    fn name(&self) -> &str {
        "pki"
    }

    fn namespace(&self) -> &str {
        "cert-manager"
    }

    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let cert_manager = ctx.needs::<CertManager>()?;
        let openbao = ctx.needs::<OpenBao>()?;
        // ClusterIssuers read their Secrets from cert-manager's own namespace.
        let ns = cert_manager.namespace();
        let self_signed = ClusterIssuer::new(
            Self::SELF_SIGNED_ISSUER,
            ClusterIssuerSpec {
                self_signed: Some(ClusterIssuerSelfSigned::default()),
                ..Default::default()
            },
        );
        let mut root = Certificate::new(
            Self::ROOT_CERTIFICATE,
            CertificateSpec {
                is_ca: Some(true),
                common_name: Some(format!("{} lab root CA", ctx.settings.hub.cluster_name)),
                secret_name: Self::ROOT_CERTIFICATE.to_owned(),
                duration: Some("87600h".to_owned()),
                private_key: Some(CertificatePrivateKey {
                    algorithm: Some(CertificatePrivateKeyAlgorithm::Ecdsa),
                    size: Some(256),
                    ..Default::default()
                }),
                issuer_ref: Self::issuer_ref(Self::SELF_SIGNED_ISSUER),
                ..Default::default()
            },
        );
        root.metadata.namespace = Some(ns.to_owned());
        let lab_ca = ClusterIssuer::new(
            Self::LAB_CA_ISSUER,
            ClusterIssuerSpec {
                ca: Some(ClusterIssuerCa {
                    secret_name: Self::ROOT_CERTIFICATE.to_owned(),
                    ..Default::default()
                }),
                ..Default::default()
            },
        );
        // cert-manager may mint tokens for exactly this one service account.
        let account = ServiceAccount {
            metadata: meta(Self::OPENBAO_ISSUER_ACCOUNT, Some(ns)),
            ..Default::default()
        };
        let role = Role {
            metadata: meta(Self::OPENBAO_ISSUER_ACCOUNT, Some(ns)),
            rules: Some(vec![PolicyRule {
                api_groups: Some(vec![String::new()]),
                resources: Some(vec!["serviceaccounts/token".to_owned()]),
                resource_names: Some(vec![Self::OPENBAO_ISSUER_ACCOUNT.to_owned()]),
                verbs: vec!["create".to_owned()],
                ..Default::default()
            }]),
        };
        let binding = RoleBinding {
            metadata: meta(Self::OPENBAO_ISSUER_ACCOUNT, Some(ns)),
            role_ref: RoleRef {
                api_group: "rbac.authorization.k8s.io".to_owned(),
                kind: "Role".to_owned(),
                name: Self::OPENBAO_ISSUER_ACCOUNT.to_owned(),
            },
            subjects: Some(vec![Subject {
                kind: "ServiceAccount".to_owned(),
                name: cert_manager.service_account().to_owned(),
                namespace: Some(ns.to_owned()),
                ..Default::default()
            }]),
        };
        let mut app = App::new(self)?;
        app.objects = vec![
            Object::new(&self_signed)?,
            Object::new(&root)?,
            Object::new(&lab_ca)?,
            Object::new(&account)?,
            Object::new(&role)?,
            Object::new(&binding)?,
            Object::new(&Self::openbao_issuer(openbao))?,
        ];
        Ok(app)
    }
}

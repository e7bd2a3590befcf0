//! Optional: the hub's UIs on a Tailscale tailnet (`features.tailscale` in
//! `platform/hub/platform.yaml`, off by default). The operator's OAuth client comes from
//! OpenBao; each exposed UI is an Ingress of class `tailscale` whose backend is derived from
//! the component that owns the Service.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{
    Ingress, IngressBackend, IngressServiceBackend, IngressSpec, IngressTLS, ServiceBackendPort,
};
use lab_core::Object;
use lab_core::layout::ARGOCD_NAMESPACE;
use lab_model::component::{BuildResult, Context, GroupKind};
use lab_model::{App, Component};
use serde::Serialize;

use crate::gitops::ArgoCd;
use lab_kit::secrets::{OpenBao, SecretKey, SecretStore};
use lab_kit::{Apply, chart_app, meta};

/// The Tailscale Kubernetes operator and the Ingresses that put hub UIs on the tailnet.
pub struct Tailscale;

impl Tailscale {
    pub const NAMESPACE: &'static str = "tailscale";
    pub const INGRESS_CLASS: &'static str = "tailscale";
    /// The Secret the operator chart reads its OAuth client from, by default.
    pub const OAUTH_SECRET: &'static str = "operator-oauth";
    /// OpenBao KV path holding `client_id` and `client_secret`.
    pub const OAUTH_PATH: &'static str = "tailscale";

    /// An Ingress publishing `service:port` of `namespace` as `host` on the tailnet.
    fn ingress(namespace: &str, service: &str, port: u16, host: &str) -> Ingress {
        let mut metadata = meta(&format!("{host}-tailnet"), Some(namespace));
        // Reachable from the tailnet only, never from the public internet.
        metadata.annotations = Some(BTreeMap::from([(
            "tailscale.com/funnel".to_owned(),
            "false".to_owned(),
        )]));
        Ingress {
            metadata,
            spec: Some(IngressSpec {
                ingress_class_name: Some(Self::INGRESS_CLASS.to_owned()),
                default_backend: Some(IngressBackend {
                    service: Some(IngressServiceBackend {
                        name: service.to_owned(),
                        port: Some(ServiceBackendPort {
                            number: Some(i32::from(port)),
                            ..Default::default()
                        }),
                    }),
                    ..Default::default()
                }),
                tls: Some(vec![IngressTLS {
                    hosts: Some(vec![host.to_owned()]),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        }
    }
}

/// The operator chart's values the lab sets.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TailscaleValues {
    pub operator_config: OperatorConfig,
}

#[derive(Serialize)]
pub struct OperatorConfig {
    /// The operator's own name on the tailnet.
    pub hostname: String,
}

impl Component for Tailscale {
    fn name(&self) -> &str {
        "tailscale"
    }

    fn namespace(&self) -> &str {
        Self::NAMESPACE
    }

    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let cluster = &ctx.settings.hub.cluster_name;
        let values = TailscaleValues {
            operator_config: OperatorConfig {
                hostname: format!("{cluster}-operator"),
            },
        };
        let mut app = chart_app(self, ctx, "tailscale-operator", &values, Apply::Client)?;
        app.chart_cluster_kinds.push(GroupKind {
            group: "networking.k8s.io",
            kind: "IngressClass",
        });
        let openbao = ctx.needs::<OpenBao>()?;
        ctx.needs::<ArgoCd>()?;
        let secret = ctx.needs::<SecretStore>()?.external_secret(
            Self::OAUTH_SECRET,
            Self::NAMESPACE,
            Self::OAUTH_SECRET,
            &[
                SecretKey {
                    key: "client_id",
                    path: Self::OAUTH_PATH,
                    property: "client_id",
                },
                SecretKey {
                    key: "client_secret",
                    path: Self::OAUTH_PATH,
                    property: "client_secret",
                },
            ],
        );
        app.objects = vec![
            Object::new(&secret)?,
            Object::new(&Self::ingress(
                ARGOCD_NAMESPACE,
                ArgoCd::SERVER_SERVICE,
                ArgoCd::SERVER_PORT,
                &format!("{cluster}-argocd"),
            ))?,
            Object::new(&Self::ingress(
                &openbao.namespace,
                OpenBao::SERVICE,
                OpenBao::PORT,
                &format!("{cluster}-openbao"),
            ))?,
        ];
        Ok(app)
    }
}

//! Getting into the hub: MetalLB hands out addresses inside Kind's docker network,
//! k8s_gateway answers DNS for the lab's domain, Traefik implements the Gateway API, and one
//! default Gateway terminates TLS (lab CA) for every hub UI.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use lab_argocd::ARGOCD_NAMESPACE;
use lab_core::Object;
use lab_crds::gateway_networking_k8s_io::gateways::*;
use lab_crds::gateway_networking_k8s_io::httproutes::*;
use lab_crds::metallb_io::ipaddresspools::*;
use lab_crds::metallb_io::l2advertisements::*;
use lab_model::component::{BuildResult, Context};
use lab_model::{App, Component, Dependency};
use serde::Serialize;

use crate::common::{Apply, Resources, ServiceValues, Toggle, chart_app, meta, resources};
use crate::gitops::{ArgoCd, ArgoWorkflows};
use crate::pki::Pki;
use crate::secrets::OpenBao;
use crate::ui::Headlamp;

/// MetalLB's annotation pinning a LoadBalancer Service to one address of a pool.
const LB_IPS_ANNOTATION: &str = "metallb.io/loadBalancerIPs";

/// The MetalLB speaker and controller.
pub struct MetalLb {
    /// First and last address handed out: the top of Kind's default docker network
    /// (`172.18.0.0/16`), far from the addresses docker gives containers.
    pub pool: (Ipv4Addr, Ipv4Addr),
}

impl Default for MetalLb {
    fn default() -> Self {
        Self {
            pool: (
                Ipv4Addr::new(172, 18, 255, 200),
                Ipv4Addr::new(172, 18, 255, 250),
            ),
        }
    }
}

/// Fixed addresses inside the pool, by offset from its first address.
#[derive(Clone, Copy, Debug)]
pub enum Reserved {
    Dns = 0,
    Gateway = 1,
}

impl MetalLb {
    pub const POOL: &'static str = "hub";

    /// The address reserved for `what`.
    pub fn address(&self, what: Reserved) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.pool.0) + what as u32)
    }

    /// Service annotations pinning a LoadBalancer to the address reserved for `what`.
    pub fn pin(&self, what: Reserved) -> BTreeMap<String, String> {
        BTreeMap::from([(LB_IPS_ANNOTATION.to_owned(), self.address(what).to_string())])
    }
}

#[derive(Debug, Serialize)]
pub struct MetalLbValues {
    pub speaker: Speaker,
}

#[derive(Debug, Serialize)]
pub struct Speaker {
    /// Layer 2 only: no BGP router in a Kind network.
    pub frr: Toggle,
}

impl Component for MetalLb {
    fn name(&self) -> &str {
        "metallb"
    }

    fn namespace(&self) -> &str {
        "metallb-system"
    }

    fn installs_crds(&self) -> Vec<&'static str> {
        vec!["metallb.io"]
    }

    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let values = MetalLbValues {
            speaker: Speaker { frr: Toggle::OFF },
        };
        chart_app(self, ctx, "metallb", &values, Apply::ServerSide)
    }
}

/// The address pool and its layer-2 announcement.
pub struct MetalLbPool;

impl Component for MetalLbPool {
    fn name(&self) -> &str {
        "metallb-pool"
    }

    fn namespace(&self) -> &str {
        "metallb-system"
    }

    fn dependencies(&self) -> Vec<Dependency> {
        vec![Dependency::on::<MetalLb>()]
    }

    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let metallb = ctx.registry.require::<MetalLb>()?;
        let ns = metallb.namespace();
        let (first, last) = metallb.pool;
        let pool = IpAddressPool {
            metadata: meta(MetalLb::POOL, Some(ns)),
            spec: IpAddressPoolSpec {
                addresses: vec![format!("{first}-{last}")],
                ..Default::default()
            },
            status: None,
        };
        let advert = L2Advertisement {
            metadata: meta(MetalLb::POOL, Some(ns)),
            spec: L2AdvertisementSpec {
                ip_address_pools: Some(vec![MetalLb::POOL.to_owned()]),
                ..Default::default()
            },
            status: None,
        };
        let mut app = App::new(self)?;
        app.objects = vec![Object::new(&pool)?, Object::new(&advert)?];
        Ok(app)
    }
}

/// The k8s-gateway chart's values the lab sets.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct K8sGatewayValues {
    /// The zone it is authoritative for.
    pub domain: String,
    pub watched_resources: Vec<&'static str>,
    pub service: ServiceValues,
    pub resources: Resources,
}

/// k8s_gateway: a CoreDNS answering `*.<baseDomain>` from the hostnames of HTTPRoutes and
/// LoadBalancer Services, on a fixed MetalLB address the laptop's resolver can point at.
pub struct Dns;

impl Component for Dns {
    fn name(&self) -> &str {
        "dns"
    }

    fn namespace(&self) -> &str {
        "dns-system"
    }

    fn dependencies(&self) -> Vec<Dependency> {
        vec![
            Dependency::on::<MetalLbPool>(),
            Dependency::on::<GatewayController>(),
        ]
    }

    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let metallb = ctx.registry.require::<MetalLb>()?;
        let values = K8sGatewayValues {
            domain: ctx.settings.hub.base_domain.clone(),
            watched_resources: vec!["HTTPRoute", "Service"],
            service: ServiceValues {
                kind: "LoadBalancer",
                annotations: metallb.pin(Reserved::Dns),
            },
            resources: resources("25m", "32Mi", None, "64Mi"),
        };
        chart_app(self, ctx, "k8s-gateway", &values, Apply::Client)
    }
}

/// The traefik chart's values the lab sets: the Gateway API provider only.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TraefikValues {
    pub providers: Providers,
    /// The chart's own Gateway is off: the lab renders its default Gateway itself.
    pub gateway: Toggle,
    pub gateway_class: GatewayClassValues,
    /// No IngressClass: the hub routes with the Gateway API only.
    pub ingress_class: Toggle,
    pub ports: Ports,
    pub service: ServiceValues,
    pub resources: Resources,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Providers {
    pub kubernetes_gateway: Toggle,
    pub kubernetes_ingress: Toggle,
    #[serde(rename = "kubernetesCRD")]
    pub kubernetes_crd: Toggle,
}

#[derive(Debug, Serialize)]
pub struct GatewayClassValues {
    pub enabled: bool,
    pub name: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Ports {
    pub web: Port,
    pub websecure: Port,
}

#[derive(Debug, Serialize)]
pub struct Port {
    /// The entry point's container port, which Gateway listeners must name.
    pub port: u16,
}

/// Traefik as the Gateway API implementation; its chart installs the Gateway API CRDs.
pub struct GatewayController;

impl GatewayController {
    pub const CLASS: &'static str = "traefik";
    pub const HTTP_PORT: u16 = 8000;
    pub const HTTPS_PORT: u16 = 8443;
}

impl Component for GatewayController {
    fn name(&self) -> &str {
        "traefik"
    }

    fn namespace(&self) -> &str {
        "traefik"
    }

    fn dependencies(&self) -> Vec<Dependency> {
        vec![Dependency::on::<MetalLbPool>()]
    }

    fn installs_crds(&self) -> Vec<&'static str> {
        vec!["gateway.networking.k8s.io", "traefik.io", "hub.traefik.io"]
    }

    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let metallb = ctx.registry.require::<MetalLb>()?;
        let values = TraefikValues {
            providers: Providers {
                kubernetes_gateway: Toggle::ON,
                kubernetes_ingress: Toggle::OFF,
                kubernetes_crd: Toggle::OFF,
            },
            gateway: Toggle::OFF,
            gateway_class: GatewayClassValues {
                enabled: true,
                name: Self::CLASS,
            },
            ingress_class: Toggle::OFF,
            ports: Ports {
                web: Port {
                    port: Self::HTTP_PORT,
                },
                websecure: Port {
                    port: Self::HTTPS_PORT,
                },
            },
            service: ServiceValues {
                kind: "LoadBalancer",
                annotations: metallb.pin(Reserved::Gateway),
            },
            resources: resources("50m", "64Mi", None, "256Mi"),
        };
        let mut app = chart_app(self, ctx, "traefik", &values, Apply::ServerSide)?;
        app.chart_cluster_kinds
            .push(lab_model::component::GroupKind {
                group: "gateway.networking.k8s.io",
                kind: "GatewayClass",
            });
        Ok(app)
    }
}

/// A hub UI reachable through the default Gateway as `<host>.<baseDomain>`.
struct Ui<'a> {
    host: &'a str,
    namespace: &'a str,
    service: &'a str,
    port: u16,
}

/// The hub's default Gateway, its wildcard certificate from the lab CA, and one HTTPRoute per
/// registered UI (each in the UI's namespace, pointing at the Service its component names).
pub struct DefaultGateway;

impl DefaultGateway {
    pub const NAME: &'static str = "hub";
    pub const TLS_SECRET: &'static str = "hub-gateway-tls";
    pub const HTTPS_LISTENER: &'static str = "https";

    fn uis<'a>(registry: &'a lab_model::Registry) -> Vec<Ui<'a>> {
        let mut uis = Vec::new();
        if registry.get::<ArgoCd>().is_some() {
            uis.push(Ui {
                host: "argocd",
                namespace: ARGOCD_NAMESPACE,
                service: ArgoCd::SERVER_SERVICE,
                port: ArgoCd::SERVER_PORT,
            });
        }
        if let Some(c) = registry.get::<ArgoWorkflows>() {
            uis.push(Ui {
                host: "workflows",
                namespace: c.namespace(),
                service: ArgoWorkflows::SERVER_SERVICE,
                port: ArgoWorkflows::SERVER_PORT,
            });
        }
        if let Some(c) = registry.get::<Headlamp>() {
            uis.push(Ui {
                host: "headlamp",
                namespace: c.namespace(),
                service: Headlamp::SERVICE,
                port: Headlamp::PORT,
            });
        }
        if let Some(c) = registry.get::<OpenBao>() {
            uis.push(Ui {
                host: "openbao",
                namespace: c.namespace(),
                service: OpenBao::SERVICE,
                port: OpenBao::PORT,
            });
        }
        uis
    }

    fn route(&self, ui: &Ui, domain: &str) -> HttpRoute {
        Self::route_to(ui.host, ui.namespace, ui.service, ui.port, domain)
    }

    /// An HTTPS route `<host>.<domain>` on this Gateway to a Service in `namespace`: for UIs
    /// of components outside this crate, which put the route in their own Application.
    pub fn route_to(
        host: &str,
        namespace: &str,
        service: &str,
        port: u16,
        domain: &str,
    ) -> HttpRoute {
        HttpRoute {
            metadata: meta(host, Some(namespace)),
            spec: HttpRouteSpec {
                hostnames: Some(vec![format!("{host}.{domain}")]),
                parent_refs: Some(vec![HttpRouteParentRefs {
                    name: Self::NAME.to_owned(),
                    namespace: Some(Self.namespace().to_owned()),
                    section_name: Some(Self::HTTPS_LISTENER.to_owned()),
                    ..Default::default()
                }]),
                rules: Some(vec![HttpRouteRules {
                    backend_refs: Some(vec![HttpRouteRulesBackendRefs {
                        name: service.to_owned(),
                        port: Some(i32::from(port)),
                        ..Default::default()
                    }]),
                    ..Default::default()
                }]),
            },
            status: None,
        }
    }
}

impl Component for DefaultGateway {
    fn name(&self) -> &str {
        "gateway"
    }

    fn namespace(&self) -> &str {
        "gateway"
    }

    fn dependencies(&self) -> Vec<Dependency> {
        vec![
            Dependency::on::<GatewayController>(),
            Dependency::on::<Pki>(),
        ]
    }

    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let domain = &ctx.settings.hub.base_domain;
        let wildcard = format!("*.{domain}");
        let cert = Pki::lab_certificate(
            Self::NAME,
            self.namespace(),
            Self::TLS_SECRET,
            vec![wildcard.clone()],
        );
        let all_namespaces = || {
            Some(GatewayListenersAllowedRoutes {
                namespaces: Some(GatewayListenersAllowedRoutesNamespaces {
                    from: Some(GatewayListenersAllowedRoutesNamespacesFrom::All),
                    selector: None,
                }),
                kinds: None,
            })
        };
        let mut gateway = Gateway::new(
            Self::NAME,
            GatewaySpec {
                gateway_class_name: GatewayController::CLASS.to_owned(),
                listeners: vec![
                    GatewayListeners {
                        name: "http".to_owned(),
                        port: i32::from(GatewayController::HTTP_PORT),
                        protocol: "HTTP".to_owned(),
                        hostname: Some(wildcard.clone()),
                        allowed_routes: all_namespaces(),
                        tls: None,
                    },
                    GatewayListeners {
                        name: Self::HTTPS_LISTENER.to_owned(),
                        port: i32::from(GatewayController::HTTPS_PORT),
                        protocol: "HTTPS".to_owned(),
                        hostname: Some(wildcard),
                        allowed_routes: all_namespaces(),
                        tls: Some(GatewayListenersTls {
                            mode: Some(GatewayListenersTlsMode::Terminate),
                            certificate_refs: Some(vec![GatewayListenersTlsCertificateRefs {
                                name: Self::TLS_SECRET.to_owned(),
                                kind: Some("Secret".to_owned()),
                                group: Some(String::new()),
                                namespace: None,
                            }]),
                            options: None,
                        }),
                    },
                ],
                ..Default::default()
            },
        );
        gateway.metadata.namespace = Some(self.namespace().to_owned());
        let mut app = App::new(self)?;
        app.objects = vec![Object::new(&cert)?, Object::new(&gateway)?];
        for ui in Self::uis(ctx.registry) {
            app.objects.push(Object::new(&self.route(&ui, domain))?);
        }
        Ok(app)
    }
}

//! Gateway API implementations an experiment deploys on its own cluster, and the routes it
//! teaches or measures. Envoy Gateway's chart installs the Gateway API CRDs (the standard
//! channel, Envoy Gateway's own CRDs beside them); NGINX Gateway Fabric's chart ships only its
//! own (`gateway.nginx.org`), so it runs after a component that installs them.
//!
//! [`GatewayRoutes`] renders one Gateway per implementation, a NodePort Service in front of
//! each Gateway's proxy pods (the hub's k6 reaches a kind node that way), and HTTPRoutes that
//! name every Gateway as a parent: the same route objects are served by every implementation,
//! which is what a comparison needs.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use lab_core::Object;
use lab_crds::gateway_networking_k8s_io::gatewayclasses::{GatewayClass, GatewayClassSpec};
use lab_crds::gateway_networking_k8s_io::gateways::{
    Gateway, GatewayListeners, GatewayListenersTls, GatewayListenersTlsCertificateRefs,
    GatewayListenersTlsMode, GatewaySpec,
};
use lab_crds::gateway_networking_k8s_io::httproutes::{
    HttpRoute, HttpRouteParentRefs, HttpRouteRules, HttpRouteRulesBackendRefs,
    HttpRouteRulesMatches, HttpRouteRulesMatchesHeaders, HttpRouteRulesMatchesHeadersType,
    HttpRouteSpec,
};
use lab_model::component::{
    BuildResult, CHART_CLUSTER_KINDS, Context, Dependency, GroupKind, HelmRelease, Project,
};
use lab_model::{App, Component};
use serde::Serialize;

use crate::catalog::ComponentId;

/// The Gateway API group, whose CRDs [`EnvoyGateway`]'s chart installs.
pub const GATEWAY_API_GROUP: &str = "gateway.networking.k8s.io";
/// The port every Gateway listens on for plain HTTP. Above 1023, so Envoy Gateway does not
/// shift it (it adds 10000 to privileged ports) and the proxies' container port is the same
/// number for every implementation.
pub const HTTP_PORT: i32 = 8080;
/// The port of the TLS listener.
pub const HTTPS_PORT: i32 = 8443;
/// The domain every route's hostname is under (`.test` is reserved for testing, RFC 2606).
pub const DOMAIN: &str = "gateway.test";
/// The Secret the TLS listener terminates with. The lab never renders a Secret: the tutorial
/// has the learner make it, and until then the listener reports `ResolvedRefs: False`.
pub const TLS_SECRET: &str = "gateway-tls";

/// Cluster-scoped kinds a gateway chart creates besides the usual RBAC, CRDs and webhooks.
const GATEWAY_CLASS: GroupKind = GroupKind {
    group: GATEWAY_API_GROUP,
    kind: "GatewayClass",
};

/// A Gateway API implementation the lab can deploy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Implementation {
    EnvoyGateway,
    NginxGatewayFabric,
}

impl Implementation {
    /// The implementation of a catalog id, if it is one.
    pub fn of(id: ComponentId) -> Option<Self> {
        match id {
            ComponentId::EnvoyGateway => Some(Self::EnvoyGateway),
            ComponentId::NginxGatewayFabric => Some(Self::NginxGatewayFabric),
            _ => None,
        }
    }

    pub fn id(self) -> ComponentId {
        match self {
            Self::EnvoyGateway => ComponentId::EnvoyGateway,
            Self::NginxGatewayFabric => ComponentId::NginxGatewayFabric,
        }
    }

    /// The Gateway's name: the catalog id, so a comparison's subjects, the Gateways and the
    /// k6 `gateway` tag are one set of names.
    pub fn gateway_name(self) -> &'static str {
        self.id().as_str()
    }

    /// The proxy container's name, as cAdvisor labels its CPU and memory series.
    pub fn proxy_container(self) -> &'static str {
        match self {
            Self::EnvoyGateway => "envoy",
            Self::NginxGatewayFabric => "nginx",
        }
    }

    /// Labels the controller puts on the proxy pods of the Gateway `gateway`.
    fn proxy_selector(self, gateway: &str, namespace: &str) -> BTreeMap<String, String> {
        let pairs: Vec<(&str, &str)> = match self {
            // internal/infrastructure/kubernetes/proxy: EnvoyAppLabel plus the owning Gateway.
            Self::EnvoyGateway => vec![
                ("app.kubernetes.io/name", "envoy"),
                ("app.kubernetes.io/managed-by", "envoy-gateway"),
                ("gateway.envoyproxy.io/owning-gateway-name", gateway),
                ("gateway.envoyproxy.io/owning-gateway-namespace", namespace),
            ],
            // internal/controller/provisioner: the standard gateway-name label.
            Self::NginxGatewayFabric => vec![(GATEWAY_NAME_LABEL, gateway)],
        };
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }
}

const GATEWAY_NAME_LABEL: &str = "gateway.networking.k8s.io/gateway-name";

// ---------------------------------------------------------------------------------------------
// Envoy Gateway

/// Envoy Gateway's controller (chart `gateway-helm`). Its proxies run in each Gateway's own
/// namespace, so the experiment's namespace holds the data plane it measures.
pub struct EnvoyGateway {
    pub namespace: String,
}

impl Default for EnvoyGateway {
    fn default() -> Self {
        Self {
            namespace: "envoy-gateway-system".to_owned(),
        }
    }
}

impl EnvoyGateway {
    /// The GatewayClass the routes' Gateways name (the chart creates none).
    pub const CLASS: &'static str = "envoy-gateway";
    /// The controller name the chart configures (`config.envoyGateway.gateway`).
    pub const CONTROLLER: &'static str = "gateway.envoyproxy.io/gatewayclass-controller";
}

/// The gateway-helm values the lab sets.
#[derive(Debug, Serialize)]
pub struct EnvoyGatewayValues {
    pub config: EnvoyGatewayConfig,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvoyGatewayConfig {
    /// Merged by the chart into its default `EnvoyGateway` configuration.
    pub envoy_gateway: EnvoyGatewaySettings,
}

#[derive(Debug, Serialize)]
pub struct EnvoyGatewaySettings {
    pub provider: EnvoyGatewayProvider,
}

#[derive(Debug, Serialize)]
pub struct EnvoyGatewayProvider {
    #[serde(rename = "type")]
    pub type_: &'static str,
    pub kubernetes: EnvoyGatewayKubernetes,
}

#[derive(Debug, Serialize)]
pub struct EnvoyGatewayKubernetes {
    pub deploy: EnvoyGatewayDeploy,
}

#[derive(Debug, Serialize)]
pub struct EnvoyGatewayDeploy {
    /// `GatewayNamespace`: proxies beside their Gateway instead of in the controller's namespace.
    #[serde(rename = "type")]
    pub type_: &'static str,
}

impl Component for EnvoyGateway {
    fn name(&self) -> &str {
        "envoy-gateway"
    }
    fn namespace(&self) -> &str {
        &self.namespace
    }
    fn installs_crds(&self) -> Vec<&'static str> {
        vec![GATEWAY_API_GROUP, "gateway.envoyproxy.io"]
    }
    fn project(&self) -> Project {
        Project::Experiments
    }
    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let mut app = App::new(self)?;
        let values = EnvoyGatewayValues {
            config: EnvoyGatewayConfig {
                envoy_gateway: EnvoyGatewaySettings {
                    provider: EnvoyGatewayProvider {
                        type_: "Kubernetes",
                        kubernetes: EnvoyGatewayKubernetes {
                            deploy: EnvoyGatewayDeploy {
                                type_: "GatewayNamespace",
                            },
                        },
                    },
                },
            },
        };
        app.helm = Some(HelmRelease::new(
            ctx.versions.chart("gateway-helm")?,
            &values,
        )?);
        // The Gateway API CRDs exceed the client-side apply annotation limit.
        app.server_side_apply = true;
        app.chart_cluster_kinds = CHART_CLUSTER_KINDS.to_vec();
        // The crds subchart guards the Gateway API CRDs with an admission policy.
        app.chart_cluster_kinds.extend([
            GroupKind {
                group: "admissionregistration.k8s.io",
                kind: "ValidatingAdmissionPolicy",
            },
            GroupKind {
                group: "admissionregistration.k8s.io",
                kind: "ValidatingAdmissionPolicyBinding",
            },
        ]);
        Ok(app)
    }
}

// ---------------------------------------------------------------------------------------------
// NGINX Gateway Fabric

/// NGINX Gateway Fabric's controller (chart `nginx-gateway-fabric`); its chart creates the
/// GatewayClass `nginx`. `after` names the component that installs the Gateway API CRDs.
pub struct NginxGatewayFabric {
    pub namespace: String,
    pub after: Dependency,
}

impl NginxGatewayFabric {
    pub const CLASS: &'static str = "nginx";

    pub fn after(crds: Dependency) -> Self {
        Self {
            namespace: "nginx-gateway".to_owned(),
            after: crds,
        }
    }
}

/// The nginx-gateway-fabric values the lab sets.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NginxGatewayFabricValues {
    pub nginx_gateway: NginxGatewayController,
    pub nginx: NginxDataPlane,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NginxGatewayController {
    pub gateway_class_name: &'static str,
    /// No usage reports leave a learner's cluster.
    pub product_telemetry: Enable,
}

#[derive(Debug, Serialize)]
pub struct Enable {
    pub enable: bool,
}

#[derive(Debug, Serialize)]
pub struct NginxDataPlane {
    pub service: NginxService,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NginxService {
    /// ClusterIP: [`GatewayRoutes`] puts its own NodePort Service in front, the same way for
    /// every implementation (a LoadBalancer would stay pending on kind).
    #[serde(rename = "type")]
    pub type_: &'static str,
}

impl Component for NginxGatewayFabric {
    fn name(&self) -> &str {
        "nginx-gateway-fabric"
    }
    fn namespace(&self) -> &str {
        &self.namespace
    }
    fn dependencies(&self) -> Vec<Dependency> {
        // Its chart's GatewayClass and its controller need the Gateway API CRDs first.
        vec![self.after]
    }
    fn installs_crds(&self) -> Vec<&'static str> {
        vec!["gateway.nginx.org"]
    }
    fn project(&self) -> Project {
        Project::Experiments
    }
    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let mut app = App::new(self)?;
        let values = NginxGatewayFabricValues {
            nginx_gateway: NginxGatewayController {
                gateway_class_name: Self::CLASS,
                product_telemetry: Enable { enable: false },
            },
            nginx: NginxDataPlane {
                service: NginxService { type_: "ClusterIP" },
            },
        };
        app.helm = Some(HelmRelease::new(
            ctx.versions.chart("nginx-gateway-fabric")?,
            &values,
        )?);
        app.server_side_apply = true;
        app.chart_cluster_kinds = CHART_CLUSTER_KINDS.to_vec();
        app.chart_cluster_kinds.push(GATEWAY_CLASS);
        Ok(app)
    }
}

// ---------------------------------------------------------------------------------------------
// Routes

/// A Service the routes send traffic to (the assembly passes the demo apps' names and ports).
#[derive(Clone, Debug)]
pub struct Backend {
    pub service: String,
    pub port: u16,
}

/// One Gateway of [`GatewayRoutes`]: its implementation and the node port in front of it.
#[derive(Clone, Copy, Debug)]
pub struct Subject {
    pub implementation: Implementation,
    pub node_port: i32,
}

/// The hostnames the routes answer, `<host>.gateway.test`.
pub mod hosts {
    /// The first route: every request to the primary backend.
    pub const HELLO: &str = "hello";
    /// A weighted split between the primary and the canary backend.
    pub const SPLIT: &str = "split";
    /// Header matching: `x-canary: always` goes to the canary, the rest to the primary.
    pub const CANARY: &str = "canary";
}

/// Weights of the split route, primary then canary (out of 100).
pub const SPLIT_WEIGHTS: (i32, i32) = (90, 10);
/// The header (and value) that sends a request of the canary route to the canary backend.
pub const CANARY_HEADER: (&str, &str) = ("x-canary", "always");

/// Gateways, their NodePort Services and the HTTPRoutes every Gateway serves, in the
/// experiment's namespace.
pub struct GatewayRoutes {
    pub namespace: String,
    pub subjects: Vec<Subject>,
    pub primary: Backend,
    pub canary: Backend,
    /// Add an HTTPS listener terminating with [`TLS_SECRET`].
    pub tls: bool,
}

impl GatewayRoutes {
    fn meta(&self, name: &str) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(self.namespace.clone()),
            ..Default::default()
        }
    }

    fn gateway(&self, class: &str, name: &str) -> Gateway {
        let wildcard = format!("*.{DOMAIN}");
        let mut listeners = vec![GatewayListeners {
            name: "http".to_owned(),
            port: HTTP_PORT,
            protocol: "HTTP".to_owned(),
            hostname: Some(wildcard.clone()),
            ..Default::default()
        }];
        if self.tls {
            listeners.push(GatewayListeners {
                name: "https".to_owned(),
                port: HTTPS_PORT,
                protocol: "HTTPS".to_owned(),
                hostname: Some(wildcard),
                tls: Some(GatewayListenersTls {
                    mode: Some(GatewayListenersTlsMode::Terminate),
                    certificate_refs: Some(vec![GatewayListenersTlsCertificateRefs {
                        name: TLS_SECRET.to_owned(),
                        kind: Some("Secret".to_owned()),
                        group: Some(String::new()),
                        namespace: None,
                    }]),
                    options: None,
                }),
                ..Default::default()
            });
        }
        let mut gateway = Gateway::new(
            name,
            GatewaySpec {
                gateway_class_name: class.to_owned(),
                listeners,
                ..Default::default()
            },
        );
        gateway.metadata = self.meta(name);
        gateway
    }

    /// The NodePort Service in front of one Gateway's proxies: plain HTTP only.
    fn node_port_service(&self, s: Subject) -> Service {
        let gateway = s.implementation.gateway_name();
        Service {
            metadata: self.meta(&format!("{gateway}-nodeport")),
            spec: Some(ServiceSpec {
                type_: Some("NodePort".to_owned()),
                selector: Some(s.implementation.proxy_selector(gateway, &self.namespace)),
                ports: Some(vec![ServicePort {
                    name: Some("http".to_owned()),
                    port: HTTP_PORT,
                    target_port: Some(IntOrString::Int(HTTP_PORT)),
                    node_port: Some(s.node_port),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            status: None,
        }
    }

    fn backend(b: &Backend, weight: Option<i32>) -> HttpRouteRulesBackendRefs {
        HttpRouteRulesBackendRefs {
            name: b.service.clone(),
            port: Some(i32::from(b.port)),
            weight,
            ..Default::default()
        }
    }

    fn route(&self, host: &str, rules: Vec<HttpRouteRules>) -> HttpRoute {
        let parents = self
            .subjects
            .iter()
            .map(|s| HttpRouteParentRefs {
                name: s.implementation.gateway_name().to_owned(),
                ..Default::default()
            })
            .collect();
        let mut route = HttpRoute::new(
            host,
            HttpRouteSpec {
                hostnames: Some(vec![format!("{host}.{DOMAIN}")]),
                parent_refs: Some(parents),
                rules: Some(rules),
            },
        );
        route.metadata = self.meta(host);
        route
    }

    /// The three routes of the tutorial, in the order it teaches them.
    fn routes(&self) -> Vec<HttpRoute> {
        let to = |backends: Vec<HttpRouteRulesBackendRefs>| HttpRouteRules {
            backend_refs: Some(backends),
            ..Default::default()
        };
        let (primary_w, canary_w) = SPLIT_WEIGHTS;
        let (header, value) = CANARY_HEADER;
        vec![
            self.route(
                hosts::HELLO,
                vec![to(vec![Self::backend(&self.primary, None)])],
            ),
            self.route(
                hosts::SPLIT,
                vec![to(vec![
                    Self::backend(&self.primary, Some(primary_w)),
                    Self::backend(&self.canary, Some(canary_w)),
                ])],
            ),
            self.route(
                hosts::CANARY,
                vec![
                    HttpRouteRules {
                        matches: Some(vec![HttpRouteRulesMatches {
                            headers: Some(vec![HttpRouteRulesMatchesHeaders {
                                name: header.to_owned(),
                                r#type: Some(HttpRouteRulesMatchesHeadersType::Exact),
                                value: value.to_owned(),
                            }]),
                            ..Default::default()
                        }]),
                        ..to(vec![Self::backend(&self.canary, None)])
                    },
                    to(vec![Self::backend(&self.primary, None)]),
                ],
            ),
        ]
    }
}

impl Component for GatewayRoutes {
    fn name(&self) -> &str {
        "gateway-routes"
    }
    fn namespace(&self) -> &str {
        &self.namespace
    }
    fn project(&self) -> Project {
        Project::Experiments
    }
    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let mut app = App::new(self)?;
        for s in &self.subjects {
            let class = match s.implementation {
                Implementation::EnvoyGateway => {
                    ctx.needs::<EnvoyGateway>()?;
                    let class = GatewayClass::new(
                        EnvoyGateway::CLASS,
                        GatewayClassSpec {
                            controller_name: EnvoyGateway::CONTROLLER.to_owned(),
                            ..Default::default()
                        },
                    );
                    app.objects.push(Object::new(&class)?);
                    EnvoyGateway::CLASS
                }
                Implementation::NginxGatewayFabric => {
                    ctx.needs::<NginxGatewayFabric>()?;
                    NginxGatewayFabric::CLASS
                }
            };
            let name = s.implementation.gateway_name();
            app.objects.push(Object::new(&self.gateway(class, name))?);
            app.objects.push(Object::new(&self.node_port_service(*s))?);
        }
        for route in self.routes() {
            app.objects.push(Object::new(&route)?);
        }
        Ok(app)
    }
}

//! Crossplane packages on the hub: composition Functions, Providers (each with its own
//! DeploymentRuntimeConfig) and the ManagedResourceActivationPolicies that switch on only the
//! managed-resource kinds the Compositions use (v2 providers start with all MRDs inactive).
//! Every package is pinned in `platform/versions.yaml` under `images:`.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use lab_crds::apiextensions_crossplane_io::managedresourceactivationpolicies::*;
use lab_crds::pkg_crossplane_io::deploymentruntimeconfigs::*;
use lab_crds::pkg_crossplane_io::functions::*;
use lab_crds::pkg_crossplane_io::providers::*;
use lab_model::Versions;
use lab_model::versions::MissingVersion;

/// The composition functions; Compositions may only reference these.
pub const FUNCTIONS: &[&str] = &[FN_PATCH_AND_TRANSFORM, FN_GO_TEMPLATING, FN_AUTO_READY];
pub const FN_PATCH_AND_TRANSFORM: &str = "function-patch-and-transform";
pub const FN_GO_TEMPLATING: &str = "function-go-templating";
pub const FN_AUTO_READY: &str = "function-auto-ready";

/// A provider package, its runtime sizing, and the managed resources it must serve.
pub struct ProviderSpecDef {
    pub name: &'static str,
    /// CPU and memory request, then limit.
    pub requests: (&'static str, &'static str),
    pub limits: (&'static str, &'static str),
    /// `<plural>.<group>` of every MR kind the Compositions compose from this provider.
    pub activate: &'static [&'static str],
}

/// The providers, in a fixed order. The cloud families come in as package dependencies.
pub const PROVIDERS: &[ProviderSpecDef] = &[
    ProviderSpecDef {
        name: "provider-kubernetes",
        requests: ("50m", "128Mi"),
        limits: ("500m", "384Mi"),
        activate: &["objects.kubernetes.m.crossplane.io"],
    },
    ProviderSpecDef {
        name: "provider-helm",
        requests: ("50m", "128Mi"),
        limits: ("500m", "384Mi"),
        activate: &["releases.helm.m.crossplane.io"],
    },
    ProviderSpecDef {
        name: "provider-aws-eks",
        requests: ("50m", "256Mi"),
        limits: ("500m", "512Mi"),
        activate: &[
            "clusters.eks.aws.m.upbound.io",
            "nodegroups.eks.aws.m.upbound.io",
            "clusterauths.eks.aws.m.upbound.io",
        ],
    },
    ProviderSpecDef {
        name: "provider-aws-s3",
        requests: ("10m", "64Mi"),
        limits: ("200m", "256Mi"),
        activate: &[
            "buckets.s3.aws.m.upbound.io",
            "bucketversionings.s3.aws.m.upbound.io",
            "bucketpublicaccessblocks.s3.aws.m.upbound.io",
        ],
    },
    ProviderSpecDef {
        name: "provider-azure-containerservice",
        requests: ("50m", "256Mi"),
        limits: ("500m", "512Mi"),
        activate: &["kubernetesclusters.containerservice.azure.m.upbound.io"],
    },
    ProviderSpecDef {
        name: "provider-azure-storage",
        requests: ("10m", "64Mi"),
        limits: ("200m", "256Mi"),
        activate: &[
            "accounts.storage.azure.m.upbound.io",
            "containers.storage.azure.m.upbound.io",
        ],
    },
    ProviderSpecDef {
        name: "provider-azure",
        requests: ("10m", "64Mi"),
        limits: ("200m", "256Mi"),
        activate: &["resourcegroups.azure.m.upbound.io"],
    },
    ProviderSpecDef {
        name: "provider-gcp-container",
        requests: ("50m", "256Mi"),
        limits: ("500m", "512Mi"),
        activate: &[
            "clusters.container.gcp.m.upbound.io",
            "nodepools.container.gcp.m.upbound.io",
        ],
    },
    ProviderSpecDef {
        name: "provider-gcp-storage",
        requests: ("10m", "64Mi"),
        limits: ("200m", "256Mi"),
        activate: &["buckets.storage.gcp.m.upbound.io"],
    },
];

fn runtime_config_name(provider: &str) -> String {
    format!("{provider}-runtime")
}

pub fn functions(v: &Versions) -> Result<Vec<Function>, MissingVersion> {
    FUNCTIONS
        .iter()
        .map(|name| {
            Ok(Function::new(
                name,
                FunctionSpec {
                    package: v.image(name)?.reference(),
                    ..Default::default()
                },
            ))
        })
        .collect()
}

pub fn providers(v: &Versions) -> Result<Vec<Provider>, MissingVersion> {
    PROVIDERS
        .iter()
        .map(|p| {
            Ok(Provider::new(
                p.name,
                ProviderSpec {
                    package: v.image(p.name)?.reference(),
                    runtime_config_ref: Some(ProviderRuntimeConfigRef {
                        api_version: Some("pkg.crossplane.io/v1beta1".to_owned()),
                        kind: Some("DeploymentRuntimeConfig".to_owned()),
                        name: runtime_config_name(p.name),
                    }),
                    ..Default::default()
                },
            ))
        })
        .collect()
}

fn quantities(cpu: &str, memory: &str) -> BTreeMap<String, IntOrString> {
    BTreeMap::from([
        ("cpu".to_owned(), IntOrString::String(cpu.to_owned())),
        ("memory".to_owned(), IntOrString::String(memory.to_owned())),
    ])
}

/// One runtime config per provider: small requests for the N100/Kind hub, and a toleration
/// so a single-node control plane can run them.
pub fn runtime_configs() -> Vec<DeploymentRuntimeConfig> {
    PROVIDERS
        .iter()
        .map(|p| {
            DeploymentRuntimeConfig::new(
                &runtime_config_name(p.name),
                DeploymentRuntimeConfigSpec {
                    deployment_template: Some(DeploymentRuntimeConfigDeploymentTemplate {
                        spec: Some(DeploymentRuntimeConfigDeploymentTemplateSpec {
                            replicas: Some(1),
                            selector: Default::default(),
                            template: DeploymentRuntimeConfigDeploymentTemplateSpecTemplate {
                                spec: Some(DeploymentRuntimeConfigDeploymentTemplateSpecTemplateSpec {
                                    containers: vec![
                                        DeploymentRuntimeConfigDeploymentTemplateSpecTemplateSpecContainers {
                                            // The name Crossplane gives the provider container.
                                            name: "package-runtime".to_owned(),
                                            resources: Some(DeploymentRuntimeConfigDeploymentTemplateSpecTemplateSpecContainersResources {
                                                requests: Some(quantities(p.requests.0, p.requests.1)),
                                                limits: Some(quantities(p.limits.0, p.limits.1)),
                                                ..Default::default()
                                            }),
                                            ..Default::default()
                                        },
                                    ],
                                    tolerations: Some(vec![
                                        DeploymentRuntimeConfigDeploymentTemplateSpecTemplateSpecTolerations {
                                            key: Some("node-role.kubernetes.io/control-plane".to_owned()),
                                            operator: Some("Exists".to_owned()),
                                            effect: Some("NoSchedule".to_owned()),
                                            ..Default::default()
                                        },
                                    ]),
                                    ..Default::default()
                                }),
                                ..Default::default()
                            },
                            ..Default::default()
                        }),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            )
        })
        .collect()
}

/// One MRAP per provider, activating exactly the kinds its Compositions compose.
pub fn activation_policies() -> Vec<ManagedResourceActivationPolicy> {
    PROVIDERS
        .iter()
        .map(|p| {
            ManagedResourceActivationPolicy::new(
                p.name,
                ManagedResourceActivationPolicySpec {
                    activate: p.activate.iter().map(|s| (*s).to_owned()).collect(),
                },
            )
        })
        .collect()
}

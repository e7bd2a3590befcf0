//! Compositions, all in Pipeline mode: patch-and-transform composes the resources, go-templating
//! registers a new cluster with ArgoCD, auto-ready marks the XR ready. Cloud credentials come
//! from OpenBao through a composed ExternalSecret into a composed, namespaced ProviderConfig, so
//! each experiment namespace gets its own credentials Secret and nothing is shared or literal.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use lab_crds::apiextensions_crossplane_io::compositions::*;
use lab_crds::external_secrets_io::externalsecrets::*;
use lab_model::versions::ChartRef;
use serde::Serialize;
use serde_json::{Value, json};

use crate::fn_input::{ComposedTemplate, GoTemplate, Patch, Resources, Transform};
use crate::packages::{FN_AUTO_READY, FN_GO_TEMPLATING, FN_PATCH_AND_TRANSFORM};
use crate::xrd::{EXPERIMENT_CLUSTER, GROUP, OBJECT_STORAGE, Platform, VERSION};
use lab_core::layout::ARGOCD_NAMESPACE;
use lab_kit::secrets::SecretStore;

/// Label that tells Compositions of one XRD apart; XRs select with it.
pub const PLATFORM_LABEL: &str = "illm.io/platform";

/// Where an MR's credentials come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cloud {
    Aws,
    Azure,
    Gcp,
}

impl Cloud {
    fn name(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Azure => "azure",
            Cloud::Gcp => "gcp",
        }
    }

    fn provider_config_api(self) -> &'static str {
        match self {
            Cloud::Aws => "aws.m.upbound.io/v1beta1",
            Cloud::Azure => "azure.m.upbound.io/v1beta1",
            Cloud::Gcp => "gcp.m.upbound.io/v1beta1",
        }
    }
}

/// The GCP project experiments run in (not a secret).
pub const GCP_PROJECT: &str = "illm-k8s-ai-lab";

/// A managed resource base. Every MR names a namespaced `ProviderConfig` (patched per XR).
fn mr(api_version: &str, kind: &str, mut spec: Value) -> Value {
    spec["providerConfigRef"] = json!({"kind": "ProviderConfig"});
    json!({"apiVersion": api_version, "kind": kind, "spec": spec})
}

/// The XR's status from the cluster MR: its endpoint field and its external name.
fn cluster_status(endpoint: &str) -> Vec<Patch> {
    vec![
        Patch::to_xr(endpoint, "status.endpoint"),
        Patch::to_xr(
            "metadata.annotations[crossplane.io/external-name]",
            "status.clusterName",
        ),
    ]
}

fn template(name: &str, base: Value, patches: Vec<Patch>) -> ComposedTemplate {
    ComposedTemplate {
        name: name.to_owned(),
        base,
        patches,
    }
}

/// Every MR uses the XR's own ProviderConfig, named after the XR.
fn provider_config_ref() -> Patch {
    Patch::from_xr("metadata.name", "spec.providerConfigRef.name")
}

fn typed<T: Serialize>(t: &T) -> Value {
    serde_json::to_value(t).unwrap_or(Value::Null)
}

/// The ExternalSecret that copies the cloud credentials out of OpenBao into the XR's
/// namespace, and the ProviderConfig that reads them.
fn credentials(store: &SecretStore, cloud: Cloud) -> Vec<ComposedTemplate> {
    let external_secret = ExternalSecret {
        metadata: ObjectMeta::default(),
        spec: ExternalSecretSpec {
            refresh_interval: Some("1h".to_owned()),
            secret_store_ref: Some(ExternalSecretSecretStoreRef {
                kind: Some(ExternalSecretSecretStoreRefKind::ClusterSecretStore),
                name: Some(store.name().to_owned()),
            }),
            target: Some(ExternalSecretTarget {
                creation_policy: Some(ExternalSecretTargetCreationPolicy::Owner),
                ..Default::default()
            }),
            data: Some(vec![ExternalSecretData {
                secret_key: "credentials".to_owned(),
                remote_ref: ExternalSecretDataRemoteRef {
                    key: format!("cloud/{}", cloud.name()),
                    property: Some("credentials".to_owned()),
                    ..Default::default()
                },
                ..Default::default()
            }]),
            ..Default::default()
        },
        status: None,
    };
    let secret_name = format!("%s-{}-credentials", cloud.name());
    let mut pc_spec = json!({
        "credentials": {"source": "Secret", "secretRef": {"key": "credentials"}},
    });
    if cloud == Cloud::Gcp {
        pc_spec["projectID"] = json!(GCP_PROJECT);
    }
    vec![
        template(
            "credentials",
            typed(&external_secret),
            vec![Patch::from_xr_via(
                "metadata.name",
                "spec.target.name",
                Transform::format(&secret_name),
            )],
        ),
        template(
            "provider-config",
            json!({"apiVersion": cloud.provider_config_api(), "kind": "ProviderConfig", "spec": pc_spec}),
            vec![
                Patch::from_xr("metadata.name", "metadata.name"),
                Patch::from_xr_via(
                    "metadata.name",
                    "spec.credentials.secretRef.name",
                    Transform::format(&secret_name),
                ),
                Patch::from_xr("metadata.namespace", "spec.credentials.secretRef.namespace"),
            ],
        ),
    ]
}

/// An in-cluster ProviderConfig `<xr>-hub` of one provider (each provider reads only
/// ProviderConfigs of its own group): provider-kubernetes writes the ArgoCD cluster Secret,
/// provider-helm installs a vcluster on the hub.
fn hub_provider_config(resource: &str, api_version: &str) -> ComposedTemplate {
    template(
        resource,
        json!({
            "apiVersion": api_version,
            "kind": "ProviderConfig",
            "spec": {"credentials": {"source": "InjectedIdentity"}},
        }),
        vec![Patch::from_xr_via(
            "metadata.name",
            "metadata.name",
            Transform::format("%s-hub"),
        )],
    )
}

fn kubeconfig_secret() -> Patch {
    Patch::from_xr_via(
        "metadata.name",
        "spec.writeConnectionSecretToRef.name",
        Transform::format("%s-kubeconfig"),
    )
}

fn size(to: &str, small: &str, medium: &str, large: &str) -> Patch {
    Patch::from_xr_via(
        "spec.size",
        to,
        Transform::map(&[("small", small), ("medium", medium), ("large", large)]),
    )
}

/// The composed resources of one platform, and the name of the one holding the kubeconfig.
fn cluster_resources(
    store: &SecretStore,
    platform: Platform,
    vcluster: &ChartRef,
) -> (Vec<ComposedTemplate>, &'static str) {
    let mut out = vec![hub_provider_config(
        "hub-provider-config",
        "kubernetes.m.crossplane.io/v1alpha1",
    )];
    let conn = match platform {
        Platform::Vcluster => {
            out.push(hub_provider_config(
                "hub-helm-provider-config",
                "helm.m.crossplane.io/v1beta1",
            ));
            out.push(template(
                "vcluster",
                mr(
                    "helm.m.crossplane.io/v1beta1",
                    "Release",
                    json!({
                        "forProvider": {
                            "chart": {"name": vcluster.name, "repository": vcluster.repository, "version": vcluster.version},
                            "values": {"controlPlane": {"statefulSet": {"persistence": {"volumeClaim": {"size": "5Gi"}}}}},
                        },
                    }),
                ),
                vec![
                    Patch::from_xr_via(
                        "metadata.name",
                        "spec.providerConfigRef.name",
                        Transform::format("%s-hub"),
                    ),
                    Patch::from_xr("metadata.namespace", "spec.forProvider.namespace"),
                    Patch::from_xr_via(
                        "spec.kubernetesVersion",
                        "spec.forProvider.values.controlPlane.distro.k8s.version",
                        Transform::format("v%s.0"),
                    ),
                ],
            ));
            // vcluster writes its kubeconfig to Secret vc-<release>; observe it.
            out.push(template(
                "kubeconfig",
                mr(
                    "kubernetes.m.crossplane.io/v1alpha1",
                    "Object",
                    json!({
                        "managementPolicies": ["Observe"],
                        "forProvider": {"manifest": {"apiVersion": "v1", "kind": "Secret", "metadata": {}}},
                    }),
                ),
                vec![
                    Patch::from_xr_via(
                        "metadata.name",
                        "spec.providerConfigRef.name",
                        Transform::format("%s-hub"),
                    ),
                    Patch::from_xr_via(
                        "metadata.name",
                        "spec.forProvider.manifest.metadata.name",
                        Transform::format("vc-%s"),
                    ),
                    Patch::from_xr(
                        "metadata.namespace",
                        "spec.forProvider.manifest.metadata.namespace",
                    ),
                ],
            ));
            "kubeconfig"
        }
        Platform::Eks => {
            out.extend(credentials(store, Cloud::Aws));
            let eks = "eks.aws.m.upbound.io/v1beta1";
            out.push(template(
                "cluster",
                mr(
                    eks,
                    "Cluster",
                    json!({
                        "forProvider": {
                            "region": "us-east-1",
                            // IAM role and subnets are shared lab infrastructure, selected by label.
                            "roleArnSelector": {"matchLabels": {"illm.io/role": "eks-cluster"}},
                            "vpcConfig": [{"subnetIdSelector": {"matchLabels": {"illm.io/network": "experiments"}}}],
                        },
                    }),
                ),
                [vec![
                    provider_config_ref(),
                    Patch::from_xr("spec.kubernetesVersion", "spec.forProvider.version"),

                ], cluster_status("status.atProvider.endpoint")].concat(),
            ));
            out.push(template(
                "nodes",
                mr(
                    eks,
                    "NodeGroup",
                    json!({
                        "forProvider": {
                            "region": "us-east-1",
                            "clusterNameSelector": {"matchControllerRef": true},
                            "nodeRoleArnSelector": {"matchLabels": {"illm.io/role": "eks-nodes"}},
                            "subnetIdSelector": {"matchLabels": {"illm.io/network": "experiments"}},
                            "capacityType": "SPOT",
                            "scalingConfig": [{"minSize": 1, "maxSize": 10}],
                        },
                    }),
                ),
                vec![
                    provider_config_ref(),
                    Patch::from_xr(
                        "spec.nodeCount",
                        "spec.forProvider.scalingConfig[0].desiredSize",
                    ),
                    size(
                        "spec.forProvider.instanceTypes[0]",
                        "t3.medium",
                        "t3.large",
                        "t3.xlarge",
                    ),
                ],
            ));
            out.push(template(
                "auth",
                mr(
                    eks,
                    "ClusterAuth",
                    json!({
                        "forProvider": {"region": "us-east-1", "clusterNameSelector": {"matchControllerRef": true}},
                    }),
                ),
                vec![provider_config_ref(), kubeconfig_secret()],
            ));
            "auth"
        }
        Platform::Aks => {
            out.extend(credentials(store, Cloud::Azure));
            out.push(template(
                "cluster",
                mr(
                    "containerservice.azure.m.upbound.io/v1beta1",
                    "KubernetesCluster",
                    json!({
                        "forProvider": {
                            "location": "eastus",
                            "resourceGroupNameSelector": {"matchLabels": {"illm.io/resource-group": "experiments"}},
                            "identity": [{"type": "SystemAssigned"}],
                            "defaultNodePool": [{"name": "default"}],
                        },
                    }),
                ),
                [vec![
                    provider_config_ref(),
                    kubeconfig_secret(),
                    Patch::from_xr("spec.kubernetesVersion", "spec.forProvider.kubernetesVersion"),
                    Patch::from_xr("spec.nodeCount", "spec.forProvider.defaultNodePool[0].nodeCount"),
                    size("spec.forProvider.defaultNodePool[0].vmSize", "Standard_B2s", "Standard_D2s_v5", "Standard_D4s_v5"),
                    Patch::from_xr_via("metadata.name", "spec.forProvider.dnsPrefix", Transform::format("illm-%s")),

                ], cluster_status("status.atProvider.fqdn")].concat(),
            ));
            "cluster"
        }
        Platform::Gke => {
            out.extend(credentials(store, Cloud::Gcp));
            let gke = "container.gcp.m.upbound.io/v1beta1";
            out.push(template(
                "cluster",
                mr(
                    gke,
                    "Cluster",
                    json!({
                        "forProvider": {
                            "location": "us-central1-a",
                            "initialNodeCount": 1,
                            "removeDefaultNodePool": true,
                            "deletionProtection": false,
                            "networkingMode": "VPC_NATIVE",
                            "ipAllocationPolicy": [{}],
                            "releaseChannel": [{"channel": "REGULAR"}],
                            "loggingService": "none",
                            "monitoringService": "none",
                        },
                    }),
                ),
                [
                    vec![
                        provider_config_ref(),
                        kubeconfig_secret(),
                        Patch::from_xr(
                            "spec.kubernetesVersion",
                            "spec.forProvider.minMasterVersion",
                        ),
                    ],
                    cluster_status("status.atProvider.endpoint"),
                ]
                .concat(),
            ));
            out.push(template(
                "nodes",
                mr(
                    gke,
                    "NodePool",
                    json!({
                        "forProvider": {
                            "location": "us-central1-a",
                            "clusterSelector": {"matchControllerRef": true},
                            "nodeConfig": [{"preemptible": true, "oauthScopes": ["https://www.googleapis.com/auth/cloud-platform"]}],
                            "management": [{"autoRepair": true, "autoUpgrade": true}],
                        },
                    }),
                ),
                vec![
                    provider_config_ref(),
                    Patch::from_xr("spec.nodeCount", "spec.forProvider.nodeCount"),
                    size("spec.forProvider.nodeConfig[0].machineType", "e2-medium", "e2-standard-2", "e2-standard-4"),
                ],
            ));
            "cluster"
        }
    };
    (out, conn)
}

fn registration(platform: Platform, connection: &str) -> String {
    let server = match platform {
        // The kubeconfig vcluster writes points at localhost; the hub reaches its Service.
        Platform::Vcluster => {
            r#"printf "https://%s.%s.svc:443" $xr.metadata.name $xr.metadata.namespace"#
        }
        _ => "$cluster.server",
    };
    include_str!("register.gotmpl")
        .replace("__CONNECTION__", connection)
        .replace("__SERVER__", server)
        .replace("__ARGOCD_NAMESPACE__", ARGOCD_NAMESPACE)
        .replace("__PLATFORM__", platform.as_str())
}

fn step(name: &str, function: &str, input: Option<Value>) -> CompositionPipeline {
    CompositionPipeline {
        step: name.to_owned(),
        function_ref: CompositionPipelineFunctionRef {
            name: function.to_owned(),
        },
        input: input.and_then(|v| match v {
            Value::Object(m) => Some(m.into_iter().collect::<BTreeMap<_, _>>()),
            _ => None,
        }),
        ..Default::default()
    }
}

fn composition(
    kind: &str,
    plural: &str,
    variant: &str,
    steps: Vec<CompositionPipeline>,
) -> Composition {
    let mut c = Composition::new(
        &format!("{plural}-{variant}"),
        CompositionSpec {
            composite_type_ref: CompositionCompositeTypeRef {
                api_version: format!("{GROUP}/{VERSION}"),
                kind: kind.to_owned(),
            },
            mode: Some(CompositionMode::Pipeline),
            pipeline: Some(steps),
            ..Default::default()
        },
    );
    c.metadata.labels = Some(BTreeMap::from([(
        PLATFORM_LABEL.to_owned(),
        variant.to_owned(),
    )]));
    c
}

/// One ExperimentCluster Composition per platform; `store` is the ClusterSecretStore the
/// cloud credentials are read through, `vcluster` the pinned vcluster chart.
pub fn experiment_clusters(store: &SecretStore, vcluster: &ChartRef) -> Vec<Composition> {
    Platform::ALL
        .iter()
        .map(|&p| {
            let (resources, conn) = cluster_resources(store, p, vcluster);
            composition(
                EXPERIMENT_CLUSTER,
                "experimentclusters",
                p.as_str(),
                vec![
                    step(
                        "resources",
                        FN_PATCH_AND_TRANSFORM,
                        Some(typed(&Resources::new(resources))),
                    ),
                    step(
                        "register-with-argocd",
                        FN_GO_TEMPLATING,
                        Some(typed(&GoTemplate::inline(registration(p, conn)))),
                    ),
                    step("ready", FN_AUTO_READY, None),
                ],
            )
        })
        .collect()
}

fn storage_resources(store: &SecretStore, cloud: Cloud) -> Vec<ComposedTemplate> {
    let mut out = credentials(store, cloud);
    let region = |to: &str| Patch::from_xr("spec.region", to);
    match cloud {
        Cloud::Aws => {
            let s3 = "s3.aws.m.upbound.io/v1beta1";
            out.push(template(
                "bucket",
                mr(s3, "Bucket", json!({"forProvider": {}})),
                vec![
                    provider_config_ref(),
                    region("spec.forProvider.region"),
                    Patch::to_xr(
                        "status.atProvider.bucketRegionalDomainName",
                        "status.endpoint",
                    ),
                    Patch::to_xr("status.atProvider.id", "status.bucketName"),
                ],
            ));
            out.push(template(
                "versioning",
                mr(s3, "BucketVersioning", json!({"forProvider": {"bucketSelector": {"matchControllerRef": true}, "versioningConfiguration": [{}]}})),
                vec![
                    provider_config_ref(),
                    region("spec.forProvider.region"),
                    Patch::from_xr_via(
                        "spec.versioning",
                        "spec.forProvider.versioningConfiguration[0].status",
                        Transform::map(&[("true", "Enabled"), ("false", "Suspended")]),
                    ),
                ],
            ));
            out.push(template(
                "public-access",
                mr(s3, "BucketPublicAccessBlock", json!({"forProvider": {"bucketSelector": {"matchControllerRef": true}, "ignorePublicAcls": true, "restrictPublicBuckets": true}})),
                vec![
                    provider_config_ref(),
                    region("spec.forProvider.region"),
                    Patch::from_xr_via(
                        "spec.publicAccess",
                        "spec.forProvider.blockPublicPolicy",
                        Transform::map(&[("true", "false"), ("false", "true")]),
                    ),
                ],
            ));
        }
        Cloud::Azure => {
            out.push(template(
                "resource-group",
                mr(
                    "azure.m.upbound.io/v1beta1",
                    "ResourceGroup",
                    json!({ "forProvider": {}}),
                ),
                vec![provider_config_ref(), region("spec.forProvider.location")],
            ));
            out.push(template(
                "account",
                mr("storage.azure.m.upbound.io/v1beta1", "Account", json!({ "forProvider": {
                    "resourceGroupNameSelector": {"matchControllerRef": true},
                    "accountTier": "Standard", "accountReplicationType": "LRS", "accountKind": "StorageV2",
                    "minTlsVersion": "TLS1_2", "httpsTrafficOnlyEnabled": true, "blobProperties": [{}],
                }})),
                vec![
                    provider_config_ref(),
                    region("spec.forProvider.location"),
                    Patch::from_xr("spec.publicAccess", "spec.forProvider.allowNestedItemsToBePublic"),
                    Patch::from_xr("spec.versioning", "spec.forProvider.blobProperties[0].versioningEnabled"),
                    Patch::to_xr("status.atProvider.primaryBlobEndpoint", "status.endpoint"),
                ],
            ));
            out.push(template(
                "container",
                mr("storage.azure.m.upbound.io/v1beta1", "Container", json!({ "forProvider": {"storageAccountNameSelector": {"matchControllerRef": true}}})),
                vec![
                    provider_config_ref(),
                    Patch::from_xr_via(
                        "spec.publicAccess",
                        "spec.forProvider.containerAccessType",
                        Transform::map(&[("true", "blob"), ("false", "private")]),
                    ),
                    Patch::to_xr("metadata.annotations[crossplane.io/external-name]", "status.bucketName"),
                ],
            ));
        }
        Cloud::Gcp => {
            out.push(template(
                "bucket",
                mr("storage.gcp.m.upbound.io/v1beta1", "Bucket", json!({ "forProvider": {
                    "storageClass": "STANDARD", "uniformBucketLevelAccess": true, "forceDestroy": true, "versioning": [{}],
                }})),
                vec![
                    provider_config_ref(),
                    region("spec.forProvider.location"),
                    Patch::from_xr("spec.versioning", "spec.forProvider.versioning[0].enabled"),
                    Patch::from_xr_via(
                        "spec.publicAccess",
                        "spec.forProvider.publicAccessPrevention",
                        Transform::map(&[("true", "inherited"), ("false", "enforced")]),
                    ),
                    Patch::to_xr("status.atProvider.url", "status.endpoint"),
                    Patch::to_xr("status.atProvider.id", "status.bucketName"),
                ],
            ));
        }
    }
    out
}

/// One ObjectStorage Composition per cloud.
/// `store`: the ClusterSecretStore the cloud credentials are read through.
pub fn object_storages(store: &SecretStore) -> Vec<Composition> {
    [Cloud::Aws, Cloud::Azure, Cloud::Gcp]
        .iter()
        .map(|&c| {
            composition(
                OBJECT_STORAGE,
                "objectstorages",
                c.name(),
                vec![
                    step(
                        "resources",
                        FN_PATCH_AND_TRANSFORM,
                        Some(typed(&Resources::new(storage_resources(store, c)))),
                    ),
                    step("ready", FN_AUTO_READY, None),
                ],
            )
        })
        .collect()
}

//! `hub/bootstrap/`: what `task hub:bootstrap` applies before ArgoCD runs — the Kind cluster
//! config, the ArgoCD install values, the root project and Application, and the variables the
//! Taskfile reads. Nothing here is synced by ArgoCD.

use std::collections::BTreeMap;

use anyhow::Result;
use lab_argocd::{ARGOCD_NAMESPACE, ClusterLayout};
use lab_core::{Artifact, Format, Object};
use lab_kit::secrets::{ExternalSecrets, KV_MOUNT, OpenBao, SecretStore};
use lab_model::Component as _;
use lab_model::Registry;
use lab_model::component::Context;
use lab_observability::targets::KubePrometheusStack;
use lab_platform::gitops::{ArgoCd, ArgoWorkflows};
use lab_platform::networking::{MetalLb, Reserved};
use lab_platform::pki::Pki;

use crate::Inputs;

pub(crate) fn artifacts(
    inputs: &Inputs,
    layout: &ClusterLayout,
    registry: &Registry,
) -> Result<Vec<Artifact>> {
    let dir = layout.paths.bootstrap_dir();
    let settings = &inputs.settings;
    let node_image = inputs.versions.image("kind-node")?.reference();
    let ctx = Context::new(settings, &inputs.versions, registry);
    let argocd = registry
        .get::<ArgoCd>()
        .ok_or_else(|| anyhow::anyhow!("the hub has no ArgoCD component"))?;
    let argocd_chart = inputs.versions.chart("argo-cd")?;
    let (project, root) = lab_argocd::root(layout)?;

    let kind = lab_experiments::kind::KindCluster::single_node(
        settings.hub.cluster_name.clone(),
        node_image.clone(),
    );
    // What `task hub:bootstrap` needs to initialise, unseal and configure OpenBao, and where
    // the lab CA's certificate is (for laptops and target clusters to trust it).
    let openbao = registry
        .get::<OpenBao>()
        .ok_or_else(|| anyhow::anyhow!("the hub has no OpenBao component"))?;
    let eso = registry
        .get::<ExternalSecrets>()
        .ok_or_else(|| anyhow::anyhow!("the hub has no External Secrets component"))?;
    let pki = registry
        .get::<Pki>()
        .ok_or_else(|| anyhow::anyhow!("the hub has no PKI component"))?;
    let metallb = registry
        .get::<MetalLb>()
        .ok_or_else(|| anyhow::anyhow!("the hub has no MetalLB component"))?;
    let workflows = registry
        .get::<ArgoWorkflows>()
        .ok_or_else(|| anyhow::anyhow!("the hub has no Argo Workflows component"))?;
    let env = BTreeMap::from([
        ("OPENBAO_NAMESPACE", openbao.namespace().to_owned()),
        ("OPENBAO_POD", format!("{}-0", openbao.name())),
        ("BAO_KV_MOUNT", KV_MOUNT.to_owned()),
        ("BAO_K8S_AUTH", OpenBao::KUBERNETES_AUTH_MOUNT.to_owned()),
        ("BAO_PKI_MOUNT", OpenBao::PKI_MOUNT.to_owned()),
        ("BAO_PKI_ROLE", OpenBao::PKI_ROLE.to_owned()),
        ("ESO_ROLE", SecretStore::OPENBAO_ROLE.to_owned()),
        ("ESO_NAMESPACE", eso.namespace().to_owned()),
        ("ESO_SERVICE_ACCOUNT", eso.service_account().to_owned()),
        ("CERT_MANAGER_ROLE", Pki::OPENBAO_ROLE.to_owned()),
        ("CERT_MANAGER_NAMESPACE", pki.namespace().to_owned()),
        (
            "CERT_MANAGER_SERVICE_ACCOUNT",
            Pki::OPENBAO_ISSUER_ACCOUNT.to_owned(),
        ),
        ("LAB_CA_SECRET", Pki::ROOT_CERTIFICATE.to_owned()),
        ("HUB_CLUSTER", settings.hub.cluster_name.clone()),
        (
            "KUBE_CONTEXT",
            format!("kind-{}", settings.hub.cluster_name),
        ),
        ("ARGOCD_NAMESPACE", ARGOCD_NAMESPACE.to_owned()),
        ("ARGOCD_RELEASE", argocd.name().to_owned()),
        ("ARGOCD_CHART", argocd_chart.name.clone()),
        ("ARGOCD_CHART_REPO", argocd_chart.repository.clone()),
        ("ARGOCD_CHART_VERSION", argocd_chart.version.clone()),
        ("ROOT_APPLICATION", settings.hub.cluster_name.clone()),
        ("KIND_NODE_IMAGE", node_image),
        // What `task hub:conduct` needs to wire an experiment's kind cluster to the hub.
        ("LAB_DOMAIN", settings.hub.base_domain.clone()),
        ("LAB_DNS_IP", metallb.address(Reserved::Dns).to_string()),
        (
            "LAB_CA_CONFIG_MAP",
            KubePrometheusStack::LAB_CA_CONFIG_MAP.to_owned(),
        ),
        (
            "EXPERIMENT_CLAIM_NAMESPACE",
            crate::experiments::CLAIM_NAMESPACE.to_owned(),
        ),
        ("WORKFLOWS_NAMESPACE", workflows.namespace().to_owned()),
    ]);
    Ok(vec![
        Artifact::document(dir.join("kind-cluster.yaml")?, Format::KindConfig, &kind)?,
        Artifact::document(
            dir.join("argocd-install-values.yaml")?,
            Format::HelmValues,
            &argocd.values(&ctx),
        )?,
        Artifact::document(dir.join("bootstrap.env")?, Format::DotEnv, &env)?,
        Artifact::object(&dir, Object::new(&project)?)?,
        Artifact::object(&dir, Object::new(&root)?)?,
    ])
}

//! kube-vip in Service mode (LoadBalancer IPs by ARP) and its cloud provider, which hands out
//! addresses from the inventory's range. Typed k8s-openapi objects, rendered to YAML for a
//! Talos inline manifest. The control-plane VIP is Talos' own Layer2VIPConfig, not kube-vip.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{DaemonSet, DaemonSetSpec, Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMap, Container, EnvVar, PodSpec, PodTemplateSpec, SecurityContext,
    ServiceAccount, Toleration,
};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, PolicyRule, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use lab_model::versions::Image;
use serde::Serialize;

use crate::inventory::Inventory;

const NAMESPACE: &str = "kube-system";
const NAME: &str = "kube-vip";
const CLOUD_PROVIDER: &str = "kube-vip-cloud-provider";

fn meta(name: &str, namespaced: bool) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: namespaced.then(|| NAMESPACE.to_owned()),
        labels: Some(labels(name)),
        ..Default::default()
    }
}

fn labels(name: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("app.kubernetes.io/name".to_owned(), name.to_owned())])
}

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
    let owned = |s: &[&str]| s.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
    PolicyRule {
        api_groups: Some(owned(groups)),
        resources: Some(owned(resources)),
        verbs: owned(verbs),
        ..Default::default()
    }
}

fn env(pairs: &[(&str, &str)]) -> Vec<EnvVar> {
    pairs
        .iter()
        .map(|(k, v)| EnvVar {
            name: (*k).to_owned(),
            value: Some((*v).to_owned()),
            ..Default::default()
        })
        .collect()
}

fn pod(name: &str, container: Container, host_network: bool) -> PodTemplateSpec {
    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(labels(name)),
            ..Default::default()
        }),
        spec: Some(PodSpec {
            service_account_name: Some(NAME.to_owned()),
            host_network: host_network.then_some(true),
            containers: vec![container],
            tolerations: Some(vec![
                Toleration {
                    operator: Some("Exists".to_owned()),
                    effect: Some("NoSchedule".to_owned()),
                    ..Default::default()
                },
                Toleration {
                    operator: Some("Exists".to_owned()),
                    effect: Some("NoExecute".to_owned()),
                    ..Default::default()
                },
            ]),
            ..Default::default()
        }),
    }
}

fn selector(name: &str) -> LabelSelector {
    LabelSelector {
        match_labels: Some(labels(name)),
        ..Default::default()
    }
}

/// The objects of kube-vip, rendered as one multi-document YAML text.
pub fn manifest(inv: &Inventory, kube_vip: &Image, cloud: &Image) -> lab_core::Result<String> {
    let range = &inv.cluster.load_balancer_range;
    let mut docs: Vec<String> = Vec::new();
    let mut push = |o: &dyn erased::Doc| -> lab_core::Result<()> {
        docs.push(o.yaml()?);
        Ok(())
    };
    push(&ServiceAccount {
        metadata: meta(NAME, true),
        ..Default::default()
    })?;
    push(&ClusterRole {
        metadata: meta(NAME, false),
        rules: Some(vec![
            rule(
                &[""],
                &[
                    "services",
                    "services/status",
                    "nodes",
                    "endpoints",
                    "configmaps",
                ],
                &["list", "get", "watch", "update", "patch"],
            ),
            rule(&[""], &["events"], &["create", "patch", "update"]),
            rule(
                &["coordination.k8s.io"],
                &["leases"],
                &["list", "get", "watch", "update", "create"],
            ),
            rule(
                &["discovery.k8s.io"],
                &["endpointslices"],
                &["list", "get", "watch"],
            ),
        ]),
        ..Default::default()
    })?;
    push(&ClusterRoleBinding {
        metadata: meta(NAME, false),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".to_owned(),
            kind: "ClusterRole".to_owned(),
            name: NAME.to_owned(),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".to_owned(),
            name: NAME.to_owned(),
            namespace: Some(NAMESPACE.to_owned()),
            ..Default::default()
        }]),
    })?;
    push(&ConfigMap {
        // The cloud provider reads its pool from this fixed name.
        metadata: meta("kubevip", true),
        data: Some(BTreeMap::from([(
            "range-global".to_owned(),
            format!("{}-{}", range.first, range.last),
        )])),
        ..Default::default()
    })?;
    push(&DaemonSet {
        metadata: meta(NAME, true),
        spec: Some(DaemonSetSpec {
            selector: selector(NAME),
            template: pod(
                NAME,
                Container {
                    name: NAME.to_owned(),
                    image: Some(kube_vip.reference()),
                    args: Some(vec!["manager".to_owned()]),
                    env: Some(env(&[
                        ("vip_arp", "true"),
                        ("port", "6443"),
                        ("vip_cidr", "32"),
                        ("cp_enable", "false"),
                        ("svc_enable", "true"),
                        ("svc_election", "true"),
                        ("vip_leaderelection", "true"),
                    ])),
                    security_context: Some(SecurityContext {
                        capabilities: Some(Capabilities {
                            add: Some(vec!["NET_ADMIN".to_owned(), "NET_RAW".to_owned()]),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                true,
            ),
            ..Default::default()
        }),
        ..Default::default()
    })?;
    push(&Deployment {
        metadata: meta(CLOUD_PROVIDER, true),
        spec: Some(DeploymentSpec {
            replicas: Some(1),
            selector: selector(CLOUD_PROVIDER),
            template: pod(
                CLOUD_PROVIDER,
                Container {
                    name: CLOUD_PROVIDER.to_owned(),
                    image: Some(cloud.reference()),
                    args: Some(vec![format!(
                        "--leader-elect-resource-name={CLOUD_PROVIDER}"
                    )]),
                    ..Default::default()
                },
                false,
            ),
            ..Default::default()
        }),
        ..Default::default()
    })?;
    Ok(docs.join("---\n"))
}

/// Object-safe serialization of the typed objects above, with apiVersion and kind.
mod erased {
    pub trait Doc {
        fn yaml(&self) -> lab_core::Result<String>;
    }

    impl<K> Doc for K
    where
        K: k8s_openapi::Resource
            + k8s_openapi::Metadata<Ty = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta>
            + super::Serialize,
    {
        fn yaml(&self) -> lab_core::Result<String> {
            Ok(lab_core::yaml::to_yaml(&lab_core::Object::new(self)?.value))
        }
    }
}

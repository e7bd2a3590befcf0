//! From the inventory to Talos patches: one per role (shared settings) and one per node
//! (install disk, hostname, addressing, VIP), for
//! `talosctl gen config <cluster> <endpoint> --config-patch-<role> @<role>.yaml` and
//! `talosctl machineconfig patch --patch @nodes/<node>.yaml`.

use serde::Serialize;
use serde_json::Value;

use lab_model::Versions;

use crate::config::*;
use crate::inventory::{Inventory, Node, Role};
use crate::{Error, kube_vip};

/// Where local-path-provisioner keeps volumes: the Talos user volume's mount point.
pub const LOCAL_PATH_VOLUME: &str = "local-path-provisioner";
pub fn local_path_dir() -> String {
    format!("/var/mnt/{LOCAL_PATH_VOLUME}")
}

pub const POD_SUBNET: &str = "10.244.0.0/16";
pub const SERVICE_SUBNET: &str = "10.96.0.0/12";
pub const KUBE_PRISM_PORT: u16 = 7445;

/// Pinned images, all from `platform/versions.yaml`.
pub struct Images {
    pub installer: String,
    pub kubelet: String,
    pub api_server: String,
    pub controller_manager: String,
    pub scheduler: String,
    pub proxy: String,
    pub kube_vip: lab_model::versions::Image,
    pub kube_vip_cloud_provider: lab_model::versions::Image,
    /// The Kubernetes version, the kubelet's tag; every control-plane image must match it.
    pub kubernetes_version: String,
    /// The Talos version, the installer's tag.
    pub talos_version: String,
}

impl Images {
    pub fn from_versions(v: &Versions) -> Result<Self, Error> {
        let kubelet = v.image("talos-kubelet")?;
        let installer = v.image("talos-installer")?;
        let k8s = |name: &str| -> Result<String, Error> {
            let image = v.image(name)?;
            if image.tag != kubelet.tag {
                return Err(Error::VersionSkew {
                    image: name.to_owned(),
                    tag: image.tag.clone(),
                    kubelet: kubelet.tag.clone(),
                });
            }
            Ok(image.reference())
        };
        Ok(Self {
            installer: installer.reference(),
            kubelet: kubelet.reference(),
            api_server: k8s("kube-apiserver")?,
            controller_manager: k8s("kube-controller-manager")?,
            scheduler: k8s("kube-scheduler")?,
            proxy: k8s("kube-proxy")?,
            kube_vip: v.image("kube-vip")?.clone(),
            kube_vip_cloud_provider: v.image("kube-vip-cloud-provider")?.clone(),
            kubernetes_version: kubelet.tag.clone(),
            talos_version: installer.tag.clone(),
        })
    }
}

fn doc<T: Serialize>(t: &T) -> Result<Value, Error> {
    Ok(serde_json::to_value(t)?)
}

/// The documents of the patch shared by every node of `role`.
pub fn role_patch(inv: &Inventory, images: &Images, role: Role) -> Result<Vec<Value>, Error> {
    let endpoint = inv.endpoint().ok_or(Error::NoEndpoint)?;
    let lan = format!("{}/{}", inv.lan(), inv.cluster.prefix_length);
    let has_workers = inv.nodes.iter().any(|n| n.role == Role::Worker);
    let control_plane = role == Role::Controlplane;
    let image = |i: &String| Some(ImageOnly { image: i.clone() });
    let cluster = ClusterPatch {
        cluster_name: inv.cluster.name.clone(),
        control_plane: ControlPlane { endpoint },
        network: ClusterNetwork {
            dns_domain: "cluster.local".to_owned(),
            pod_subnets: vec![POD_SUBNET.to_owned()],
            service_subnets: vec![SERVICE_SUBNET.to_owned()],
        },
        api_server: control_plane.then(|| ApiServer {
            image: images.api_server.clone(),
            cert_sans: inv
                .api_address()
                .map(|a| a.to_string())
                .into_iter()
                .collect(),
        }),
        controller_manager: control_plane
            .then(|| image(&images.controller_manager))
            .flatten(),
        scheduler: control_plane.then(|| image(&images.scheduler)).flatten(),
        proxy: image(&images.proxy),
        discovery: Some(Discovery {
            enabled: true,
            registries: DiscoveryRegistries {
                kubernetes: Disabled { disabled: true },
            },
        }),
        inline_manifests: if control_plane {
            Some(vec![InlineManifest {
                name: "kube-vip".to_owned(),
                contents: kube_vip::manifest(
                    inv,
                    &images.kube_vip,
                    &images.kube_vip_cloud_provider,
                )?,
            }])
        } else {
            None
        },
        // A lab without workers runs its workloads on the control plane.
        allow_scheduling_on_control_planes: control_plane.then_some(!has_workers),
    };
    let config = ConfigPatch {
        machine: Some(MachinePatch {
            install: Some(Install {
                disk: None,
                image: Some(images.installer.clone()),
                wipe: Some(false),
            }),
            kubelet: Some(Kubelet {
                image: images.kubelet.clone(),
                default_runtime_seccomp_profile_enabled: true,
                disable_manifests_directory: true,
                node_ip: KubeletNodeIp {
                    valid_subnets: vec![lan],
                },
                extra_mounts: vec![ExtraMount {
                    destination: local_path_dir(),
                    kind: "bind".to_owned(),
                    source: local_path_dir(),
                    options: ["bind", "rshared", "rw"].map(str::to_owned).to_vec(),
                }],
            }),
            features: Some(Features {
                disk_quota_support: true,
                kube_prism: KubePrism {
                    enabled: true,
                    port: KUBE_PRISM_PORT,
                },
                host_dns: HostDns {
                    enabled: true,
                    forward_kube_dns_to_host: true,
                },
            }),
            node_labels: None,
        }),
        cluster: Some(cluster),
    };
    let resolver = ResolverConfig {
        api_version: V1ALPHA1.to_owned(),
        kind: ResolverKind::ResolverConfig,
        nameservers: inv
            .cluster
            .nameservers
            .iter()
            .map(|a| Nameserver {
                address: a.to_string(),
            })
            .collect(),
    };
    let volume = UserVolumeConfig {
        api_version: V1ALPHA1.to_owned(),
        kind: UserVolumeKind::UserVolumeConfig,
        name: LOCAL_PATH_VOLUME.to_owned(),
        volume_type: VolumeType::Partition,
        provisioning: Provisioning {
            disk_selector: DiskSelector {
                expression: "system_disk".to_owned(),
            },
            min_size: inv.cluster.local_path_size.clone(),
            max_size: inv.cluster.local_path_size.clone(),
        },
        filesystem: Filesystem {
            kind: FilesystemType::Xfs,
        },
    };
    Ok(vec![doc(&config)?, doc(&resolver)?, doc(&volume)?])
}

/// The documents of one node's own patch.
pub fn node_patch(inv: &Inventory, node: &Node) -> Result<Vec<Value>, Error> {
    let install = ConfigPatch {
        machine: Some(MachinePatch {
            install: Some(Install {
                disk: Some(node.install_disk.clone()),
                ..Default::default()
            }),
            ..Default::default()
        }),
        cluster: None,
    };
    let hostname = HostnameConfig {
        api_version: V1ALPHA1.to_owned(),
        kind: HostnameKind::HostnameConfig,
        auto: HostnameAuto::Off,
        hostname: node.name.clone(),
    };
    let link = LinkConfig {
        api_version: V1ALPHA1.to_owned(),
        kind: LinkKind::LinkConfig,
        name: node.nic.clone(),
        up: true,
        addresses: vec![Address {
            address: format!("{}/{}", node.ip, inv.cluster.prefix_length),
        }],
        routes: vec![Route {
            gateway: inv.cluster.gateway.to_string(),
        }],
    };
    let mut docs = vec![doc(&install)?, doc(&hostname)?, doc(&link)?];
    if let Some(vip) = node.vip {
        docs.push(doc(&Layer2VipConfig {
            api_version: V1ALPHA1.to_owned(),
            kind: Layer2VipKind::Layer2VipConfig,
            name: vip.to_string(),
            link: node.nic.clone(),
        })?);
    }
    Ok(docs)
}

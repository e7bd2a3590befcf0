//! The parts of the Talos 1.13 configuration the lab emits, and nothing else: each type has
//! only the fields we set, spelled as in the Talos schema, and rejects unknown fields on read.
//! Secret-bearing fields (tokens, CAs, keys, encryption secrets) have no Rust field at all, so
//! no builder can emit one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The API version of every Talos config document we emit.
pub const V1ALPHA1: &str = "v1alpha1";

/// A v1alpha1 machine-config patch (the legacy document without `kind`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<MachinePatch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterPatch>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MachinePatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install: Option<Install>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubelet: Option<Kubelet>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<Features>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_labels: Option<BTreeMap<String, String>>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Install {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wipe: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Kubelet {
    pub image: String,
    pub default_runtime_seccomp_profile_enabled: bool,
    pub disable_manifests_directory: bool,
    #[serde(rename = "nodeIP")]
    pub node_ip: KubeletNodeIp,
    pub extra_mounts: Vec<ExtraMount>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KubeletNodeIp {
    pub valid_subnets: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExtraMount {
    pub destination: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub source: String,
    pub options: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Features {
    pub disk_quota_support: bool,
    pub kube_prism: KubePrism,
    #[serde(rename = "hostDNS")]
    pub host_dns: HostDns,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KubePrism {
    pub enabled: bool,
    pub port: u16,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HostDns {
    pub enabled: bool,
    #[serde(rename = "forwardKubeDNSToHost")]
    pub forward_kube_dns_to_host: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterPatch {
    pub cluster_name: String,
    pub control_plane: ControlPlane,
    pub network: ClusterNetwork,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_server: Option<ApiServer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller_manager: Option<ImageOnly>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduler: Option<ImageOnly>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<ImageOnly>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery: Option<Discovery>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline_manifests: Option<Vec<InlineManifest>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_scheduling_on_control_planes: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ControlPlane {
    pub endpoint: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterNetwork {
    pub dns_domain: String,
    pub pod_subnets: Vec<String>,
    pub service_subnets: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApiServer {
    pub image: String,
    #[serde(rename = "certSANs")]
    pub cert_sans: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImageOnly {
    pub image: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Discovery {
    pub enabled: bool,
    pub registries: DiscoveryRegistries,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DiscoveryRegistries {
    pub kubernetes: Disabled,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Disabled {
    pub disabled: bool,
}

/// A manifest Talos applies on bootstrap (kube-vip): rendered YAML of typed objects.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InlineManifest {
    pub name: String,
    pub contents: String,
}

/// `HostnameConfig`: a fixed hostname instead of the generated stable one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HostnameConfig {
    pub api_version: String,
    pub kind: HostnameKind,
    pub auto: HostnameAuto,
    pub hostname: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum HostnameKind {
    HostnameConfig,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HostnameAuto {
    Stable,
    Off,
}

/// `LinkConfig`: static addressing of one physical link (replaces `machine.network`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinkConfig {
    pub api_version: String,
    pub kind: LinkKind,
    pub name: String,
    pub up: bool,
    pub addresses: Vec<Address>,
    pub routes: Vec<Route>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum LinkKind {
    LinkConfig,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Address {
    /// CIDR form, `192.168.1.178/24`.
    pub address: String,
}

/// A route; without destination it is the default route.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Route {
    pub gateway: String,
}

/// `Layer2VIPConfig`: the control-plane VIP announced by ARP on one link.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Layer2VipConfig {
    pub api_version: String,
    pub kind: Layer2VipKind,
    /// The VIP address.
    pub name: String,
    pub link: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Layer2VipKind {
    #[serde(rename = "Layer2VIPConfig")]
    Layer2VipConfig,
}

/// `ResolverConfig`: the DNS servers of the node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResolverConfig {
    pub api_version: String,
    pub kind: ResolverKind,
    pub nameservers: Vec<Nameserver>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum ResolverKind {
    ResolverConfig,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Nameserver {
    pub address: String,
}

/// `UserVolumeConfig`: a partition mounted at `/var/mnt/<name>` (local-path volumes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserVolumeConfig {
    pub api_version: String,
    pub kind: UserVolumeKind,
    pub name: String,
    pub volume_type: VolumeType,
    pub provisioning: Provisioning,
    pub filesystem: Filesystem,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum UserVolumeKind {
    UserVolumeConfig,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VolumeType {
    Partition,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Provisioning {
    pub disk_selector: DiskSelector,
    pub min_size: String,
    pub max_size: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DiskSelector {
    /// A CEL expression over the disk, e.g. `system_disk`.
    #[serde(rename = "match")]
    pub expression: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Filesystem {
    #[serde(rename = "type")]
    pub kind: FilesystemType,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FilesystemType {
    Xfs,
}

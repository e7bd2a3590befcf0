//! `platform/targets/talos/nodes.yaml`: the home-lab machines, checked against the schemars
//! schema on load ([`lab_model::load`]) and then for the rules a schema cannot say
//! ([`Inventory::check`]).

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The Talos cluster and its machines.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Inventory {
    pub cluster: ClusterInput,
    /// The machines; at least one must be a control-plane node.
    #[schemars(length(min = 1))]
    pub nodes: Vec<Node>,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterInput {
    /// Cluster name (also the talosctl context): an RFC 1123 label.
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"))]
    pub name: String,
    /// Prefix length of the home network the nodes sit on, e.g. 24.
    #[schemars(range(min = 8, max = 30))]
    pub prefix_length: u8,
    /// Default gateway of the home network.
    pub gateway: Ipv4Addr,
    /// DNS servers the nodes use.
    #[schemars(length(min = 1))]
    pub nameservers: Vec<Ipv4Addr>,
    /// Addresses kube-vip hands to Services of type LoadBalancer.
    pub load_balancer_range: AddressRange,
    /// Size of the volume carved from the system disk for local-path volumes, e.g. `200GB`.
    #[schemars(regex(pattern = r"^[0-9]+(MB|GB|TB|MiB|GiB|TiB)$"))]
    pub local_path_size: String,
}

/// An inclusive range of IPv4 addresses.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddressRange {
    pub first: Ipv4Addr,
    pub last: Ipv4Addr,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Controlplane,
    Worker,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Controlplane => "controlplane",
            Role::Worker => "worker",
        }
    }
}

/// One machine.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Node {
    /// Hostname and Kubernetes node name: an RFC 1123 label.
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"))]
    pub name: String,
    /// `controlplane` or `worker`.
    pub role: Role,
    /// Static IPv4 address of the node on the home network.
    pub ip: Ipv4Addr,
    /// Disk Talos installs to, a `/dev/…` path such as `/dev/nvme0n1`.
    #[schemars(regex(pattern = r"^/dev/[a-z0-9/_-]+$"))]
    pub install_disk: String,
    /// Name of the network interface, e.g. `enp3s0`.
    #[schemars(regex(pattern = r"^[a-z][a-z0-9._-]{0,14}$"))]
    pub nic: String,
    /// Shared control-plane VIP this node may announce (control-plane nodes only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vip: Option<Ipv4Addr>,
}

/// A rule of the inventory that the JSON schema cannot express.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum InventoryError {
    #[error("no control-plane node: at least one node needs role: controlplane")]
    NoControlPlane,
    #[error("node name {0:?} is used twice")]
    DuplicateName(String),
    #[error("address {0} is used twice")]
    DuplicateAddress(Ipv4Addr),
    #[error("node {0:?} is a worker but has a vip; only control-plane nodes announce the VIP")]
    WorkerVip(String),
    #[error("control-plane nodes disagree on the VIP ({0} and {1}); the cluster has one")]
    TwoVips(Ipv4Addr, Ipv4Addr),
    #[error("{what} {addr} is outside the node network {net}/{prefix}")]
    OffNetwork {
        what: String,
        addr: Ipv4Addr,
        net: Ipv4Addr,
        prefix: u8,
    },
    #[error("load-balancer range {first}-{last} is empty or reversed")]
    BadRange { first: Ipv4Addr, last: Ipv4Addr },
}

fn network(addr: Ipv4Addr, prefix: u8) -> Ipv4Addr {
    let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
    Ipv4Addr::from(u32::from(addr) & mask)
}

impl Inventory {
    /// The control-plane VIP, if any control-plane node announces one.
    pub fn vip(&self) -> Option<Ipv4Addr> {
        self.nodes.iter().find_map(|n| n.vip)
    }

    /// Address of the Kubernetes API: the VIP, else the first control-plane node.
    pub fn api_address(&self) -> Option<Ipv4Addr> {
        self.vip().or_else(|| {
            self.nodes
                .iter()
                .find(|n| n.role == Role::Controlplane)
                .map(|n| n.ip)
        })
    }

    pub fn endpoint(&self) -> Option<String> {
        self.api_address().map(|ip| format!("https://{ip}:6443"))
    }

    /// Network address of the home LAN, e.g. `192.168.1.0`.
    pub fn lan(&self) -> Ipv4Addr {
        network(self.cluster.gateway, self.cluster.prefix_length)
    }

    /// Every rule beyond the schema, all findings at once.
    pub fn check(&self) -> Vec<InventoryError> {
        let mut errors = Vec::new();
        if !self.nodes.iter().any(|n| n.role == Role::Controlplane) {
            errors.push(InventoryError::NoControlPlane);
        }
        let mut names = BTreeSet::new();
        let mut addrs = BTreeSet::new();
        let prefix = self.cluster.prefix_length;
        let lan = self.lan();
        let on_lan = |what: String, addr: Ipv4Addr, errors: &mut Vec<InventoryError>| {
            if network(addr, prefix) != lan {
                errors.push(InventoryError::OffNetwork {
                    what,
                    addr,
                    net: lan,
                    prefix,
                });
            }
        };
        for n in &self.nodes {
            if !names.insert(n.name.as_str()) {
                errors.push(InventoryError::DuplicateName(n.name.clone()));
            }
            if !addrs.insert(n.ip) {
                errors.push(InventoryError::DuplicateAddress(n.ip));
            }
            on_lan(format!("node {}", n.name), n.ip, &mut errors);
            match (n.role, n.vip) {
                (Role::Worker, Some(_)) => errors.push(InventoryError::WorkerVip(n.name.clone())),
                (Role::Controlplane, Some(v)) => {
                    on_lan(format!("vip of {}", n.name), v, &mut errors);
                    if let Some(first) = self.vip()
                        && first != v
                    {
                        errors.push(InventoryError::TwoVips(first, v));
                    }
                }
                _ => {}
            }
        }
        if let Some(v) = self.vip()
            && !addrs.insert(v)
        {
            errors.push(InventoryError::DuplicateAddress(v));
        }
        let range = &self.cluster.load_balancer_range;
        if u32::from(range.first) > u32::from(range.last) {
            errors.push(InventoryError::BadRange {
                first: range.first,
                last: range.last,
            });
        }
        on_lan("load-balancer range start".into(), range.first, &mut errors);
        on_lan("load-balancer range end".into(), range.last, &mut errors);
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    pub(crate) const SAMPLE: &str = "cluster:\n  name: talos-hub\n  prefixLength: 24\n  gateway: 192.168.1.1\n  nameservers: [192.168.1.1]\n  loadBalancerRange: {first: 192.168.1.240, last: 192.168.1.250}\n  localPathSize: 200GB\nnodes:\n  - {name: n100-cp1, role: controlplane, ip: 192.168.1.178, installDisk: /dev/nvme0n1, nic: enp3s0, vip: 192.168.1.177}\n  - {name: n100-w1, role: worker, ip: 192.168.1.179, installDisk: /dev/nvme0n1, nic: enp3s0}\n";

    fn parse(text: &str) -> Inventory {
        lab_model::input::parse(Path::new("nodes.yaml"), text).unwrap()
    }

    #[test]
    fn sample_is_clean_and_endpoint_is_the_vip() {
        let inv = parse(SAMPLE);
        assert_eq!(inv.check(), vec![]);
        assert_eq!(inv.endpoint().unwrap(), "https://192.168.1.177:6443");
        assert_eq!(inv.lan(), Ipv4Addr::new(192, 168, 1, 0));
    }

    #[test]
    fn without_vip_the_endpoint_is_the_first_control_plane() {
        let inv = parse(&SAMPLE.replace(", vip: 192.168.1.177", ""));
        assert_eq!(inv.endpoint().unwrap(), "https://192.168.1.178:6443");
    }

    #[test]
    fn schema_rejects_unknown_fields_and_bad_roles() {
        let bad = SAMPLE.replace("role: worker", "role: etcd");
        assert!(lab_model::input::parse::<Inventory>(Path::new("n.yaml"), &bad).is_err());
        let bad = SAMPLE.replace("nic: enp3s0}", "nic: enp3s0, token: x}");
        let err = lab_model::input::parse::<Inventory>(Path::new("n.yaml"), &bad).unwrap_err();
        assert!(err.to_string().contains("token"), "{err}");
    }

    #[test]
    fn rules_beyond_the_schema_are_all_reported() {
        let inv = parse(
            &SAMPLE
                .replace("role: controlplane", "role: worker")
                .replace("192.168.1.179", "10.0.0.9")
                .replace("last: 192.168.1.250", "last: 192.168.1.200"),
        );
        let errors = inv.check();
        assert!(errors.contains(&InventoryError::NoControlPlane));
        assert!(errors.contains(&InventoryError::WorkerVip("n100-cp1".into())));
        assert!(errors.iter().any(|e| matches!(e, InventoryError::OffNetwork { addr, .. } if *addr == Ipv4Addr::new(10, 0, 0, 9))));
        assert!(
            errors
                .iter()
                .any(|e| matches!(e, InventoryError::BadRange { .. }))
        );
    }

    #[test]
    fn duplicates_are_found() {
        let inv = parse(
            &SAMPLE
                .replace("n100-w1", "n100-cp1")
                .replace("192.168.1.179", "192.168.1.178"),
        );
        let errors = inv.check();
        assert!(errors.contains(&InventoryError::DuplicateName("n100-cp1".into())));
        assert!(
            errors.contains(&InventoryError::DuplicateAddress(Ipv4Addr::new(
                192, 168, 1, 178
            )))
        );
    }
}

//! `platform/targets/talos/nodes.yaml`: the home-lab machines, checked against the schemars
//! schema on load ([`lab_model::load`]) and then for the rules a schema cannot say
//! ([`Inventory::check`]).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use lab_model::{Field, Input, Problem};
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
    /// DNS servers the nodes use, each once.
    #[schemars(length(min = 1), extend("uniqueItems" = true))]
    pub nameservers: Vec<Ipv4Addr>,
    /// Addresses kube-vip hands to Services of type LoadBalancer: on the node network, clear of
    /// the nodes, the VIP and the gateway.
    pub load_balancer_range: AddressRange,
    /// Size of the volume carved from the system disk for local-path volumes, e.g. `200GB`:
    /// a whole number above zero, without leading zeros, and a unit (MB, GB, TB, MiB, GiB, TiB).
    #[schemars(regex(pattern = r"^[1-9][0-9]*(MB|GB|TB|MiB|GiB|TiB)$"))]
    pub local_path_size: String,
}

/// An inclusive range of IPv4 addresses.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddressRange {
    /// First address of the pool, on the node network.
    pub first: Ipv4Addr,
    /// Last address of the pool (inclusive), at or above `first`.
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
    /// Static IPv4 address of the node on the home network (not its network, broadcast or
    /// gateway address; outside the load-balancer pool).
    pub ip: Ipv4Addr,
    /// Disk Talos installs to, a `/dev/…` path such as `/dev/nvme0n1`.
    #[schemars(regex(pattern = r"^/dev/[a-z0-9_-]+(/[a-z0-9_-]+)*$"))]
    pub install_disk: String,
    /// Name of the network interface, e.g. `enp3s0`.
    #[schemars(regex(pattern = r"^[a-z][a-z0-9._-]{0,14}$"))]
    pub nic: String,
    /// Shared control-plane VIP this node may announce (control-plane nodes only; one VIP for
    /// the cluster, on the node network, outside the load-balancer pool).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vip: Option<Ipv4Addr>,
}

/// A rule of the inventory that the JSON schema cannot express, about one field.
pub type InventoryError = Problem;

/// The home network: its address, prefix and the addresses no machine may take.
struct Lan {
    network: u32,
    prefix: u8,
    broadcast: u32,
    gateway: Ipv4Addr,
}

impl Lan {
    fn of(cluster: &ClusterInput) -> Self {
        let mask = u32::MAX
            .checked_shl(32 - u32::from(cluster.prefix_length))
            .unwrap_or(0);
        let network = u32::from(cluster.gateway) & mask;
        Self {
            network,
            prefix: cluster.prefix_length,
            broadcast: network | !mask,
            gateway: cluster.gateway,
        }
    }

    fn cidr(&self) -> String {
        format!("{}/{}", Ipv4Addr::from(self.network), self.prefix)
    }

    fn expected(&self) -> String {
        format!(
            "a host address of {} other than its network ({}), broadcast ({}) and gateway ({}) \
             addresses",
            self.cidr(),
            Ipv4Addr::from(self.network),
            Ipv4Addr::from(self.broadcast),
            self.gateway
        )
    }

    /// A machine or pool address: inside the network, and not one of its reserved addresses.
    fn host(&self, field: &Field, addr: Ipv4Addr, problems: &mut Vec<Problem>) {
        let a = u32::from(addr);
        let reserved = if a == self.network {
            Some("the network address")
        } else if a == self.broadcast {
            Some("the broadcast address")
        } else if addr == self.gateway {
            Some("the gateway (cluster.gateway)")
        } else {
            None
        };
        if a & !(self.broadcast ^ self.network) != self.network {
            problems.push(Problem::new(
                field.clone(),
                "talos-on-network",
                format!(
                    "`{addr}` is outside the node network {} (cluster.gateway with \
                     cluster.prefixLength); expected {}",
                    self.cidr(),
                    self.expected()
                ),
            ));
        } else if let Some(what) = reserved {
            problems.push(Problem::new(
                field.clone(),
                "talos-reserved-address",
                format!(
                    "`{addr}` is {what} of {}; expected {}",
                    self.cidr(),
                    self.expected()
                ),
            ));
        }
    }
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
        Ipv4Addr::from(Lan::of(&self.cluster).network)
    }

    /// Every rule beyond the schema, all findings at once, each naming its field.
    pub fn check(&self) -> Vec<InventoryError> {
        let mut problems = Vec::new();
        let lan = Lan::of(&self.cluster);
        let gateway = Field::at("cluster").key("gateway");
        let g = u32::from(self.cluster.gateway);
        if g == lan.network || g == lan.broadcast {
            problems.push(Problem::new(
                gateway.clone(),
                "talos-reserved-address",
                format!(
                    "`{}` is the {} address of {}; expected a host address of that network",
                    self.cluster.gateway,
                    if g == lan.network {
                        "network"
                    } else {
                        "broadcast"
                    },
                    lan.cidr()
                ),
            ));
        }
        if !self.nodes.iter().any(|n| n.role == Role::Controlplane) {
            problems.push(Problem::new(
                Field::at("nodes"),
                "talos-control-plane",
                "no node has `role: controlplane`; expected at least one control-plane node",
            ));
        }
        // Who holds each name and address, first come first served.
        let mut names: BTreeMap<&str, Field> = BTreeMap::new();
        let mut addrs: BTreeMap<Ipv4Addr, Field> = BTreeMap::new();
        let mut vip: Option<(Ipv4Addr, Field)> = None;
        for (i, n) in self.nodes.iter().enumerate() {
            let node = Field::at("nodes").index(i);
            let name = node.clone().key("name");
            if let Some(first) = names.get(n.name.as_str()) {
                problems.push(Problem::new(
                    name,
                    "talos-unique-name",
                    format!(
                        "`{}` is already the name of {first}; expected a name no other node has",
                        n.name
                    ),
                ));
            } else {
                names.insert(&n.name, node.clone());
            }
            let ip = node.clone().key("ip");
            lan.host(&ip, n.ip, &mut problems);
            unique(&mut addrs, n.ip, ip, &mut problems);
            let Some(v) = n.vip else { continue };
            let at = node.clone().key("vip");
            if n.role == Role::Worker {
                problems.push(Problem::new(
                    at,
                    "talos-vip-role",
                    format!(
                        "node `{}` is a worker; expected a vip only on control-plane nodes",
                        n.name
                    ),
                ));
                continue;
            }
            match &vip {
                Some((first, where_)) if *first != v => problems.push(Problem::new(
                    at,
                    "talos-one-vip",
                    format!(
                        "`{v}` differs from {where_} (`{first}`); expected one VIP for the \
                         whole cluster"
                    ),
                )),
                Some(_) => {}
                None => {
                    lan.host(&at, v, &mut problems);
                    vip = Some((v, at));
                }
            }
        }
        if let Some((v, at)) = &vip {
            unique(&mut addrs, *v, at.clone(), &mut problems);
        }
        let pool = Field::at("cluster").key("loadBalancerRange");
        let range = &self.cluster.load_balancer_range;
        let (first, last) = (u32::from(range.first), u32::from(range.last));
        lan.host(&pool.clone().key("first"), range.first, &mut problems);
        lan.host(&pool.clone().key("last"), range.last, &mut problems);
        if first > last {
            problems.push(Problem::new(
                pool,
                "talos-pool-range",
                format!(
                    "`{}`–`{}` is reversed; expected first at or below last",
                    range.first, range.last
                ),
            ));
        } else {
            // A pool ending on the gateway is already reported as a reserved address.
            let gateway = std::iter::once((&self.cluster.gateway, &gateway))
                .filter(|(g, _)| **g != range.first && **g != range.last);
            let inside = addrs
                .iter()
                .chain(gateway)
                .filter(|(a, _)| (first..=last).contains(&u32::from(**a)));
            for (addr, holder) in inside {
                problems.push(Problem::new(
                    pool.clone(),
                    "talos-pool-overlap",
                    format!(
                        "`{}`–`{}` contains `{addr}`, which is {holder}; expected a pool clear \
                         of the nodes, the VIP and the gateway",
                        range.first, range.last
                    ),
                ));
            }
        }
        problems
    }
}

/// Records `field` as the holder of `addr`, or reports that another field holds it already.
fn unique(
    addrs: &mut BTreeMap<Ipv4Addr, Field>,
    addr: Ipv4Addr,
    field: Field,
    problems: &mut Vec<Problem>,
) {
    if let Some(first) = addrs.get(&addr) {
        problems.push(Problem::new(
            field,
            "talos-unique-address",
            format!(
                "`{addr}` is already {first}; expected an address no other node or the VIP uses"
            ),
        ));
    } else {
        addrs.insert(addr, field);
    }
}

/// Schema first, then [`Inventory::check`], when loaded through [`lab_model::load`].
impl Input for Inventory {
    fn check(&self) -> Vec<Problem> {
        Inventory::check(self)
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
        assert_eq!(inv.check(), Vec::new());
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

    /// What loading `text` reports: the schema's problems, else [`Inventory::check`]'s.
    fn problems(text: &str) -> Vec<Problem> {
        match lab_model::input::parse::<Inventory>(Path::new("nodes.yaml"), text) {
            Ok(inv) => inv.check(),
            Err(e) => e.problems.into_iter().map(|(p, _)| p).collect(),
        }
    }

    fn rules(text: &str) -> Vec<(String, &'static str)> {
        problems(text)
            .into_iter()
            .map(|p| (p.field.to_string(), p.rule))
            .collect()
    }

    #[test]
    fn rules_beyond_the_schema_are_all_reported() {
        let found = rules(
            &SAMPLE
                .replace("role: controlplane", "role: worker")
                .replace("192.168.1.179", "10.0.0.9")
                .replace("last: 192.168.1.250", "last: 192.168.1.200"),
        );
        for expected in [
            ("nodes", "talos-control-plane"),
            ("nodes[0].vip", "talos-vip-role"),
            ("nodes[1].ip", "talos-on-network"),
            ("cluster.loadBalancerRange", "talos-pool-range"),
        ] {
            assert!(
                found.contains(&(expected.0.to_owned(), expected.1)),
                "{expected:?} in {found:?}"
            );
        }
    }

    #[test]
    fn duplicates_are_found_and_name_the_first_holder() {
        let problems = problems(
            &SAMPLE
                .replace("n100-w1", "n100-cp1")
                .replace("192.168.1.179", "192.168.1.178"),
        );
        let by_rule = |rule: &str| problems.iter().find(|p| p.rule == rule).unwrap();
        assert_eq!(
            by_rule("talos-unique-name").field.to_string(),
            "nodes[1].name"
        );
        let addr = by_rule("talos-unique-address");
        assert_eq!(addr.field.to_string(), "nodes[1].ip");
        assert!(addr.message.contains("nodes[0].ip"), "{}", addr.message);
    }

    #[test]
    fn reserved_addresses_and_pool_overlaps_are_refused() {
        let found = rules(
            &SAMPLE
                .replace("ip: 192.168.1.178", "ip: 192.168.1.1")
                .replace("ip: 192.168.1.179", "ip: 192.168.1.245")
                .replace("vip: 192.168.1.177", "vip: 192.168.1.255"),
        );
        assert!(found.contains(&("nodes[0].ip".into(), "talos-reserved-address")));
        assert!(found.contains(&("nodes[0].vip".into(), "talos-reserved-address")));
        assert!(found.contains(&("cluster.loadBalancerRange".into(), "talos-pool-overlap")));
        // The gateway is also a node here: both the reserved address and the pool say so once.
        let overlaps = found
            .iter()
            .filter(|(_, r)| *r == "talos-pool-overlap")
            .count();
        assert_eq!(overlaps, 1, "{found:?}");
    }
}

//! The corpus: one test a bad input, each a list of `from => to` edits of one real input file.
//! Its snapshot is the whole message the user sees.

use super::{N, S, V, refused};

macro_rules! corpus {
    ($($(#[$doc:meta])* $name:ident: $file:expr, [$($from:expr => $to:expr),+ $(,)?];)+) => {
        /// How many bad inputs the corpus holds.
        pub const COUNT: usize = [$(stringify!($name)),+].len();
        $(
            $(#[$doc])*
            #[test]
            fn $name() {
                insta::assert_snapshot!(refused($file, &[$(($from, $to)),+]));
            }
        )+
    };
}

corpus! {
    // platform/versions.yaml
    image_tag_latest: V, ["tag: v1.2.2" => "tag: latest"];
    image_tag_empty: V, ["tag: v0.0.12" => "tag: \"\""];
    image_tag_unquoted_number: V, ["tag: '4.04'" => "tag: 4.04"];
    image_tag_with_a_space: V, ["tag: v1.13.9" => "tag: v1.13.9 beta"];
    image_registry_port_above_65535: V, ["repository: docker.io/library/node" => "repository: registry.lab.local:65536/library/node"];
    image_registry_port_zero: V, ["repository: docker.io/library/node" => "repository: registry.lab.local:0/library/node"];
    image_without_registry: V, ["repository: docker.io/kindest/node" => "repository: kindest/node"];
    image_upper_case_repository: V, ["docker.io/chrislusf/seaweedfs" => "docker.io/ChrisLusf/seaweedfs"];
    image_digest_too_short: V, ["digest: sha256:099e049362a1526b2db71494e1947aae99bd16290d7c895f2b7ea312e3cbfaed" => "digest: sha256:099e04"];
    image_digest_other_algorithm: V, ["digest: sha256:" => "digest: md5:"];
    image_unknown_field: V, ["tag: v1.36.4\n" => "tag: v1.36.4\n    pullPolicy: Always\n"];
    image_name_typo: V, ["  hello-app:" => "  hello-ap:"];
    image_missing: V, ["  pause:\n    repository: registry.k8s.io/pause\n    tag: \"3.10\"\n" => ""];
    chart_name_typo: V, ["  loki:" => "  lokii:"];
    chart_missing: V, ["  tempo:\n    repository: https://grafana.github.io/helm-charts\n    version: 1.10.3\n" => ""];
    chart_version_range: V, ["version: 6.28.0" => "version: ^6.28.0"];
    chart_version_latest: V, ["version: 10.5.5" => "version: latest"];
    chart_version_unquoted_number: V, ["version: 2.4.0" => "version: 2.4"];
    chart_repository_plain_http: V, ["https://charts.jetstack.io" => "http://charts.jetstack.io"];
    chart_repository_trailing_slash: V, ["https://kyverno.github.io/kyverno" => "https://kyverno.github.io/kyverno/"];
    chart_repository_port_above_65535: V, ["https://charts.crossplane.io/stable" => "https://charts.crossplane.io:70000/stable"];
    chart_repository_label_of_64: V, ["https://charts.jetstack.io" => "https://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.jetstack.io"];
    chart_unknown_field: V, ["version: 0.16.1\n" => "version: 0.16.1\n    digest: sha256:00\n"];
    chart_without_version: V, ["    version: 1.98.4\n" => ""];
    versions_top_level_typo: V, ["images:" => "image:"];
    versions_yaml_syntax: V, ["  headlamp:" => "  headlamp: ["];
    versions_duplicate_chart: V, ["  alloy:" => "  grafana:"];
    // platform/hub/platform.yaml
    base_domain_label_of_64: S, ["baseDomain: lab.local" => "baseDomain: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.local"];
    base_domain_over_253: S, ["baseDomain: lab.local" => "baseDomain: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"];
    base_domain_single_label: S, ["baseDomain: lab.local" => "baseDomain: lab"];
    base_domain_upper_case: S, ["baseDomain: lab.local" => "baseDomain: Lab.Local"];
    base_domain_trailing_dot: S, ["baseDomain: lab.local" => "baseDomain: lab.local."];
    cluster_name_upper_case: S, ["clusterName: hub" => "clusterName: Hub"];
    cluster_name_of_64: S, ["clusterName: hub" => "clusterName: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"];
    repository_not_github: S, ["https://github.com/illMadeCoder/illm-k8s-ai-lab.git" => "https://gitlab.com/illMadeCoder/illm-k8s-ai-lab.git"];
    repository_without_git_suffix: S, ["illm-k8s-ai-lab.git" => "illm-k8s-ai-lab"];
    revision_empty: S, ["revision: main" => "revision: \"\""];
    revision_leading_slash: S, ["revision: main" => "revision: /main"];
    revision_unquoted_number: S, ["revision: main" => "revision: 1.0"];
    tailscale_yes: S, ["tailscale: false" => "tailscale: yes"];
    feature_typo: S, ["tailscale: false" => "tailscale: false\n  tailscal: true"];
    hub_missing: S, ["hub:\n  clusterName: hub\n  baseDomain: lab.local\n" => ""];
    settings_top_level_typo: S, ["features:" => "feature:"];
    settings_yaml_indentation: S, ["  revision: main" => "   revision: main"];
    settings_duplicate_key: S, ["  revision: main" => "  revision: main\n  revision: dev"];
    // platform/targets/talos/nodes.yaml
    node_ip_is_the_gateway: N, ["ip: 192.168.1.178" => "ip: 192.168.1.1"];
    node_ip_is_the_network_address: N, ["ip: 192.168.1.178" => "ip: 192.168.1.0"];
    node_ip_is_the_broadcast_address: N, ["ip: 192.168.1.178" => "ip: 192.168.1.255"];
    node_ip_off_the_network: N, ["ip: 192.168.1.178" => "ip: 10.0.0.5"];
    node_ip_invalid: N, ["ip: 192.168.1.178" => "ip: 192.168.1.300"];
    node_ip_as_cidr: N, ["ip: 192.168.1.178" => "ip: 192.168.1.178/24"];
    node_ip_as_host_name: N, ["ip: 192.168.1.178" => "ip: n100-cp1.lan"];
    node_ip_leading_zero: N, ["ip: 192.168.1.178" => "ip: 192.168.1.078"];
    node_ip_in_the_pool: N, ["ip: 192.168.1.179" => "ip: 192.168.1.245"];
    node_ip_twice: N, ["ip: 192.168.1.179" => "ip: 192.168.1.178"];
    node_ip_missing: N, ["    ip: 192.168.1.179\n" => ""];
    vip_in_the_pool: N, ["vip: 192.168.1.177" => "vip: 192.168.1.240"];
    vip_is_a_node_address: N, ["vip: 192.168.1.177" => "vip: 192.168.1.179"];
    vip_is_the_gateway: N, ["vip: 192.168.1.177" => "vip: 192.168.1.1"];
    vip_on_a_worker: N, ["ip: 192.168.1.179\n" => "ip: 192.168.1.179\n    vip: 192.168.1.177\n"];
    two_vips: N, ["role: worker" => "role: controlplane", "ip: 192.168.1.179\n" => "ip: 192.168.1.179\n    vip: 192.168.1.176\n"];
    no_control_plane: N, ["role: controlplane" => "role: worker", "    vip: 192.168.1.177\n" => ""];
    unknown_role: N, ["role: worker" => "role: etcd"];
    node_name_twice: N, ["name: n100-w1" => "name: n100-cp1"];
    node_name_upper_case: N, ["name: n100-w1" => "name: N100-W1"];
    node_unknown_field: N, ["nic: enp3s0\n    vip" => "nic: enp3s0\n    mac: aa:bb\n    vip"];
    install_disk_not_under_dev: N, ["installDisk: /dev/nvme0n1\n    nic: enp3s0\n    vip" => "installDisk: nvme0n1\n    nic: enp3s0\n    vip"];
    nic_too_long: N, ["nic: enp3s0\n    vip" => "nic: enp3s0-onboard-1\n    vip"];
    pool_holds_the_gateway: N, ["gateway: 192.168.1.1" => "gateway: 192.168.1.245"];
    pool_reversed: N, ["{first: 192.168.1.240, last: 192.168.1.250}" => "{first: 192.168.1.250, last: 192.168.1.240}"];
    pool_off_the_network: N, ["last: 192.168.1.250" => "last: 192.168.2.10"];
    pool_from_the_network_address: N, ["first: 192.168.1.240" => "first: 192.168.1.0"];
    gateway_is_the_network_address: N, ["gateway: 192.168.1.1" => "gateway: 192.168.1.0"];
    prefix_length_fractional: N, ["prefixLength: 24" => "prefixLength: 24.0"];
    prefix_length_leading_zero: N, ["prefixLength: 24" => "prefixLength: 030"];
    prefix_length_above_30: N, ["prefixLength: 24" => "prefixLength: 31"];
    prefix_length_below_8: N, ["prefixLength: 24" => "prefixLength: 7"];
    prefix_length_quoted: N, ["prefixLength: 24" => "prefixLength: \"24\""];
    prefix_length_with_slash: N, ["prefixLength: 24" => "prefixLength: /24"];
    local_path_size_zero: N, ["localPathSize: 200GB" => "localPathSize: 0GB"];
    local_path_size_without_unit: N, ["localPathSize: 200GB" => "localPathSize: 200"];
    local_path_size_leading_zero: N, ["localPathSize: 200GB" => "localPathSize: 0200GB"];
    local_path_size_lower_case_unit: N, ["localPathSize: 200GB" => "localPathSize: 200gb"];
    nameserver_twice: N, ["nameservers: [192.168.1.1]" => "nameservers: [192.168.1.1, 192.168.1.1]"];
    nameservers_empty: N, ["nameservers: [192.168.1.1]" => "nameservers: []"];
    cluster_name_underscore: N, ["name: talos-hub" => "name: talos_hub"];
    nodes_yaml_syntax: N, ["nameservers: [192.168.1.1]" => "nameservers: [192.168.1.1"];
    nodes_duplicate_key: N, ["prefixLength: 24" => "prefixLength: 24\n  prefixLength: 25"];
}

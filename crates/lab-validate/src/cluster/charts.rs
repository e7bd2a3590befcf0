//! What each pinned chart puts on a cluster that the rules need to know: the API groups and
//! versions of the CRDs it installs, the storage classes it creates, the Services it runs.
//!
//! Data, read from each chart at the version named here (its `crds/` or templates and its
//! default values). A chart pinned at another version is a finding of `crd-installed`
//! until this table is checked against it, so a Renovate bump cannot silently outgrow it.

use serde_json::Value;

/// A CRD group a chart installs, with the versions it serves; `kinds` empty = every kind.
pub(crate) struct Group {
    pub group: &'static str,
    pub versions: &'static [&'static str],
    pub kinds: &'static [&'static str],
}

/// A custom resource a chart renders when a values flag is `true` (its own ServiceMonitor,
/// say): the CRD must be on the cluster before the chart syncs.
pub(crate) struct Renders {
    /// JSON pointer of the values flag.
    pub flag: &'static str,
    pub group: &'static str,
    pub kind: &'static str,
}

const fn monitor(flag: &'static str) -> Renders {
    Renders {
        flag,
        group: "monitoring.coreos.com",
        kind: "ServiceMonitor",
    }
}

/// A Service a chart runs: `{}` stands for the release's full name.
pub(crate) struct Service {
    pub name: &'static str,
    pub ports: &'static [u16],
}

pub(crate) struct Chart {
    pub chart: &'static str,
    /// The version this entry was read from.
    pub version: &'static str,
    /// What the chart's `fullname` helper looks for in the release name (release name alone
    /// when it contains this, else `<release>-<this>`), unless `fullnameOverride` is set.
    pub base: &'static str,
    /// JSON pointer of a values flag that must be `true` for the CRDs to be installed.
    pub crds_flag: Option<&'static str>,
    pub groups: &'static [Group],
    pub storage_classes: &'static [&'static str],
    pub services: &'static [Service],
    pub renders: &'static [Renders],
}

const fn g(
    group: &'static str,
    versions: &'static [&'static str],
    kinds: &'static [&'static str],
) -> Group {
    Group {
        group,
        versions,
        kinds,
    }
}

const fn s(name: &'static str, ports: &'static [u16]) -> Service {
    Service { name, ports }
}

const fn chart(chart: &'static str, version: &'static str, base: &'static str) -> Chart {
    Chart {
        chart,
        version,
        base,
        crds_flag: None,
        groups: &[],
        storage_classes: &[],
        services: &[],
        renders: &[],
    }
}

pub(crate) const CHARTS: &[Chart] = &[
    Chart {
        groups: &[g(
            "argoproj.io",
            &["v1alpha1"],
            &["Application", "ApplicationSet", "AppProject"],
        )],
        services: &[s("{}-server", &[80, 443]), s("{}-repo-server", &[8081])],
        ..chart("argo-cd", "9.6.0", "argocd")
    },
    Chart {
        groups: &[g(
            "argoproj.io",
            &["v1alpha1"],
            &[
                "Workflow",
                "WorkflowTemplate",
                "ClusterWorkflowTemplate",
                "CronWorkflow",
                "WorkflowEventBinding",
                "WorkflowTaskSet",
                "WorkflowTaskResult",
                "WorkflowArtifactGCTask",
            ],
        )],
        services: &[s("{}-server", &[2746])],
        ..chart("argo-workflows", "0.47.5", "argo-workflows")
    },
    Chart {
        groups: &[g("argocd-image-updater.argoproj.io", &["v1alpha1"], &[])],
        ..chart("argocd-image-updater", "1.0.5", "argocd-image-updater")
    },
    Chart {
        crds_flag: Some("/crds/enabled"),
        groups: &[
            g("cert-manager.io", &["v1"], &[]),
            g("acme.cert-manager.io", &["v1"], &[]),
        ],
        ..chart("cert-manager", "v1.21.1", "cert-manager")
    },
    Chart {
        groups: &[
            g(
                "apiextensions.crossplane.io",
                &["v1", "v1alpha1", "v1beta1", "v2"],
                &[],
            ),
            g("pkg.crossplane.io", &["v1", "v1beta1"], &[]),
            g("protection.crossplane.io", &["v1beta1"], &[]),
            g("ops.crossplane.io", &["v1alpha1"], &[]),
        ],
        ..chart("crossplane", "2.3.4", "crossplane")
    },
    Chart {
        crds_flag: Some("/installCRDs"),
        groups: &[
            g("external-secrets.io", &["v1", "v1alpha1"], &[]),
            g("generators.external-secrets.io", &["v1alpha1"], &[]),
        ],
        ..chart("external-secrets", "2.9.0", "external-secrets")
    },
    Chart {
        services: &[s("{}", &[80])],
        ..chart("headlamp", "0.43.0", "headlamp")
    },
    chart("k8s-gateway", "2.4.0", "k8s-gateway"),
    Chart {
        groups: &[
            g("kyverno.io", &["v1", "v2", "v2alpha1", "v2beta1"], &[]),
            // From the chart's kyverno-api dependency (a chart outside the kyverno repository),
            // which ships the app's CRDs: read from config/crds at the app's tag v1.19.0.
            g("policies.kyverno.io", &["v1", "v1alpha1", "v1beta1"], &[]),
            g("reports.kyverno.io", &["v1"], &[]),
            g("wgpolicyk8s.io", &["v1alpha2"], &[]),
        ],
        renders: &[
            monitor("/admissionController/serviceMonitor/enabled"),
            monitor("/backgroundController/serviceMonitor/enabled"),
            monitor("/cleanupController/serviceMonitor/enabled"),
            monitor("/reportsController/serviceMonitor/enabled"),
        ],
        ..chart("kyverno", "3.9.0", "kyverno")
    },
    Chart {
        groups: &[g("metallb.io", &["v1beta1", "v1beta2"], &[])],
        ..chart("metallb", "0.16.1", "metallb")
    },
    chart("metrics-server", "3.14.0", "metrics-server"),
    Chart {
        services: &[s("{}", &[8200, 8201]), s("{}-ui", &[8200])],
        ..chart("openbao", "0.19.1", "openbao")
    },
    Chart {
        groups: &[g("k6.io", &["v1alpha1"], &[])],
        ..chart("k6-operator", "4.1.1", "k6-operator")
    },
    Chart {
        groups: &[g("pyrra.dev", &["v1alpha1"], &["ServiceLevelObjective"])],
        services: &[s("{}", &[9099])],
        ..chart("pyrra", "0.12.0", "pyrra")
    },
    Chart {
        groups: &[g("monitoring.coreos.com", &["v1", "v1alpha1"], &[])],
        ..chart(
            "prometheus-operator-crds",
            "31.0.0",
            "prometheus-operator-crds",
        )
    },
    Chart {
        // The chart's crds/ folder carries the Gateway API standard channel.
        groups: &[
            g("traefik.io", &["v1alpha1"], &[]),
            g(
                "gateway.networking.k8s.io",
                &["v1", "v1beta1", "v1alpha2"],
                &[],
            ),
        ],
        services: &[s("{}", &[80, 443])],
        ..chart("traefik", "37.3.0", "traefik")
    },
    Chart {
        // The crds subchart (condition crds.enabled, on by default) carries the Gateway API
        // experimental channel beside Envoy Gateway's own CRDs.
        groups: &[
            g("gateway.envoyproxy.io", &["v1alpha1"], &[]),
            g(
                "gateway.networking.k8s.io",
                &["v1", "v1beta1", "v1alpha2", "v1alpha3"],
                &[],
            ),
            g("gateway.networking.x-k8s.io", &["v1alpha1"], &[]),
        ],
        services: &[s("envoy-gateway", &[18000, 18001, 18002, 19001])],
        ..chart("gateway-helm", "v1.9.0", "gateway-helm")
    },
    Chart {
        // Its own CRDs only: the Gateway API CRDs come from another chart.
        groups: &[g("gateway.nginx.org", &["v1alpha1", "v1alpha2"], &[])],
        ..chart("nginx-gateway-fabric", "2.6.7", "nginx-gateway-fabric")
    },
    Chart {
        crds_flag: Some("/crds/create"),
        groups: &[g("monitoring.grafana.com", &["v1alpha1"], &["PodLogs"])],
        services: &[s("{}", &[12345])],
        ..chart("alloy", "1.5.3", "alloy")
    },
    Chart {
        services: &[s("{}", &[80])],
        renders: &[monitor("/serviceMonitor/enabled")],
        ..chart("grafana", "10.5.5", "grafana")
    },
    Chart {
        groups: &[g("monitoring.coreos.com", &["v1", "v1alpha1"], &[])],
        services: &[s("{}-prometheus", &[9090]), s("{}-alertmanager", &[9093])],
        ..chart("kube-prometheus-stack", "79.9.0", "kube-prometheus-stack")
    },
    Chart {
        services: &[s("{}-gateway", &[80]), s("{}", &[3100])],
        renders: &[monitor("/monitoring/serviceMonitor/enabled")],
        ..chart("loki", "6.28.0", "loki")
    },
    Chart {
        services: &[
            s("{}-gateway", &[80]),
            s("{}-distributor", &[8080]),
            s("{}-query-frontend", &[8080]),
            s("{}-ruler", &[8080]),
        ],
        renders: &[monitor("/metaMonitoring/serviceMonitor/enabled")],
        ..chart("mimir-distributed", "5.6.0", "mimir")
    },
    Chart {
        services: &[s("{}", &[4317, 4318, 6831, 14250, 14268, 9411])],
        ..chart(
            "opentelemetry-collector",
            "0.140.0",
            "opentelemetry-collector",
        )
    },
    Chart {
        services: &[
            s("{}-s3", &[8333]),
            s("{}-master", &[9333, 19333]),
            s("{}-filer", &[8888, 18888]),
            s("{}-volume", &[8080, 18080]),
        ],
        renders: &[monitor("/global/monitoring/enabled")],
        ..chart("seaweedfs", "4.0.404", "seaweedfs")
    },
    Chart {
        services: &[s("{}", &[3100, 4317, 4318, 9411, 14268, 14250])],
        renders: &[monitor("/serviceMonitor/enabled")],
        ..chart("tempo", "1.10.3", "tempo")
    },
    Chart {
        // The eck-operator-crds subchart, switched by `installCRDs`.
        crds_flag: Some("/installCRDs"),
        groups: &[
            g("agent.k8s.elastic.co", &["v1alpha1"], &[]),
            g("apm.k8s.elastic.co", &["v1", "v1beta1"], &[]),
            g("autoscaling.k8s.elastic.co", &["v1alpha1"], &[]),
            g("beat.k8s.elastic.co", &["v1beta1"], &[]),
            g("elasticsearch.k8s.elastic.co", &["v1", "v1beta1"], &[]),
            g("enterprisesearch.k8s.elastic.co", &["v1", "v1beta1"], &[]),
            g("kibana.k8s.elastic.co", &["v1", "v1beta1"], &[]),
            g("logstash.k8s.elastic.co", &["v1alpha1"], &[]),
            g("maps.k8s.elastic.co", &["v1alpha1"], &[]),
            g("stackconfigpolicy.k8s.elastic.co", &["v1alpha1"], &[]),
        ],
        ..chart("eck-operator", "3.2.0", "eck-operator")
    },
    Chart {
        // The operator runs the Services of what the chart renders; the Elasticsearch is
        // named by the subchart's fullnameOverride, `elasticsearch` by default.
        services: &[s("elasticsearch-es-http", &[9200])],
        renders: &[
            Renders {
                flag: "/eck-elasticsearch/enabled",
                group: "elasticsearch.k8s.elastic.co",
                kind: "Elasticsearch",
            },
            Renders {
                flag: "/eck-kibana/enabled",
                group: "kibana.k8s.elastic.co",
                kind: "Kibana",
            },
        ],
        ..chart("eck-stack", "0.17.0", "eck-stack")
    },
    Chart {
        services: &[s("{}", &[2020])],
        renders: &[monitor("/serviceMonitor/enabled")],
        ..chart("fluent-bit", "0.48.0", "fluent-bit")
    },
    Chart {
        services: &[s(
            "{}",
            &[4317, 4318, 8888, 9411, 14250, 14268, 16685, 16686],
        )],
        ..chart("jaeger", "4.11.1", "jaeger")
    },
    Chart {
        // The server's name ignores the top-level fullnameOverride.
        services: &[s("{}-server", &[8428])],
        renders: &[monitor("/server/serviceMonitor/enabled")],
        ..chart(
            "victoria-metrics-single",
            "0.12.2",
            "victoria-metrics-single",
        )
    },
    Chart {
        groups: &[g("tailscale.com", &["v1alpha1"], &[])],
        ..chart("tailscale-operator", "1.98.4", "tailscale-operator")
    },
];

pub(crate) fn find(name: &str) -> Option<&'static Chart> {
    CHARTS.iter().find(|c| c.chart == name)
}

impl Chart {
    /// The groups the chart installs given its values (a CRD flag may switch them off).
    pub fn installed(&self, values: &[&Value]) -> &'static [Group] {
        match self.crds_flag {
            Some(flag)
                if !values
                    .iter()
                    .any(|v| v.pointer(flag) == Some(&Value::Bool(true))) =>
            {
                &[]
            }
            _ => self.groups,
        }
    }

    /// The custom resources the chart renders given its values.
    pub fn rendered<'c>(&'c self, values: &'c [&Value]) -> impl Iterator<Item = &'c Renders> {
        self.renders.iter().filter(|r| {
            values
                .iter()
                .any(|v| v.pointer(r.flag) == Some(&Value::Bool(true)))
        })
    }

    /// The chart's full name for a release (Helm's `fullname` convention).
    pub fn fullname(&self, release: &str, values: &[&Value]) -> String {
        if let Some(name) = values
            .iter()
            .find_map(|v| v.get("fullnameOverride").and_then(Value::as_str))
        {
            return name.to_owned();
        }
        if release.contains(self.base) {
            release.to_owned()
        } else {
            format!("{release}-{}", self.base)
        }
    }
}

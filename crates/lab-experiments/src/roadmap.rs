//! The learner's roadmap: sixteen phases, in the order a learner takes them. This list is the
//! one source of the phases: an experiment's `phase` is an index into it, `docs/roadmap/` has
//! one prose page per phase (a test holds them to this list), and each phase's table and status
//! are rendered from the experiments that name it, so the roadmap cannot drift from them.

use crate::Experiment;

/// Where the hand-written roadmap pages live, relative to the repository root.
pub const ROADMAP_DIR: &str = "docs/roadmap";

/// One phase of the roadmap.
#[derive(Debug)]
pub struct Phase {
    /// 1–16: the `phase` of an experiment.
    pub number: u8,
    /// File-name part of its page, e.g. `observability`.
    pub slug: &'static str,
    pub title: &'static str,
    /// What the learner is after, in one sentence.
    pub goal: &'static str,
    /// The experiments the phase is meant to have, by the folder name each will get. A phase
    /// is complete when every one of them exists.
    pub planned: &'static [Planned],
}

/// An experiment a phase is meant to have.
#[derive(Debug)]
pub struct Planned {
    /// Its folder name under `experiments/` once written.
    pub name: &'static str,
    /// What it will teach, in a few words.
    pub what: &'static str,
}

impl Phase {
    /// Its prose page, e.g. `docs/roadmap/phase-03-observability.md`.
    pub fn page(&self) -> String {
        format!("{ROADMAP_DIR}/phase-{:02}-{}.md", self.number, self.slug)
    }

    /// The page's first heading, `Phase 3: Observability`.
    pub fn heading(&self) -> String {
        format!("Phase {}: {}", self.number, self.title)
    }
}

const fn p(name: &'static str, what: &'static str) -> Planned {
    Planned { name, what }
}

/// The phases, numbered from 1 in order.
pub const PHASES: [Phase; 16] = [
    Phase {
        number: 1,
        slug: "platform-bootstrap",
        title: "Platform bootstrap and GitOps",
        goal: "Stand up the hub from one command and understand how a rendered tree becomes a running cluster.",
        planned: &[
            p(
                "hello-app",
                "the whole experiment lifecycle on the smallest app",
            ),
            p(
                "gitops-tutorial",
                "app-of-apps, derived waves, drift and self-heal",
            ),
            p(
                "crossplane-fundamentals",
                "claim a cluster through one ExperimentCluster API",
            ),
            p("talos-home-lab", "an immutable OS for the hardware lab"),
        ],
    },
    Phase {
        number: 2,
        slug: "cicd-supply-chain",
        title: "CI/CD and supply chain",
        goal: "Ship an image from a commit to the cluster with proof of where it came from.",
        planned: &[
            p(
                "supply-chain-pipeline",
                "build, SBOM, scan and provenance in one pipeline",
            ),
            p(
                "image-signing",
                "keyless signatures and admission that verifies them",
            ),
            p(
                "image-promotion",
                "tags, digests and the Image Updater's write-back",
            ),
        ],
    },
    Phase {
        number: 3,
        slug: "observability",
        title: "Observability",
        goal: "Answer what a system is doing from its metrics, logs and traces, and say when it is failing its users.",
        planned: &[
            p(
                "prometheus-tutorial",
                "scraping, PromQL, alerts and dashboards",
            ),
            p("loki-tutorial", "LogQL from selectors to metric queries"),
            p("otel-tutorial", "one trace across three services"),
            p("slo-tutorial", "error budgets and burn-rate alerts"),
            p("telemetry-cost", "cardinality and retention as a bill"),
        ],
    },
    Phase {
        number: 4,
        slug: "traffic-management",
        title: "Traffic management",
        goal: "Route, split and protect HTTP and gRPC traffic with the Gateway API.",
        planned: &[
            p("gateway-tutorial", "from Ingress to Gateway API routes"),
            p(
                "gateway-comparison",
                "three gateway implementations side by side",
            ),
            p(
                "cloud-gateway-comparison",
                "a managed gateway against an in-cluster one",
            ),
        ],
    },
    Phase {
        number: 5,
        slug: "deployment-strategies",
        title: "Deployment strategies",
        goal: "Release a new version without users noticing, and roll back before they do.",
        planned: &[
            p(
                "rolling-update",
                "surge, unavailability and readiness gates",
            ),
            p("blue-green", "two full stacks and one switch"),
            p("canary-analysis", "progressive delivery gated by metrics"),
        ],
    },
    Phase {
        number: 6,
        slug: "data-persistence",
        title: "Data and persistence",
        goal: "Run stateful services on Kubernetes and get their data back after a loss.",
        planned: &[
            p(
                "postgres-operator",
                "a replicated PostgreSQL with an operator",
            ),
            p("redis-operator", "a cache with failover"),
            p(
                "backup-restore",
                "restore drills with measured recovery time",
            ),
            p("schema-migrations", "changing a schema under live traffic"),
        ],
    },
    Phase {
        number: 7,
        slug: "security-policy",
        title: "Security and policy",
        goal: "Decide what may run, what it may reach and which secrets it may read, and prove it.",
        planned: &[
            p("tls-cert-manager", "issuers, certificates and trust"),
            p(
                "secrets-openbao",
                "secrets from OpenBao through External Secrets",
            ),
            p("admission-policy", "Kyverno rules that refuse bad objects"),
            p(
                "pod-security-rbac",
                "Pod Security levels and least-privilege RBAC",
            ),
            p(
                "network-policy",
                "default deny and the flows that are allowed",
            ),
        ],
    },
    Phase {
        number: 8,
        slug: "service-mesh",
        title: "Service mesh",
        goal: "Judge what a mesh adds (mTLS, retries, traffic shifting) against what it costs.",
        planned: &[
            p("mesh-decision", "when a mesh pays for itself"),
            p("istio-ambient", "Istio without sidecars"),
            p("linkerd-tutorial", "a small mesh and its golden metrics"),
            p("cilium-mesh", "eBPF networking as a mesh"),
        ],
    },
    Phase {
        number: 9,
        slug: "messaging-events",
        title: "Messaging and events",
        goal: "Decouple services with queues and streams and know which delivery guarantee each gives.",
        planned: &[
            p("kafka-strimzi", "partitions, consumer groups and lag"),
            p(
                "rabbitmq-operator",
                "queues, acknowledgements and dead letters",
            ),
            p("nats-jetstream", "lightweight streams and replay"),
        ],
    },
    Phase {
        number: 10,
        slug: "autoscaling-resources",
        title: "Autoscaling and resources",
        goal: "Size workloads from measurements and let the cluster follow the load.",
        planned: &[
            p("hpa-deep-dive", "scaling on CPU and custom metrics"),
            p(
                "keda-event-scaling",
                "scaling on queue length, down to zero",
            ),
            p("vpa-right-sizing", "requests from observed usage"),
            p(
                "cluster-autoscaling",
                "nodes that come and go with pending pods",
            ),
        ],
    },
    Phase {
        number: 11,
        slug: "multi-cluster-dr",
        title: "Multi-cluster and disaster recovery",
        goal: "Run the same workload on several clusters and recover a lost one from git and backups.",
        planned: &[
            p("multi-cluster-gitops", "one hub, several targets, one tree"),
            p(
                "cluster-backup",
                "backups of objects and volumes, restored elsewhere",
            ),
            p("failover-drill", "moving traffic when a cluster is gone"),
        ],
    },
    Phase {
        number: 12,
        slug: "chaos-engineering",
        title: "Chaos engineering",
        goal: "Break things on purpose, in a controlled way, and check the system degrades as designed.",
        planned: &[
            p("pod-chaos", "killed pods against the SLO"),
            p("network-chaos", "latency, loss and partitions"),
            p("game-day", "a scripted incident, end to end"),
        ],
    },
    Phase {
        number: 13,
        slug: "workflow-automation",
        title: "Workflow automation",
        goal: "Automate multi-step operations with workflows that retry, wait and clean up after themselves.",
        planned: &[
            p(
                "workflow-patterns",
                "DAGs, retries, exit handlers and artifacts",
            ),
            p(
                "event-triggers",
                "workflows started by webhooks and messages",
            ),
        ],
    },
    Phase {
        number: 14,
        slug: "developer-platform",
        title: "Developer platform",
        goal: "Turn the lab's building blocks into self-service paths other developers can use.",
        planned: &[
            p("developer-portal", "a catalog of services and their owners"),
            p(
                "golden-path",
                "a template from repository to running service",
            ),
            p(
                "self-service-cluster",
                "a cluster on request through a claim",
            ),
        ],
    },
    Phase {
        number: 15,
        slug: "performance-cost",
        title: "Performance and cost engineering",
        goal: "Measure before changing, compare alternatives under the same load, and put a price on each.",
        planned: &[
            p("http-baseline", "a RED baseline under steady load"),
            p(
                "database-benchmark",
                "databases compared under one workload",
            ),
            p("mesh-overhead", "latency and CPU a mesh adds"),
            p("cost-allocation", "what each namespace costs"),
        ],
    },
    Phase {
        number: 16,
        slug: "ai-mlops",
        title: "AI/MLOps on Kubernetes",
        goal: "Serve, scale and observe models on Kubernetes with the platform built in the earlier phases.",
        planned: &[
            p("model-serving", "an inference service with autoscaling"),
            p("gpu-scheduling", "sharing accelerators between workloads"),
            p("ml-pipeline", "training to serving as a workflow"),
            p(
                "llm-inference",
                "token throughput, latency and cost per request",
            ),
        ],
    },
];

/// The phase numbered `number`, if there is one.
pub fn phase(number: u8) -> Option<&'static Phase> {
    PHASES.iter().find(|p| p.number == number)
}

/// How far a phase is, judged by the experiments whose spec names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// No experiment names the phase yet.
    Planned,
    /// Some experiments name it; some of the planned ones do not exist yet.
    InProgress,
    /// Experiments name it and every planned one exists.
    Available,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Planned => "planned",
            Status::InProgress => "in progress",
            Status::Available => "available",
        }
    }
}

/// One phase against the experiments that exist.
#[derive(Debug)]
pub struct Progress<'a> {
    pub phase: &'static Phase,
    /// The experiments whose spec names this phase, sorted by name.
    pub written: Vec<&'a Experiment>,
    /// The planned experiments that no spec of this phase is (not written yet).
    pub missing: Vec<&'static Planned>,
}

impl Progress<'_> {
    pub fn status(&self) -> Status {
        if self.written.is_empty() {
            Status::Planned
        } else if self.missing.is_empty() {
            Status::Available
        } else {
            Status::InProgress
        }
    }

    /// The status in words, with the counts it is judged by: `planned: no experiment yet,
    /// 3 planned`, `in progress: 2 experiments, 2 more planned`, `available: 5 experiments`.
    pub fn status_text(&self) -> String {
        let n = self.written.len();
        let experiments = match n {
            1 => "1 experiment".to_owned(),
            n => format!("{n} experiments"),
        };
        match self.status() {
            Status::Planned => format!(
                "{}: no experiment yet, {} planned",
                Status::Planned.as_str(),
                self.phase.planned.len()
            ),
            Status::InProgress => format!(
                "{}: {experiments}, {} more planned",
                Status::InProgress.as_str(),
                self.missing.len()
            ),
            Status::Available => format!("{}: {experiments}", Status::Available.as_str()),
        }
    }
}

/// Every phase, in order, with the experiments that name it.
pub fn progress(experiments: &[Experiment]) -> Vec<Progress<'_>> {
    PHASES
        .iter()
        .map(|phase| {
            let mut written: Vec<&Experiment> = experiments
                .iter()
                .filter(|e| e.spec.phase == phase.number)
                .collect();
            written.sort_by(|a, b| a.name.cmp(&b.name));
            let missing = phase
                .planned
                .iter()
                .filter(|p| !written.iter().any(|e| e.name == p.name))
                .collect();
            Progress {
                phase,
                written,
                missing,
            }
        })
        .collect()
}

/// Planned experiments that exist but whose spec names another phase than the one that plans
/// them: (the experiment, the planning phase, the spec's phase).
pub fn misplaced(experiments: &[Experiment]) -> Vec<(&Experiment, u8, u8)> {
    PHASES
        .iter()
        .flat_map(|phase| {
            phase.planned.iter().filter_map(move |p| {
                let e = experiments.iter().find(|e| e.name == p.name)?;
                (e.spec.phase != phase.number).then_some((e, phase.number, e.spec.phase))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn phases_are_numbered_in_order_and_match_the_spec_schema() {
        for (i, phase) in PHASES.iter().enumerate() {
            assert_eq!(usize::from(phase.number), i + 1, "{phase:?}");
            assert!(
                !phase.planned.is_empty(),
                "phase {} plans nothing",
                phase.number
            );
        }
        // The spec's `phase` is an index into this list: its range must be the list's.
        let schema = crate::schema();
        let range = &schema["properties"]["phase"];
        assert_eq!(range["minimum"], 1, "{range}");
        assert_eq!(range["maximum"], PHASES.len(), "{range}");
    }

    #[test]
    fn slugs_and_planned_names_are_unique() {
        let mut slugs = BTreeSet::new();
        let mut names = BTreeSet::new();
        for phase in &PHASES {
            assert!(slugs.insert(phase.slug), "slug {} twice", phase.slug);
            for planned in phase.planned {
                assert!(names.insert(planned.name), "{} planned twice", planned.name);
                lab_core::NameRule::Label.check(planned.name).unwrap();
            }
        }
        assert_eq!(
            phase(3).unwrap().page(),
            "docs/roadmap/phase-03-observability.md"
        );
        assert!(phase(17).is_none());
    }
}

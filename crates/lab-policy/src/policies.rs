//! The lab's Kyverno ClusterPolicies, one builder each, and the PolicyExceptions that let the
//! lab's own components through where a baseline rule cannot hold for them.
//!
//! Every rule sets its own `failureAction` (the policy-wide `validationFailureAction` is
//! deprecated since Kyverno 1.13). What is enforced and what is only audited:
//! - Enforce: signatures on the lab's own images, no `:latest`/untagged images, Pod Security
//!   baseline. Breaking these is a security problem, never a style problem.
//! - Audit: requests/limits, standard labels, probes. Upstream charts miss them often; a
//!   learning lab reports them in PolicyReports instead of refusing whole charts.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use lab_crds::kyverno_io::clusterpolicies::*;
use lab_crds::kyverno_io::policyexceptions::*;
use lab_model::Settings;
use serde_json::{Value, json};

/// The namespace Kyverno runs in; its PolicyExceptions live there too.
pub const KYVERNO_NAMESPACE: &str = lab_kit::namespaces::KYVERNO;
/// Namespaces no policy looks at: the control plane and Kyverno itself.
pub const SYSTEM_NAMESPACES: [&str; 2] = ["kube-system", KYVERNO_NAMESPACE];
/// Who issues the OIDC tokens GitHub Actions signs with.
pub const GITHUB_OIDC_ISSUER: &str = "https://token.actions.githubusercontent.com";
/// The public Sigstore transparency log.
pub const REKOR_URL: &str = "https://rekor.sigstore.dev";
/// The workflow that builds and signs the demo images; its identity is in every certificate.
pub const BUILD_WORKFLOW: &str = ".github/workflows/build-components.yaml";
/// in-toto predicate type of an SPDX SBOM attestation (`cosign attest --type spdxjson`).
pub const SPDX_PREDICATE: &str = "https://spdx.dev/Document";

pub const VERIFY_IMAGE_SIGNATURE: &str = "verify-image-signature";
pub const DISALLOW_LATEST_TAG: &str = "disallow-latest-tag";
pub const REQUIRE_REQUESTS_LIMITS: &str = "require-requests-limits";
pub const REQUIRE_STANDARD_LABELS: &str = "require-standard-labels";
pub const POD_SECURITY_BASELINE: &str = "pod-security-baseline";
pub const REQUIRE_PROBES: &str = "require-probes";

/// The labels every workload must carry (Kubernetes recommended labels).
pub const STANDARD_LABELS: [&str; 2] = ["app.kubernetes.io/name", "app.kubernetes.io/part-of"];

/// The certificate subject of the build workflow on the followed branch: GitHub writes the
/// repository URL as the owner spelled it, so it is taken from the settings, not the slug.
pub fn build_workflow_identity(settings: &Settings) -> String {
    let repo = &settings.repository;
    let base = repo.url.trim_end_matches(".git");
    format!("{base}/{BUILD_WORKFLOW}@refs/heads/{}", repo.revision)
}

/// Whether an action is enforced or audited; one type for both rule kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Enforce,
    Audit,
}

impl Action {
    fn validate(self) -> ClusterPolicyRulesValidateFailureAction {
        match self {
            Action::Enforce => ClusterPolicyRulesValidateFailureAction::Enforce,
            Action::Audit => ClusterPolicyRulesValidateFailureAction::Audit,
        }
    }
}

/// All ClusterPolicies of the lab, in a stable order.
pub fn cluster_policies(settings: &Settings) -> Vec<ClusterPolicy> {
    vec![
        verify_image_signature(settings),
        disallow_latest_tag(),
        require_requests_limits(),
        require_standard_labels(),
        pod_security_baseline(),
        require_probes(),
    ]
}

struct About {
    title: &'static str,
    category: &'static str,
    severity: &'static str,
    description: &'static str,
}

fn policy(
    name: &str,
    about: About,
    background: bool,
    rules: Vec<ClusterPolicyRules>,
) -> ClusterPolicy {
    let mut p = ClusterPolicy::new(
        name,
        ClusterPolicySpec {
            background: Some(background),
            rules: Some(rules),
            ..Default::default()
        },
    );
    p.metadata.annotations = Some(BTreeMap::from([
        (
            "policies.kyverno.io/title".to_owned(),
            about.title.to_owned(),
        ),
        (
            "policies.kyverno.io/category".to_owned(),
            about.category.to_owned(),
        ),
        (
            "policies.kyverno.io/severity".to_owned(),
            about.severity.to_owned(),
        ),
        ("policies.kyverno.io/subject".to_owned(), "Pod".to_owned()),
        (
            "policies.kyverno.io/description".to_owned(),
            about.description.to_owned(),
        ),
    ]));
    p
}

/// A rule on Pods (Kyverno auto-generates the Deployment, StatefulSet, Job… variants) outside
/// the system namespaces.
fn pod_rule(name: &str) -> ClusterPolicyRules {
    ClusterPolicyRules {
        name: name.to_owned(),
        r#match: ClusterPolicyRulesMatch {
            any: Some(vec![ClusterPolicyRulesMatchAny {
                resources: Some(ClusterPolicyRulesMatchAnyResources {
                    kinds: Some(vec!["Pod".to_owned()]),
                    ..Default::default()
                }),
                ..Default::default()
            }]),
            ..Default::default()
        },
        exclude: Some(ClusterPolicyRulesExclude {
            any: Some(vec![ClusterPolicyRulesExcludeAny {
                resources: Some(ClusterPolicyRulesExcludeAnyResources {
                    namespaces: Some(SYSTEM_NAMESPACES.map(str::to_owned).to_vec()),
                    ..Default::default()
                }),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A rule validating Pods against a pattern applied to every container kind.
fn pattern_rule(name: &str, action: Action, message: &str, container: Value) -> ClusterPolicyRules {
    ClusterPolicyRules {
        validate: Some(ClusterPolicyRulesValidate {
            failure_action: Some(action.validate()),
            message: Some(message.to_owned()),
            pattern: Some(containers_pattern(container)),
            ..Default::default()
        }),
        ..pod_rule(name)
    }
}

/// `spec.containers` must match; init and ephemeral containers must match when present.
fn containers_pattern(container: Value) -> Value {
    json!({
        "spec": {
            "=(ephemeralContainers)": [container.clone()],
            "=(initContainers)": [container.clone()],
            "containers": [container],
        }
    })
}

/// Keyless Cosign verification of the lab's own images: signed by this repository's build
/// workflow through GitHub OIDC, logged in Rekor, with an SPDX SBOM attested the same way;
/// tags are rewritten to the verified digest.
pub fn verify_image_signature(settings: &Settings) -> ClusterPolicy {
    let keyless = ClusterPolicyRulesVerifyImagesAttestorsEntriesKeyless {
        issuer: Some(GITHUB_OIDC_ISSUER.to_owned()),
        subject: Some(build_workflow_identity(settings)),
        rekor: Some(ClusterPolicyRulesVerifyImagesAttestorsEntriesKeylessRekor {
            url: Some(REKOR_URL.to_owned()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let sbom_keyless = ClusterPolicyRulesVerifyImagesAttestationsAttestorsEntriesKeyless {
        issuer: keyless.issuer.clone(),
        subject: keyless.subject.clone(),
        rekor: Some(
            ClusterPolicyRulesVerifyImagesAttestationsAttestorsEntriesKeylessRekor {
                url: Some(REKOR_URL.to_owned()),
                ..Default::default()
            },
        ),
        ..Default::default()
    };
    let rule = ClusterPolicyRules {
        verify_images: Some(vec![ClusterPolicyRulesVerifyImages {
            image_references: Some(vec![format!("{}*", settings.repository.image_prefix())]),
            r#type: Some(ClusterPolicyRulesVerifyImagesType::Cosign),
            failure_action: Some(ClusterPolicyRulesVerifyImagesFailureAction::Enforce),
            mutate_digest: Some(true),
            verify_digest: Some(true),
            required: Some(true),
            attestors: Some(vec![ClusterPolicyRulesVerifyImagesAttestors {
                count: Some(1),
                entries: Some(vec![ClusterPolicyRulesVerifyImagesAttestorsEntries {
                    keyless: Some(keyless),
                    ..Default::default()
                }]),
            }]),
            attestations: Some(vec![ClusterPolicyRulesVerifyImagesAttestations {
                name: Some("sbom".to_owned()),
                r#type: Some(SPDX_PREDICATE.to_owned()),
                attestors: Some(vec![ClusterPolicyRulesVerifyImagesAttestationsAttestors {
                    count: Some(1),
                    entries: Some(vec![
                        ClusterPolicyRulesVerifyImagesAttestationsAttestorsEntries {
                            keyless: Some(sbom_keyless),
                            ..Default::default()
                        },
                    ]),
                }]),
                ..Default::default()
            }]),
            ..Default::default()
        }]),
        ..pod_rule("verify-signature")
    };
    let mut p = policy(
        VERIFY_IMAGE_SIGNATURE,
        About {
            title: "Verify Image Signature",
            category: "Supply Chain Security",
            severity: "high",
            description: "Images from the lab's registry must be signed keylessly by the lab's build workflow, logged in Rekor, and carry an SPDX SBOM attestation.",
        },
        // Digest mutation happens at admission; a background scan cannot rewrite Pods.
        false,
        vec![rule],
    );
    p.spec.webhook_timeout_seconds = Some(30);
    p.spec.failure_policy = Some(ClusterPolicyFailurePolicy::Fail);
    p
}

pub fn disallow_latest_tag() -> ClusterPolicy {
    policy(
        DISALLOW_LATEST_TAG,
        About {
            title: "Disallow Latest Tag",
            category: "Best Practices",
            severity: "medium",
            description: "An image without a tag or with the mutable tag latest cannot be reproduced or rolled back.",
        },
        true,
        vec![
            pattern_rule(
                "require-image-tag",
                Action::Enforce,
                "Every image needs a tag or a digest.",
                json!({"image": "*:*"}),
            ),
            pattern_rule(
                "disallow-latest",
                Action::Enforce,
                "The tag latest is mutable; pin an exact tag or a digest.",
                json!({"image": "!*:latest"}),
            ),
        ],
    )
}

pub fn require_requests_limits() -> ClusterPolicy {
    policy(
        REQUIRE_REQUESTS_LIMITS,
        About {
            title: "Require Requests and Limits",
            category: "Best Practices",
            severity: "medium",
            description: "CPU and memory requests let the scheduler place Pods; a memory limit keeps one Pod from starving a node.",
        },
        true,
        vec![pattern_rule(
            "require-requests-limits",
            Action::Audit,
            "Set CPU and memory requests and a memory limit on every container.",
            json!({"resources": {
                "requests": {"cpu": "?*", "memory": "?*"},
                "limits": {"memory": "?*"},
            }}),
        )],
    )
}

pub fn require_standard_labels() -> ClusterPolicy {
    let labels: serde_json::Map<String, Value> = STANDARD_LABELS
        .iter()
        .map(|l| ((*l).to_owned(), json!("?*")))
        .collect();
    let rule = ClusterPolicyRules {
        validate: Some(ClusterPolicyRulesValidate {
            failure_action: Some(Action::Audit.validate()),
            message: Some(format!(
                "Label every Pod with {}.",
                STANDARD_LABELS.join(" and ")
            )),
            pattern: Some(json!({"metadata": {"labels": labels}})),
            ..Default::default()
        }),
        ..pod_rule("require-standard-labels")
    };
    policy(
        REQUIRE_STANDARD_LABELS,
        About {
            title: "Require Standard Labels",
            category: "Best Practices",
            severity: "low",
            description: "The app.kubernetes.io labels tie every Pod to its application in dashboards and queries.",
        },
        true,
        vec![rule],
    )
}

pub fn pod_security_baseline() -> ClusterPolicy {
    let rule = ClusterPolicyRules {
        validate: Some(ClusterPolicyRulesValidate {
            failure_action: Some(Action::Enforce.validate()),
            message: Some(
                "Pod Security baseline: no privileged containers, host namespaces or hostPath volumes."
                    .to_owned(),
            ),
            pod_security: Some(ClusterPolicyRulesValidatePodSecurity {
                level: Some(ClusterPolicyRulesValidatePodSecurityLevel::Baseline),
                version: Some(ClusterPolicyRulesValidatePodSecurityVersion::Latest),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..pod_rule("baseline")
    };
    policy(
        POD_SECURITY_BASELINE,
        About {
            title: "Pod Security Baseline",
            category: "Pod Security Standards (Baseline)",
            severity: "high",
            description: "The baseline Pod Security Standard: blocks the known privilege escalations (privileged, host namespaces, hostPath, host ports, added capabilities).",
        },
        true,
        vec![rule],
    )
}

pub fn require_probes() -> ClusterPolicy {
    policy(
        REQUIRE_PROBES,
        About {
            title: "Require Probes",
            category: "Best Practices",
            severity: "medium",
            description: "Readiness and liveness probes let Kubernetes route traffic only to ready Pods and restart stuck ones.",
        },
        true,
        vec![ClusterPolicyRules {
            validate: Some(ClusterPolicyRulesValidate {
                failure_action: Some(Action::Audit.validate()),
                message: Some("Every container needs a readiness and a liveness probe.".to_owned()),
                pattern: Some(json!({"spec": {"containers": [{
                    "readinessProbe": {"periodSeconds": ">0"},
                    "livenessProbe": {"periodSeconds": ">0"},
                }]}})),
                ..Default::default()
            }),
            ..pod_rule("require-probes")
        }],
    )
}

/// A lab component that cannot meet part of the Pod Security baseline, and why.
pub struct BaselineException {
    pub name: &'static str,
    pub namespace: &'static str,
    /// Pod name prefixes (`<prefix>*`) the exception applies to.
    pub pods: &'static [&'static str],
    pub controls: &'static [PolicyExceptionPodSecurityControlName],
    pub because: &'static str,
}

/// The lab's own components that need an exception from the baseline.
pub fn baseline_exceptions() -> Vec<BaselineException> {
    vec![BaselineException {
        name: "local-path-provisioner-hostpath",
        namespace: "local-path-storage",
        pods: &["helper-pod-", "local-path-provisioner-"],
        controls: &[PolicyExceptionPodSecurityControlName::HostPathVolumes],
        because: "local-path-provisioner creates PersistentVolumes as directories on the node through hostPath helper Pods.",
    }]
}

/// A PolicyException (in Kyverno's namespace) that waives only the listed baseline controls
/// for the listed Pods of one namespace.
pub fn policy_exception(e: &BaselineException) -> PolicyException {
    let names: Vec<String> = e.pods.iter().map(|p| format!("{p}*")).collect();
    let mut kinds = vec!["Pod".to_owned()];
    // Autogen rules check the controllers too; exceptions must name their kinds.
    kinds.extend(
        [
            "Deployment",
            "DaemonSet",
            "StatefulSet",
            "Job",
            "ReplicaSet",
        ]
        .map(str::to_owned),
    );
    PolicyException {
        metadata: ObjectMeta {
            name: Some(e.name.to_owned()),
            namespace: Some(KYVERNO_NAMESPACE.to_owned()),
            annotations: Some(BTreeMap::from([(
                "policies.kyverno.io/description".to_owned(),
                e.because.to_owned(),
            )])),
            ..Default::default()
        },
        spec: PolicyExceptionSpec {
            exceptions: vec![PolicyExceptionExceptions {
                policy_name: POD_SECURITY_BASELINE.to_owned(),
                rule_names: vec!["baseline".to_owned(), "autogen-baseline".to_owned()],
            }],
            r#match: PolicyExceptionMatch {
                any: Some(vec![PolicyExceptionMatchAny {
                    resources: Some(PolicyExceptionMatchAnyResources {
                        kinds: Some(kinds),
                        namespaces: Some(vec![e.namespace.to_owned()]),
                        names: Some(names),
                        ..Default::default()
                    }),
                    ..Default::default()
                }]),
                ..Default::default()
            },
            pod_security: Some(
                e.controls
                    .iter()
                    .map(|c| PolicyExceptionPodSecurity {
                        control_name: c.clone(),
                        images: None,
                        restricted_field: None,
                        values: None,
                    })
                    .collect(),
            ),
            ..Default::default()
        },
    }
}

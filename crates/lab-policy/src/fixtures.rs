//! Kyverno CLI fixtures: for every policy a `kyverno-test.yaml` and the Pods it runs against,
//! rendered to `tests/kyverno/<policy>/` (never synced by ArgoCD). Run them with
//! `kyverno test generated/tests/kyverno`.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, HTTPGetAction, HostPathVolumeSource, Pod, PodSpec, Probe, ResourceRequirements,
    SecurityContext, Volume,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use lab_core::{Artifact, Format, Object, RelPath};
use lab_model::{Settings, Versions};

use crate::cli_test::{Outcome, Test, TestResult};
use crate::policies::{self, STANDARD_LABELS};

/// The image every fixture Pod runs unless it tests an image: a small pinned one from
/// `platform/versions.yaml`.
pub const FIXTURE_IMAGE: &str = "pause";
const NAMESPACE: &str = "default";

/// A Pod that every policy of the lab accepts.
fn good_pod(name: &str, image: &str) -> Pod {
    let probe = Probe {
        http_get: Some(HTTPGetAction {
            path: Some("/health".to_owned()),
            port: IntOrString::Int(8080),
            ..Default::default()
        }),
        period_seconds: Some(10),
        ..Default::default()
    };
    let q = |s: &str| Quantity(s.to_owned());
    Pod {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(NAMESPACE.to_owned()),
            labels: Some(
                STANDARD_LABELS
                    .iter()
                    .map(|l| ((*l).to_owned(), "fixture".to_owned()))
                    .collect(),
            ),
            ..Default::default()
        },
        spec: Some(PodSpec {
            containers: vec![Container {
                name: "app".to_owned(),
                image: Some(image.to_owned()),
                resources: Some(ResourceRequirements {
                    requests: Some(BTreeMap::from([
                        ("cpu".to_owned(), q("10m")),
                        ("memory".to_owned(), q("16Mi")),
                    ])),
                    limits: Some(BTreeMap::from([("memory".to_owned(), q("32Mi"))])),
                    ..Default::default()
                }),
                readiness_probe: Some(probe.clone()),
                liveness_probe: Some(probe),
                ..Default::default()
            }],
            ..Default::default()
        }),
        status: None,
    }
}

fn container(pod: &mut Pod) -> &mut Container {
    &mut pod
        .spec
        .as_mut()
        .expect("fixture pods have a spec")
        .containers[0]
}

/// One policy's fixture: the Test and its Pods.
struct Fixture {
    policy: &'static str,
    pods: Vec<Pod>,
    exceptions: Vec<String>,
    results: Vec<(&'static str, Outcome, Vec<&'static str>)>,
}

fn fixtures_for(settings: &Settings, image: &str) -> Vec<Fixture> {
    let good = || good_pod("good", image);
    let named = |name: &str, edit: &dyn Fn(&mut Pod)| {
        let mut p = good_pod(name, image);
        edit(&mut p);
        p
    };
    let lab_image = format!(
        "{}hello-app:0.0.0-unsigned",
        settings.repository.image_prefix()
    );
    let untagged = image.split(['@', ':']).next().unwrap_or(image).to_owned();
    let latest = format!("{untagged}:latest");
    let host_path = |p: &mut Pod| {
        let spec = p.spec.as_mut().expect("spec");
        spec.volumes = Some(vec![Volume {
            name: "node".to_owned(),
            host_path: Some(HostPathVolumeSource {
                path: "/var/lib".to_owned(),
                type_: None,
            }),
            ..Default::default()
        }]);
    };
    vec![
        Fixture {
            policy: policies::VERIFY_IMAGE_SIGNATURE,
            pods: vec![
                named("unsigned", &|p| {
                    container(p).image = Some(lab_image.clone())
                }),
                named("other-registry", &|_| {}),
            ],
            exceptions: vec![],
            results: vec![
                ("verify-signature", Outcome::Fail, vec!["unsigned"]),
                ("verify-signature", Outcome::Skip, vec!["other-registry"]),
            ],
        },
        Fixture {
            policy: policies::DISALLOW_LATEST_TAG,
            pods: vec![
                good(),
                named("untagged", &|p| container(p).image = Some(untagged.clone())),
                named("latest", &|p| container(p).image = Some(latest.clone())),
            ],
            exceptions: vec![],
            results: vec![
                ("require-image-tag", Outcome::Pass, vec!["good", "latest"]),
                ("require-image-tag", Outcome::Fail, vec!["untagged"]),
                ("disallow-latest", Outcome::Pass, vec!["good"]),
                ("disallow-latest", Outcome::Fail, vec!["latest"]),
            ],
        },
        Fixture {
            policy: policies::REQUIRE_REQUESTS_LIMITS,
            pods: vec![
                good(),
                named("no-limits", &|p| container(p).resources = None),
            ],
            exceptions: vec![],
            results: vec![
                ("require-requests-limits", Outcome::Pass, vec!["good"]),
                ("require-requests-limits", Outcome::Fail, vec!["no-limits"]),
            ],
        },
        Fixture {
            policy: policies::REQUIRE_STANDARD_LABELS,
            pods: vec![good(), named("unlabelled", &|p| p.metadata.labels = None)],
            exceptions: vec![],
            results: vec![
                ("require-standard-labels", Outcome::Pass, vec!["good"]),
                ("require-standard-labels", Outcome::Fail, vec!["unlabelled"]),
            ],
        },
        Fixture {
            policy: policies::POD_SECURITY_BASELINE,
            pods: vec![
                good(),
                named("privileged", &|p| {
                    container(p).security_context = Some(SecurityContext {
                        privileged: Some(true),
                        ..Default::default()
                    })
                }),
                named("host-network", &|p| {
                    p.spec.as_mut().expect("spec").host_network = Some(true)
                }),
                named("host-path", &host_path),
                named("helper-pod-fixture", &|p| {
                    host_path(p);
                    p.metadata.namespace = Some("local-path-storage".to_owned());
                }),
            ],
            exceptions: policies::baseline_exceptions()
                .iter()
                .map(|e| format!("policyexception-{}.yaml", e.name))
                .collect(),
            results: vec![
                ("baseline", Outcome::Pass, vec!["good"]),
                (
                    "baseline",
                    Outcome::Fail,
                    vec!["privileged", "host-network", "host-path"],
                ),
                ("baseline", Outcome::Skip, vec!["helper-pod-fixture"]),
            ],
        },
        Fixture {
            policy: policies::REQUIRE_PROBES,
            pods: vec![
                good(),
                named("no-probes", &|p| {
                    let c = container(p);
                    c.readiness_probe = None;
                    c.liveness_probe = None;
                }),
            ],
            exceptions: vec![],
            results: vec![
                ("require-probes", Outcome::Pass, vec!["good"]),
                ("require-probes", Outcome::Fail, vec!["no-probes"]),
            ],
        },
    ]
}

/// Errors while rendering fixtures.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error(transparent)]
    Core(#[from] lab_core::Error),
    #[error(transparent)]
    Version(#[from] lab_model::versions::MissingVersion),
}

/// Every fixture file: `kyverno-test.yaml` and one file per Pod in each policy's fixture
/// folder (see [`lab_core::layout::kyverno_test_dir`]). `policy_dir` is where the
/// `kyverno-policies` Application's objects are rendered; the tests name them relative to the
/// fixture folder.
pub fn fixtures(
    settings: &Settings,
    versions: &Versions,
    policy_dir: &RelPath,
) -> Result<Vec<Artifact>, FixtureError> {
    let image = versions.image(FIXTURE_IMAGE)?.reference();
    let mut out = Vec::new();
    for f in fixtures_for(settings, &image) {
        let dir = lab_core::layout::kyverno_test_dir(f.policy)?;
        // From the fixture folder up to the root of the tree, then down to the policies.
        let up = vec![".."; dir.as_str().split('/').count()].join("/");
        let mut test = Test::new(f.policy);
        test.policies = vec![format!("{up}/{policy_dir}/clusterpolicy-{}.yaml", f.policy)];
        test.exceptions = f
            .exceptions
            .iter()
            .map(|e| format!("{up}/{policy_dir}/{e}"))
            .collect();
        for pod in &f.pods {
            let artifact = Artifact::object(&dir, Object::new(pod)?)?;
            let file = artifact
                .path
                .as_str()
                .rsplit('/')
                .next()
                .unwrap_or_default();
            test.resources.push(file.to_owned());
            out.push(artifact);
        }
        test.results = f
            .results
            .into_iter()
            .map(|(rule, result, resources)| TestResult {
                policy: f.policy.to_owned(),
                rule: rule.to_owned(),
                kind: "Pod".to_owned(),
                resources: resources.into_iter().map(str::to_owned).collect(),
                result,
            })
            .collect();
        out.push(Artifact::document(
            dir.join("kyverno-test.yaml")?,
            Format::KyvernoTest,
            &test,
        )?);
    }
    Ok(out)
}

//! The image rules of `cargo xtask validate`, each shown failing on a bad object.

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, JobSpec, JobTemplateSpec};
use k8s_openapi::api::core::v1::{Container, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use lab_core::{Artifact, Format, Object, ObjectId, RelPath, Tree};
use lab_validate::images::{image_findings, images, unpinned, wildcard_match};
use serde_json::json;

fn template(images: &[&str]) -> PodTemplateSpec {
    PodTemplateSpec {
        metadata: None,
        spec: Some(PodSpec {
            containers: images
                .iter()
                .enumerate()
                .map(|(i, image)| Container {
                    name: format!("c{i}"),
                    image: Some((*image).to_owned()),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }),
    }
}

fn deployment(name: &str, images: &[&str]) -> Artifact {
    let d = Deployment {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some("demo".to_owned()),
            ..Default::default()
        },
        spec: Some(DeploymentSpec {
            template: template(images),
            ..Default::default()
        }),
        status: None,
    };
    Artifact::object(&RelPath::new("hub/demo").unwrap(), Object::new(&d).unwrap()).unwrap()
}

fn with_policies(extra: Vec<Artifact>) -> (Tree, String) {
    let settings = lab_testkit::settings();
    let mut tree = crate::rendered_tree();
    tree.extend(extra).unwrap();
    (tree, settings.repository.image_prefix())
}

#[test]
fn the_rendered_policy_tree_and_a_pinned_workload_have_no_findings() {
    let (tree, prefix) = with_policies(vec![deployment(
        "ok",
        &[
            "registry.k8s.io/pause:3.10",
            "docker.io/library/busybox@sha256:0000000000000000000000000000000000000000000000000000000000000000",
        ],
    )]);
    assert_eq!(
        image_findings(&tree, &prefix),
        Vec::<lab_core::Finding>::new()
    );
    // The fixtures hold bad images on purpose; they are not applied and not checked.
    assert!(
        tree.get("tests/kyverno/disallow-latest-tag/pod-latest.yaml")
            .is_some()
    );
}

#[test]
fn an_untagged_image_fails() {
    let (tree, prefix) = with_policies(vec![deployment("bad", &["docker.io/library/nginx"])]);
    let findings: Vec<String> = image_findings(&tree, &prefix)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0].contains(
            "Deployment demo/bad · image-pinned · /spec/template/spec/containers/0/image"
        )
    );
    assert!(findings[0].contains("untagged"), "{}", findings[0]);
}

#[test]
fn a_latest_image_fails_even_in_a_cronjob() {
    let job = CronJob {
        metadata: ObjectMeta {
            name: Some("nightly".to_owned()),
            namespace: Some("demo".to_owned()),
            ..Default::default()
        },
        spec: Some(CronJobSpec {
            schedule: "0 3 * * *".to_owned(),
            job_template: JobTemplateSpec {
                metadata: None,
                spec: Some(JobSpec {
                    template: template(&[
                        "registry.k8s.io/pause:3.10",
                        "docker.io/library/alpine:latest",
                    ]),
                    ..Default::default()
                }),
            },
            ..Default::default()
        }),
        status: None,
    };
    let a = Artifact::object(
        &RelPath::new("hub/demo").unwrap(),
        Object::new(&job).unwrap(),
    )
    .unwrap();
    let (tree, prefix) = with_policies(vec![a]);
    let findings: Vec<String> = image_findings(&tree, &prefix)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(findings[0].contains("containers/1/image"));
    assert!(findings[0].contains("latest"));
}

#[test]
fn images_in_argo_workflow_templates_are_found() {
    let wf = json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"name": "exp", "namespace": "argo-workflows"},
        "spec": {"templates": [
            {"name": "a", "container": {"image": "docker.io/grafana/k6"}},
            {"name": "b", "script": {"image": "docker.io/library/python:3.13", "source": "print()"}},
        ]}
    });
    let a = Artifact {
        path: RelPath::new("experiments/x/workflow-exp.yaml").unwrap(),
        format: Format::Object,
        object: ObjectId::from_value(&wf),
        documents: vec![wf],
    };
    let (tree, prefix) = with_policies(vec![a]);
    let found: Vec<String> = images(&tree)
        .into_iter()
        .filter(|u| u.object.kind == "Workflow")
        .map(|u| u.pointer)
        .collect();
    assert_eq!(
        found,
        [
            "/spec/templates/0/container/image",
            "/spec/templates/1/script/image"
        ]
    );
    let findings: Vec<String> = image_findings(&tree, &prefix)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(findings[0].contains("grafana/k6"));
}

#[test]
fn a_lab_image_outside_the_verified_references_fails() {
    let settings = lab_testkit::settings();
    let prefix = settings.repository.image_prefix();
    let covered = format!("{prefix}hello-app:sha-1234567");
    let (tree, _) = with_policies(vec![deployment("covered", &[&covered])]);
    assert_eq!(
        image_findings(&tree, &prefix),
        Vec::<lab_core::Finding>::new()
    );

    // The same image with a tree whose verify policy names another prefix is uncovered.
    let mut narrow = Tree::new();
    for a in crate::rendered_tree().artifacts() {
        let mut a = a.clone();
        if a.path
            .as_str()
            .ends_with("clusterpolicy-verify-image-signature.yaml")
        {
            let refs = a.documents[0]
                .pointer_mut("/spec/rules/0/verifyImages/0/imageReferences")
                .unwrap();
            *refs = json!([format!("{prefix}other-app*")]);
        }
        narrow.add(a).unwrap();
    }
    narrow.add(deployment("uncovered", &[&covered])).unwrap();
    // Every lab image of the render is now uncovered too; look at the added Deployment.
    let findings: Vec<String> = image_findings(&narrow, &prefix)
        .iter()
        .map(ToString::to_string)
        .filter(|f| f.contains("deployment-uncovered"))
        .collect();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0].contains("no verifyImages rule covers it"),
        "{}",
        findings[0]
    );

    // Without any verify policy every lab image is uncovered.
    let mut bare = Tree::new();
    bare.add(deployment("uncovered", &[&covered])).unwrap();
    assert_eq!(image_findings(&bare, &prefix).len(), 1);
}

#[test]
fn pinning_rules() {
    for ok in [
        "nginx:1.27",
        "localhost:5000/app:v1",
        "ghcr.io/o/r/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ] {
        assert_eq!(unpinned(ok), None, "{ok}");
    }
    for bad in [
        "nginx",
        "localhost:5000/app",
        "nginx:latest",
        "nginx:",
        "app@sha256:abc",
        "{{inputs.parameters.image}}",
    ] {
        assert!(unpinned(bad).is_some(), "{bad} should not count as pinned");
    }
}

#[test]
fn wildcards_match_like_kyverno() {
    assert!(wildcard_match("ghcr.io/o/r/*", "ghcr.io/o/r/app:1"));
    assert!(wildcard_match("ghcr.io/o/r/*", "ghcr.io/o/r/deep/app:1"));
    assert!(wildcard_match("ghcr.io/o/?/*", "ghcr.io/o/r/app"));
    assert!(!wildcard_match("ghcr.io/o/r/*", "ghcr.io/o/rx/app"));
    assert!(!wildcard_match("ghcr.io/o/r/app", "ghcr.io/o/r/app:1"));
}

#![allow(clippy::unwrap_used)]
//! The components: the verify policy trusts exactly this repository's build workflow, and the
//! policies wait for whoever installs the Kyverno CRDs.

use lab_model::component::{BuildResult, Context};
use lab_model::{App, Component, Registry};
use lab_policy::policies::verify_image_signature;

struct FakeKyverno;
impl Component for FakeKyverno {
    fn name(&self) -> &str {
        "kyverno"
    }
    fn namespace(&self) -> &str {
        "kyverno"
    }
    fn installs_crds(&self) -> Vec<&'static str> {
        vec!["kyverno.io"]
    }
    fn build(&self, _: &Context) -> BuildResult<App> {
        App::new(self)
    }
}

#[test]
fn policies_sync_after_the_kyverno_crds() {
    let (settings, versions) = lab_testkit::inputs();
    let mut reg = Registry::new();
    reg.add(FakeKyverno).unwrap();
    lab_policy::register(&mut reg).unwrap();
    let planned = reg.plan(&settings, &versions).unwrap();
    let wave = |n: &str| lab_model::component::wave_of(&planned, n).unwrap();
    assert!(wave("kyverno-policies") > wave("kyverno"));
    assert_eq!(
        planned
            .iter()
            .find(|p| p.app.name.as_str() == "kyverno-policies")
            .unwrap()
            .after,
        [lab_model::component::Edge {
            to: "kyverno".into(),
            reason: lab_model::component::EdgeReason::Crd
        }]
    );
}

#[test]
fn the_verify_policy_trusts_only_this_repositorys_build_workflow() {
    let (mut settings, _) = lab_testkit::inputs();
    settings.repository.url = "https://github.com/SomeOne/My-Lab.git".to_owned();
    settings.repository.revision = "trunk".to_owned();
    let v = serde_json::to_value(verify_image_signature(&settings)).unwrap();
    let vi = &v["spec"]["rules"][0]["verifyImages"][0];
    assert_eq!(
        vi["imageReferences"],
        serde_json::json!(["ghcr.io/someone/my-lab/*"])
    );
    let keyless = &vi["attestors"][0]["entries"][0]["keyless"];
    assert_eq!(
        keyless["subject"],
        "https://github.com/SomeOne/My-Lab/.github/workflows/build-components.yaml@refs/heads/trunk"
    );
    assert_eq!(
        keyless["issuer"],
        "https://token.actions.githubusercontent.com"
    );
    assert_eq!(keyless["rekor"]["url"], "https://rekor.sigstore.dev");
    assert_eq!(vi["failureAction"], "Enforce");
    assert_eq!(vi["mutateDigest"], true);
    assert_eq!(vi["attestations"][0]["type"], "https://spdx.dev/Document");
    assert_eq!(
        vi["attestations"][0]["attestors"][0]["entries"][0]["keyless"],
        *keyless
    );
}

//! The render as a whole: the committed tree is current, names are checked before anything is
//! written, and waves respect CRD ownership.

use lab::{Inputs, hub_registry, render, render_with};
use lab_core::diff::Report;
use lab_core::fs::{as_disk_tree, read_tree, write_tree};
use lab_model::component::{BuildResult, Context};
use lab_model::{App, Component, Dependency, Registry};
use lab_testkit::repo_root;

use crate::inputs;

#[test]
fn committed_generated_tree_is_current() {
    let rendered = as_disk_tree(&render(&inputs()).unwrap().render().unwrap());
    let committed = read_tree(&repo_root().join("generated")).unwrap();
    let report = Report::between(&committed, &rendered);
    assert!(
        report.is_empty(),
        "generated/ is stale; run `cargo xtask render`:\n{}",
        report.to_text()
    );
}

struct Named(&'static str);

impl Component for Named {
    fn name(&self) -> &str {
        self.0
    }
    fn namespace(&self) -> &str {
        "default"
    }
    fn build(&self, _: &Context) -> BuildResult<App> {
        App::new(self)
    }
}

#[test]
fn a_traversal_name_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("generated");
    let good = render(&inputs()).unwrap().render().unwrap();
    write_tree(&good, &out).unwrap();
    let before = read_tree(&out).unwrap();

    for evil in ["../evil", "/etc", "a/../../b", ".hidden"] {
        let mut registry = hub_registry(&inputs().settings).unwrap();
        registry.add(Named(evil)).unwrap();
        let err = render_with(&inputs(), registry)
            .and_then(|tree| Ok(tree.render()?))
            .map(|files| write_tree(&files, &out))
            .expect_err("a bad name must fail the render");
        assert!(err.to_string().contains("invalid name"), "{evil}: {err:#}");
    }
    assert_eq!(
        read_tree(&out).unwrap(),
        before,
        "the previous tree is untouched"
    );
    // generated/, its writers' lock and its spare (kept between renders), nothing else.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| ["generated", ".generated.lock", ".generated.spare"].contains(&n.as_str())),
        "staging leftovers: {names:?}"
    );
}

struct Left;
struct Right;

impl Component for Left {
    fn name(&self) -> &str {
        "left"
    }
    fn namespace(&self) -> &str {
        "default"
    }
    fn dependencies(&self) -> Vec<Dependency> {
        vec![Dependency::on::<Right>()]
    }
    fn build(&self, _: &Context) -> BuildResult<App> {
        App::new(self)
    }
}

impl Component for Right {
    fn name(&self) -> &str {
        "right"
    }
    fn namespace(&self) -> &str {
        "default"
    }
    fn dependencies(&self) -> Vec<Dependency> {
        vec![Dependency::on::<Left>()]
    }
    fn build(&self, _: &Context) -> BuildResult<App> {
        App::new(self)
    }
}

#[test]
fn a_dependency_cycle_fails_the_render_and_names_the_cycle() {
    let mut registry = Registry::new();
    registry.add(Left).unwrap();
    registry.add(Right).unwrap();
    let i = inputs();
    let err = registry.plan(&i.settings, &i.versions).unwrap_err();
    assert_eq!(err.to_string(), "dependency cycle: left → right → left");
}

#[test]
fn every_custom_object_syncs_after_the_application_installing_its_crds() {
    let i = inputs();
    let registry = hub_registry(&i.settings).unwrap();
    let planned = registry.plan(&i.settings, &i.versions).unwrap();
    let wave_of = |name: &str| lab_model::component::wave_of(&planned, name);
    let mut checked = 0;
    for installer in registry.components() {
        for group in installer.installs_crds() {
            for user in &planned {
                if user.app.name.as_str() == installer.name() {
                    continue;
                }
                if user.app.objects.iter().any(|o| o.id.group() == group) {
                    checked += 1;
                    assert!(
                        user.wave > wave_of(installer.name()).unwrap(),
                        "{} uses {group} but syncs no later than {}",
                        user.app.name,
                        installer.name()
                    );
                }
            }
        }
    }
    // The invariant must hold on real data, not vacuously, once the hub has CRD users.
    let users = planned
        .iter()
        .flat_map(|p| &p.app.objects)
        .filter(|o| !o.id.group().is_empty())
        .count();
    assert!(
        users == 0 || checked > 0,
        "custom objects exist but none was checked"
    );
}

#[test]
fn tailscale_is_off_by_default_and_derives_its_backends_when_on() {
    let mut i = inputs();
    assert!(
        !i.settings.features.tailscale,
        "the committed settings keep it off"
    );
    let off = render(&i).unwrap();
    assert!(
        off.artifacts()
            .all(|a| !a.path.as_str().contains("tailscale"))
    );

    i.settings.features.tailscale = true;
    let on = render(&i).unwrap();
    let ingress = on
        .get("hub/tailscale/ingress-hub-argocd-tailnet.yaml")
        .expect("the ArgoCD tailnet Ingress is rendered");
    let doc = &ingress.documents[0];
    assert_eq!(doc["metadata"]["namespace"], "argocd");
    assert_eq!(
        doc["spec"]["defaultBackend"]["service"]["name"],
        lab_platform::gitops::ArgoCd::SERVER_SERVICE
    );
    assert!(on.get("hub/apps/application-tailscale.yaml").is_some());
    assert!(
        on.get("hub/tailscale/externalsecret-operator-oauth.yaml")
            .is_some()
    );
}

#[test]
fn a_bad_input_file_is_named_relative_to_the_repository() {
    let dir = tempfile::tempdir().unwrap();
    let root = repo_root();
    for file in [
        lab::SETTINGS_FILE,
        lab::VERSIONS_FILE,
        "platform/targets/talos/nodes.yaml",
    ] {
        let path = dir.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::copy(root.join(file), &path).unwrap();
    }
    let settings = dir.path().join(lab::SETTINGS_FILE);
    let text = std::fs::read_to_string(&settings).unwrap();
    std::fs::write(
        &settings,
        text.replace("clusterName: hub", "clusterName: Hub"),
    )
    .unwrap();
    let err = Inputs::load(dir.path()).unwrap_err().to_string();
    assert!(
        err.starts_with("platform/hub/platform.yaml:7:16 · hub.clusterName · schema-pattern"),
        "{err}"
    );
}

/// The writer decides each scalar's style itself (`lab_core::yaml`), so this is the proof on the
/// whole lab: every YAML file, read under YAML 1.1 rules as Kubernetes, ArgoCD and Helm read it,
/// is exactly the documents it was built from.
#[test]
fn every_yaml_file_reads_back_under_yaml11_as_its_documents() {
    use lab_core::Format;
    use lab_core::yaml::{read_back_yaml11, same_data};
    let tree = render(&inputs()).unwrap();
    let mut checked = 0;
    for artifact in tree.artifacts() {
        if matches!(
            artifact.format,
            Format::Json | Format::JsonSchema | Format::DotEnv | Format::Markdown
        ) {
            continue;
        }
        let text = artifact.render().unwrap();
        // A document separator never occurs inside a block scalar: its lines are indented.
        let parts: Vec<&str> = text.split("\n---\n").collect();
        assert_eq!(parts.len(), artifact.documents.len(), "{}", artifact.path);
        for (part, want) in parts.iter().zip(&artifact.documents) {
            let read = read_back_yaml11(part).unwrap();
            assert!(
                same_data(&read, want),
                "{} reads back as other data under YAML 1.1:\n{part}",
                artifact.path
            );
            checked += 1;
        }
    }
    assert!(checked > 500, "only {checked} documents checked");
}

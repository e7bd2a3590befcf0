//! Namespace configuration: every namespace a hub component installs into, labelled with its
//! Pod Security level. Derived from the registry, so a new component gets its namespace
//! labelled without editing this file.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Namespace;
use lab_core::Object;
use lab_model::component::{BuildResult, Context, PodSecurity};
use lab_model::{App, Component};

use lab_kit::meta;

/// Namespaces Kubernetes owns; never managed here.
const SYSTEM: &[&str] = &["default", "kube-system", "kube-public", "kube-node-lease"];

pub struct NamespaceConfig;

impl NamespaceConfig {
    /// The level of each managed namespace.
    /// The level of each managed namespace: the highest any component in it needs.
    pub fn levels<'a>(
        components: impl Iterator<Item = &'a dyn Component>,
    ) -> BTreeMap<String, PodSecurity> {
        let mut levels: BTreeMap<String, PodSecurity> = BTreeMap::new();
        for c in components.filter(|c| !SYSTEM.contains(&c.namespace())) {
            let level = levels
                .entry(c.namespace().to_owned())
                .or_insert(PodSecurity::Baseline);
            *level = (*level).max(c.pod_security());
        }
        levels
    }
}

impl Component for NamespaceConfig {
    fn name(&self) -> &str {
        "namespaces"
    }

    fn namespace(&self) -> &str {
        "kube-system"
    }

    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let mut app = App::new(self)?;
        for (ns, level) in Self::levels(ctx.survey()) {
            let mut metadata = meta(&ns, None);
            metadata.labels = Some(
                ["enforce", "audit", "warn"]
                    .into_iter()
                    .map(|mode| {
                        (
                            format!("pod-security.kubernetes.io/{mode}"),
                            level.as_str().to_owned(),
                        )
                    })
                    .collect(),
            );
            // Deleting this Application must never delete a namespace and all it holds.
            metadata.annotations = Some(BTreeMap::from([(
                "argocd.argoproj.io/sync-options".to_owned(),
                "Delete=false".to_owned(),
            )]));
            app.objects.push(Object::new(&Namespace {
                metadata,
                ..Default::default()
            })?);
        }
        Ok(app)
    }
}

//! Namespace configuration: every namespace a hub component installs into, labelled with its
//! Pod Security level. Derived from the registry, so a new component gets its namespace
//! labelled without editing this file.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::Namespace;
use lab_core::Object;
use lab_model::component::{BuildResult, Context};
use lab_model::{App, Component, Registry};

use crate::common::meta;
use crate::networking::MetalLb;

/// Namespaces Kubernetes owns; never managed here.
const SYSTEM: &[&str] = &["default", "kube-system", "kube-public", "kube-node-lease"];

/// Pod Security Standard levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodSecurity {
    Baseline,
    Privileged,
}

impl PodSecurity {
    fn as_str(self) -> &'static str {
        match self {
            PodSecurity::Baseline => "baseline",
            PodSecurity::Privileged => "privileged",
        }
    }
}

pub struct NamespaceConfig;

impl NamespaceConfig {
    /// Namespaces whose pods need host access: MetalLB's speaker uses the host network and
    /// raw sockets.
    fn privileged(registry: &Registry) -> BTreeSet<String> {
        registry
            .get::<MetalLb>()
            .map(|m| m.namespace().to_owned())
            .into_iter()
            .collect()
    }

    /// The level of each managed namespace.
    pub fn levels(registry: &Registry) -> BTreeMap<String, PodSecurity> {
        let privileged = Self::privileged(registry);
        registry
            .components()
            .map(|c| c.namespace().to_owned())
            .filter(|ns| !SYSTEM.contains(&ns.as_str()))
            .map(|ns| {
                let level = if privileged.contains(&ns) {
                    PodSecurity::Privileged
                } else {
                    PodSecurity::Baseline
                };
                (ns, level)
            })
            .collect()
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
        for (ns, level) in Self::levels(ctx.registry) {
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

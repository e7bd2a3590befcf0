//! ArgoCD Image Updater configuration for the demo apps: follow the moving `main` tag the
//! build workflow pushes, pin by digest, and write the new digest back to Git so the
//! repository stays the only source of truth.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use lab_core::Object;
use lab_crds::argocd_image_updater_argoproj_io::imageupdaters::*;
use lab_model::component::{BuildResult, Context};
use lab_model::{App, Component, Settings};

use crate::policies::lab_registry_prefix;

/// The tag the build workflow moves to the newest build of the default branch; Image Updater
/// resolves it to a digest, so nothing in Git ever says `main` alone.
pub const MOVING_TAG: &str = "main";

/// The ImageUpdater objects (namespace `argocd`) for the demo apps.
pub struct ImageUpdates {
    /// Demo app names: the folder under `components/apps/`, the image name under the lab
    /// registry, and the ArgoCD Application that deploys it.
    pub apps: Vec<String>,
}

impl ImageUpdates {
    pub fn image_updater(&self, settings: &Settings) -> ImageUpdater {
        let repo = &settings.repository;
        let prefix = lab_registry_prefix(settings);
        ImageUpdater {
            metadata: ObjectMeta {
                name: Some("demo-apps".to_owned()),
                namespace: Some(self.namespace().to_owned()),
                ..Default::default()
            },
            spec: ImageUpdaterSpec {
                common_update_settings: Some(ImageUpdaterCommonUpdateSettings {
                    update_strategy: Some("digest".to_owned()),
                    ..Default::default()
                }),
                write_back_config: Some(ImageUpdaterWriteBackConfig {
                    method: Some("git".to_owned()),
                    git_config: Some(ImageUpdaterWriteBackConfigGitConfig {
                        repository: Some(repo.url.clone()),
                        branch: Some(repo.revision.clone()),
                        ..Default::default()
                    }),
                }),
                application_refs: self
                    .apps
                    .iter()
                    .map(|app| ImageUpdaterApplicationRefs {
                        name_pattern: app.clone(),
                        images: Some(vec![ImageUpdaterApplicationRefsImages {
                            alias: app.clone(),
                            image_name: format!("{prefix}{app}:{MOVING_TAG}"),
                            ..Default::default()
                        }]),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            },
            status: None,
        }
    }
}

impl Component for ImageUpdates {
    fn name(&self) -> &str {
        "image-updates"
    }
    fn namespace(&self) -> &str {
        "argocd"
    }
    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let mut app = App::new(self)?;
        app.objects
            .push(Object::new(&self.image_updater(ctx.settings))?);
        Ok(app)
    }
}

//! ArgoCD Image Updater configuration for the demo apps (beside them: it follows their
//! images): follow the moving `main` tag the
//! build workflow pushes, pin by digest, and write the new digest back to Git so the
//! repository stays the only source of truth.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use lab_core::Object;
use lab_crds::argocd_image_updater_argoproj_io::imageupdaters::*;
use lab_model::component::{BuildResult, Context};
use lab_model::{App, Component, Settings};

use crate::workload::DemoApps;

/// The tag the build workflow moves to the newest build of the default branch; Image Updater
/// resolves it to a digest, so nothing in Git ever says `main` alone.
pub const MOVING_TAG: &str = "main";

/// The ImageUpdater object (namespace `argocd`) for the demo apps: the images and the
/// Application come from the `DemoApps` component, so a new demo app is followed without a
/// second list to keep in step.
pub struct ImageUpdates;

impl ImageUpdates {
    /// `application`: the Application deploying the apps; `images`: their image names under
    /// the lab registry (folders of `components/apps/`).
    pub fn image_updater(
        &self,
        settings: &Settings,
        application: &str,
        images: &[&str],
    ) -> ImageUpdater {
        let repo = &settings.repository;
        let prefix = settings.repository.image_prefix();
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
                application_refs: vec![ImageUpdaterApplicationRefs {
                    name_pattern: application.to_owned(),
                    images: Some(
                        images
                            .iter()
                            .map(|image| ImageUpdaterApplicationRefsImages {
                                alias: (*image).to_owned(),
                                image_name: format!("{prefix}{image}:{MOVING_TAG}"),
                                ..Default::default()
                            })
                            .collect(),
                    ),
                    ..Default::default()
                }],
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
        lab_core::layout::ARGOCD_NAMESPACE
    }
    fn build(&self, ctx: &Context) -> BuildResult<App> {
        let demo = ctx.needs::<DemoApps>()?;
        let mut images: Vec<&str> = demo.apps.iter().map(|a| a.image).collect();
        images.sort_unstable();
        images.dedup();
        let mut app = App::new(self)?;
        app.objects.push(Object::new(&self.image_updater(
            ctx.settings,
            demo.name(),
            &images,
        ))?);
        Ok(app)
    }
}

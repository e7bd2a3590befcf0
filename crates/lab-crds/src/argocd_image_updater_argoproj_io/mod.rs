//! API group `argocd-image-updater.argoproj.io`.

/// ImageUpdater `argocd-image-updater.argoproj.io/v1alpha1`
#[cfg(feature = "argocd_image_updater_argoproj_io-imageupdaters")]
pub mod imageupdaters;

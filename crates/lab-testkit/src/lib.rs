//! What every crate's tests share: the repository root and the lab's real inputs. A
//! dev-dependency only; it knows no builder, so a family's tests never build another family.

use std::path::PathBuf;

use lab_model::{Settings, Versions, load};

/// The checkout these tests were built from (tests run in place, so the build-time path is
/// the right one here, unlike for the CLI).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root exists")
}

/// `platform/hub/platform.yaml`, loaded.
pub fn settings() -> Settings {
    load(&repo_root().join("platform/hub/platform.yaml")).expect("settings load")
}

/// `platform/versions.yaml`, loaded.
pub fn versions() -> Versions {
    load(&repo_root().join("platform/versions.yaml")).expect("versions load")
}

/// Both, as most builder tests need them.
pub fn inputs() -> (Settings, Versions) {
    (settings(), versions())
}

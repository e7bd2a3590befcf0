//! What every crate's tests share: the repository root and the lab's real inputs. A
//! dev-dependency only; it knows no builder, so a family's tests never build another family.

use std::path::PathBuf;

use lab_model::{Settings, Versions, load};

/// The checkout under test, found at run time like the CLI finds it.
pub fn repo_root() -> PathBuf {
    lab_upstream::checkout_root().expect("tests run inside a lab checkout")
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

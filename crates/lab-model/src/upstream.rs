//! Where the upstream schemas are: the CRDs and the Talos config schema the lab validates
//! against. They are not in the repository; `LAB_SCHEMAS_DIR` names the folder holding
//! `crds/` and `talos/`, else `../shared/schemas` beside the checkout (as laid out for CI).

use std::path::{Path, PathBuf};

/// The folder holding `crds/` and `talos/config.schema.json`.
pub fn schemas_dir() -> PathBuf {
    std::env::var_os("LAB_SCHEMAS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/schemas"))
}

/// Upstream CRD files, one folder per API group.
pub fn crd_dir() -> PathBuf {
    schemas_dir().join("crds")
}

/// Talos' machine-config JSON schema.
pub fn talos_schema() -> PathBuf {
    schemas_dir().join("talos/config.schema.json")
}

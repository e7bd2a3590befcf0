//! The upstream facts the lab is checked against, vendored as data (structure only) and located
//! at run time:
//! - `schemas/`: the CRDs it uses and Talos' machine-config schema, descriptions stripped,
//!   written by `cargo xtask schemas --from DIR`, hashes in `schemas/sources.lock`;
//! - `charts/`: each pinned Helm chart's values structure and `values.schema.json`, written by
//!   `cargo xtask charts --from DIR`, hashes in `charts/charts.lock`.
//!
//! Everything is located at run time, never with the compile-time `env!("CARGO_MANIFEST_DIR")`:
//! two checkouts sharing one `CARGO_TARGET_DIR` share binaries, and a path fixed at build time
//! would silently point the second checkout at the first.

use std::fmt;
use std::path::{Path, PathBuf};

/// Environment variable naming a folder of upstream schemas to use instead of the vendored ones.
pub const SCHEMAS_ENV: &str = "LAB_SCHEMAS_DIR";

/// Where the vendored copy lives, relative to the repository root.
pub const VENDORED: &str = "crates/lab-upstream/schemas";

/// The CRD folder (one subfolder per API group) and the Talos schema file of one schema set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaDirs {
    /// Folder holding `<group>/<file>.yaml`.
    pub crds: PathBuf,
    /// Talos' `config.schema.json`.
    pub talos: PathBuf,
}

/// Why the checkout or the schemas were not found; each names the folder and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// No ancestor of `start` holds the workspace `Cargo.toml` and `platform/`.
    NoCheckout { start: PathBuf },
    /// `dir` holds neither `crds/` nor CRD group folders.
    NoSchemas { dir: PathBuf, from: &'static str },
    /// `dir` exists but cannot be read.
    Unreadable {
        dir: PathBuf,
        from: &'static str,
        cause: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NoCheckout { start } => write!(
                f,
                "no lab checkout at or above {}: run from inside the repository (the folder \
                 holding the workspace Cargo.toml and platform/)",
                start.display()
            ),
            Error::NoSchemas { dir, from } if *from == VENDORED => write!(
                f,
                "the vendored upstream schemas are missing from {}: restore them with \
                 `git checkout -- {VENDORED}`, or regenerate them with \
                 `cargo xtask schemas --from DIR`",
                dir.display()
            ),
            Error::NoSchemas { dir, from } => write!(
                f,
                "no upstream schemas in {} (from {from}): expected crds/<group>/*.yaml and \
                 talos/config.schema.json there, or the crds/ folder itself; {}, or fetch \
                 them with `.ci/fetch-crds.sh DIR`",
                dir.display(),
                use_vendored(from)
            ),
            Error::Unreadable { dir, from, cause } => write!(
                f,
                "cannot read the upstream schemas in {} (from {from}): {cause}; fix its \
                 permissions, or {}",
                dir.display(),
                use_vendored(from)
            ),
        }
    }
}

impl std::error::Error for Error {}

/// How to fall back to the vendored copy, given where the failing folder came from.
fn use_vendored(from: &str) -> String {
    if from == SCHEMAS_ENV {
        format!("unset {SCHEMAS_ENV} to use the copy vendored in {VENDORED}")
    } else {
        format!("leave out {from} to use the copy vendored in {VENDORED}")
    }
}

/// Is `dir` a lab checkout: the workspace `Cargo.toml` beside `platform/`?
pub fn is_checkout(dir: &Path) -> bool {
    dir.join("platform").is_dir()
        && std::fs::read_to_string(dir.join("Cargo.toml"))
            .is_ok_and(|text| text.lines().any(|l| l.trim() == "[workspace]"))
}

/// The nearest ancestor of `start` (itself included) that is a lab checkout.
pub fn find_checkout(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| is_checkout(dir))
        .map(Path::to_path_buf)
}

/// The checkout this process works on, found at run time: from the `CARGO_MANIFEST_DIR` cargo
/// sets when it runs a binary or a test (`cargo run`, `cargo xtask`, `cargo test`, nextest),
/// else from the working directory.
pub fn checkout_root() -> Result<PathBuf, Error> {
    if let Some(manifest) = std::env::var_os("CARGO_MANIFEST_DIR")
        && let Some(root) = find_checkout(Path::new(&manifest))
    {
        return Ok(root);
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    find_checkout(&cwd).ok_or(Error::NoCheckout { start: cwd })
}

/// Where the vendored chart facts live, relative to the repository root.
pub const CHARTS: &str = "crates/lab-upstream/charts";

/// The vendored chart facts of the checkout at `root`.
pub fn charts_for(root: &Path) -> PathBuf {
    root.join(CHARTS)
}

/// The vendored schemas of the checkout at `root`.
pub fn vendored(root: &Path) -> PathBuf {
    root.join(VENDORED)
}

/// The schemas to use with the checkout at `root`: `LAB_SCHEMAS_DIR` when set, else the
/// vendored copy.
pub fn schemas_for(root: &Path) -> Result<SchemaDirs, Error> {
    match std::env::var_os(SCHEMAS_ENV) {
        Some(dir) if !dir.is_empty() => resolve(Path::new(&dir), SCHEMAS_ENV),
        _ => resolve(&vendored(root), VENDORED),
    }
}

/// The schemas for this process's checkout (see [`checkout_root`] and [`schemas_for`]).
pub fn schemas() -> Result<SchemaDirs, Error> {
    schemas_for(&checkout_root()?)
}

/// The schema set at `dir`, given either as the folder holding `crds/` and `talos/` or as the
/// `crds/` folder itself (then Talos' schema is looked for beside it). `from` says where `dir`
/// came from (an option, a variable), for the error.
pub fn resolve(dir: &Path, from: &'static str) -> Result<SchemaDirs, Error> {
    let unreadable = |e: std::io::Error| Error::Unreadable {
        dir: dir.to_path_buf(),
        from,
        cause: e.to_string(),
    };
    let missing = || Error::NoSchemas {
        dir: dir.to_path_buf(),
        from,
    };
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(missing()),
        Err(e) => return Err(unreadable(e)),
        Ok(m) if !m.is_dir() => return Err(missing()),
        Ok(_) => {}
    }
    let (crds, talos) = if dir.join("crds").is_dir() {
        (dir.join("crds"), dir.join("talos/config.schema.json"))
    } else {
        let parent = dir.parent().unwrap_or(dir);
        (dir.to_path_buf(), parent.join("talos/config.schema.json"))
    };
    // A CRD folder holds group folders (`argoproj.io`, …); anything else is the wrong folder.
    let mut groups = 0;
    for entry in std::fs::read_dir(&crds).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        if entry.file_type().map_err(unreadable)?.is_dir()
            && entry.file_name().to_string_lossy().contains('.')
        {
            groups += 1;
        }
    }
    if groups == 0 {
        return Err(missing());
    }
    Ok(SchemaDirs { crds, talos })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("lab-upstream-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_vendored_schemas_are_found_from_this_checkout() {
        // Not `schemas()`: LAB_SCHEMAS_DIR may point elsewhere; this is about the vendored copy.
        let dirs = resolve(&vendored(&checkout_root().unwrap()), VENDORED).unwrap();
        assert!(dirs.crds.join("argoproj.io/applications.yaml").is_file());
        assert!(dirs.talos.is_file(), "{}", dirs.talos.display());
    }

    #[test]
    fn either_the_crds_folder_or_the_folder_above_it_is_accepted() {
        let dir = scratch("resolve");
        std::fs::create_dir_all(dir.join("crds/example.io")).unwrap();
        let above = resolve(&dir, "test").unwrap();
        let direct = resolve(&dir.join("crds"), "test").unwrap();
        assert_eq!(above, direct);
        assert_eq!(above.crds, dir.join("crds"));
        assert_eq!(above.talos, dir.join("talos/config.schema.json"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_or_wrong_folder_is_an_error_naming_it_and_the_fix() {
        let dir = scratch("missing");
        for bad in [dir.join("nope"), dir.clone()] {
            let err = resolve(&bad, SCHEMAS_ENV).unwrap_err().to_string();
            assert!(err.contains(&bad.display().to_string()), "{err}");
            assert!(err.contains("unset LAB_SCHEMAS_DIR"), "{err}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_checkout_is_the_nearest_ancestor_with_the_workspace_and_platform() {
        let dir = scratch("checkout");
        let inner = dir.join("a/b");
        std::fs::create_dir_all(&inner).unwrap();
        assert_eq!(find_checkout(&inner), None);
        std::fs::create_dir_all(dir.join("platform")).unwrap();
        std::fs::write(dir.join("Cargo.toml"), "[workspace]\nmembers = []\n").unwrap();
        // A member crate's manifest on the way up is not the workspace.
        std::fs::write(dir.join("a/Cargo.toml"), "[package]\nname = \"a\"\n").unwrap();
        assert_eq!(find_checkout(&inner), Some(dir.clone()));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

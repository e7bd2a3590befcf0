//! Paths inside `generated/`, validated so that nothing can be written outside it.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::Error;

/// A relative, normalized path below the output root, e.g. `hub/apps/application-argocd.yaml`.
///
/// Every component is a plain file name of `a-z 0-9 . _ -` that is neither `.` nor `..`
/// and does not start with a dot, so the path can never climb out of the root, name a hidden
/// file, or differ only by case on a case-insensitive file system.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RelPath(String);

impl RelPath {
    pub fn new(path: impl Into<String>) -> Result<Self, Error> {
        let path = path.into();
        let fail = |why: &str| {
            Err(Error::InvalidPath {
                path: path.clone(),
                why: why.to_owned(),
            })
        };
        if path.is_empty() {
            return fail("it is empty");
        }
        if path.starts_with('/') {
            return fail("it is absolute");
        }
        for part in path.split('/') {
            if part.is_empty() {
                return fail("it has an empty component");
            }
            if part == "." || part == ".." {
                return fail("it has a '.' or '..' component");
            }
            if part.starts_with('.') {
                return fail("a component starts with '.'");
            }
            if let Some(c) = part.chars().find(|c| {
                !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
            }) {
                return fail(&format!("it contains {c:?}"));
            }
        }
        Ok(Self(path))
    }

    /// `self/child`, validated.
    pub fn join(&self, child: &str) -> Result<Self, Error> {
        Self::new(format!("{}/{child}", self.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first component: `hub`, `targets`, `experiments`, `schemas`…
    pub fn top(&self) -> &str {
        self.0.split('/').next().unwrap_or_default()
    }

    /// The folder holding this file, if any.
    pub fn parent(&self) -> Option<&str> {
        self.0.rsplit_once('/').map(|(dir, _)| dir)
    }

    pub fn extension(&self) -> Option<&str> {
        let file = self.0.rsplit('/').next().unwrap_or_default();
        file.rsplit_once('.').map(|(_, ext)| ext)
    }

    /// The path below `root` on disk.
    pub fn under(&self, root: &Path) -> PathBuf {
        self.0.split('/').fold(root.to_path_buf(), |p, c| p.join(c))
    }
}

/// Lets maps keyed by `RelPath` be searched with a `&str` (the derived order is `str`'s).
impl std::borrow::Borrow<str> for RelPath {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_relative_paths() {
        let p = RelPath::new("hub/apps/application-argocd.yaml").unwrap();
        assert_eq!(p.top(), "hub");
        assert_eq!(p.parent(), Some("hub/apps"));
        assert_eq!(p.extension(), Some("yaml"));
    }

    #[test]
    fn refuses_anything_that_could_escape_or_hide() {
        for bad in [
            "",
            "/etc/passwd",
            "../x.yaml",
            "hub/../../x.yaml",
            "hub/./x.yaml",
            "hub//x.yaml",
            "hub/.hidden",
            "hub\\x.yaml",
            "Hub/x.yaml",
            "hub/x y.yaml",
        ] {
            assert!(RelPath::new(bad).is_err(), "{bad:?} should be refused");
        }
    }
}

//! The whole output, in memory: a sorted map from path to artifact.

use std::collections::BTreeMap;

use crate::{Artifact, Error, RelPath};

/// All artifacts of one render. Paths are unique; iteration order is path order, so the
/// rendered bytes never depend on the order builders ran in.
#[derive(Debug, Default)]
pub struct Tree {
    artifacts: BTreeMap<RelPath, Artifact>,
}

/// Rendered files: path → exact contents.
pub type Files = BTreeMap<RelPath, String>;

impl Tree {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an artifact; a second artifact for the same file is an error naming both.
    pub fn add(&mut self, artifact: Artifact) -> Result<(), Error> {
        if let Some(first) = self.artifacts.get(&artifact.path) {
            return Err(Error::DuplicatePath {
                path: artifact.path.to_string(),
                first: describe(first),
                second: describe(&artifact),
            });
        }
        self.artifacts.insert(artifact.path.clone(), artifact);
        Ok(())
    }

    pub fn extend(&mut self, artifacts: impl IntoIterator<Item = Artifact>) -> Result<(), Error> {
        artifacts.into_iter().try_for_each(|a| self.add(a))
    }

    pub fn artifacts(&self) -> impl Iterator<Item = &Artifact> {
        self.artifacts.values()
    }

    pub fn get(&self, path: &str) -> Option<&Artifact> {
        RelPath::new(path).ok().and_then(|p| self.artifacts.get(&p))
    }

    pub fn len(&self) -> usize {
        self.artifacts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.artifacts.is_empty()
    }

    /// Every file's exact bytes.
    pub fn render(&self) -> Result<Files, Error> {
        let artifacts: Vec<&Artifact> = self.artifacts.values().collect();
        Ok(crate::par::map(&artifacts, |a| {
            Ok::<_, Error>((a.path.clone(), a.render()?))
        })?
        .into_iter()
        .collect())
    }
}

fn describe(a: &Artifact) -> String {
    match &a.object {
        Some(id) => id.to_string(),
        None => format!("{:?} document", a.format),
    }
}

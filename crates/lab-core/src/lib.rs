//! The lab's core: what a rendered object is, where it goes, how it is written.
//!
//! Builders in other crates produce [`Artifact`]s (typed objects already serialized to an
//! ordered JSON value, plus the file they go to); a [`Tree`] collects them, refuses duplicates,
//! and renders deterministic bytes; [`fs`] writes a tree atomically and reads one back;
//! [`diff`] compares two trees object by object.

pub mod artifact;
pub mod diff;
pub mod finding;
pub mod fs;
pub mod layout;
pub mod name;
pub mod par;
pub mod path;
pub mod sections;
pub mod tree;
pub mod yaml;

pub use artifact::{Artifact, Format, Object, ObjectId};
pub use finding::Finding;
pub use name::{Label, NameRule};
pub use path::RelPath;
pub use tree::{Files, Tree};

/// Everything that can go wrong while building or writing the tree. Each variant says what was
/// expected, so the CLI can print it as it is.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid name {name:?}: expected {expected}, but {why}")]
    InvalidName {
        name: String,
        expected: &'static str,
        why: String,
    },
    #[error("invalid output path {path:?}: {why}")]
    InvalidPath { path: String, why: String },
    #[error("two artifacts want the same file {path}: {first} and {second}")]
    DuplicatePath {
        path: String,
        first: String,
        second: String,
    },
    #[error("{what} has no {field}")]
    Missing { what: String, field: &'static str },
    #[error("YAML: {0}")]
    Yaml(String),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{path}: {cause}")]
    Io { path: String, cause: std::io::Error },
    #[error("refusing to write: {0}")]
    Unsafe(String),
}

impl Error {
    pub fn io(path: impl AsRef<std::path::Path>, cause: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().display().to_string(),
            cause,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

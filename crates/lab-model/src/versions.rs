//! `platform/versions.yaml`: every Helm chart and container image version of the lab, pinned
//! exactly, in one file that Renovate's regex manager keeps current (one line per bump).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Versions {
    /// Helm charts by chart name.
    pub charts: BTreeMap<String, Chart>,
    /// Container images by a short name used in the Rust builders.
    #[serde(default)]
    pub images: BTreeMap<String, Image>,
}

/// A Helm chart pinned to one exact version.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Chart {
    /// Helm repository URL (`https://…`) or OCI registry (`oci://…` without the chart name).
    #[schemars(regex(pattern = r"^(https|oci)://[^\s]+[^/]$"))]
    pub repository: String,
    /// Exact chart version: no ranges, no `latest`.
    #[schemars(regex(pattern = r"^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$"))]
    pub version: String,
}

/// A container image pinned to a tag and, where known, a digest.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Image {
    /// Registry and repository, e.g. `docker.io/curlimages/curl`.
    #[schemars(regex(pattern = r"^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+$"))]
    pub repository: String,
    /// Exact tag; never `latest`.
    #[schemars(regex(pattern = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"))]
    pub tag: String,
    /// Content digest, `sha256:` and 64 hex digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^sha256:[0-9a-f]{64}$"))]
    pub digest: Option<String>,
}

impl Image {
    /// `repository:tag@digest`, or `repository:tag`.
    pub fn reference(&self) -> String {
        match &self.digest {
            Some(d) => format!("{}:{}@{d}", self.repository, self.tag),
            None => format!("{}:{}", self.repository, self.tag),
        }
    }
}

/// A chart or image a builder asked for that the versions file does not list.
#[derive(Debug, thiserror::Error)]
#[error("platform/versions.yaml has no {what} {name:?}; add it there with an exact version")]
pub struct MissingVersion {
    pub what: &'static str,
    pub name: String,
}

/// A chart with its name, as a builder uses it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartRef {
    pub name: String,
    pub repository: String,
    pub version: String,
}

impl Versions {
    pub fn chart(&self, name: &str) -> Result<ChartRef, MissingVersion> {
        let chart = self.charts.get(name).ok_or_else(|| MissingVersion {
            what: "chart",
            name: name.into(),
        })?;
        Ok(ChartRef {
            name: name.into(),
            repository: chart.repository.clone(),
            version: chart.version.clone(),
        })
    }

    pub fn image(&self, name: &str) -> Result<&Image, MissingVersion> {
        self.images.get(name).ok_or_else(|| MissingVersion {
            what: "image",
            name: name.into(),
        })
    }
}

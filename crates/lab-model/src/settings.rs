//! `platform/hub/platform.yaml`: the few facts every builder needs (where the repository is,
//! what the hub is called, which optional parts are on).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::input::Input;

/// Settings of the whole lab, written once and derived everywhere else.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    /// The Git repository ArgoCD syncs `generated/` from.
    pub repository: Repository,
    /// The hub cluster: Kind on a laptop, Talos hardware later.
    pub hub: Hub,
    /// Optional parts of the lab; all off unless switched on here.
    #[serde(default)]
    pub features: Features,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Repository {
    /// HTTPS clone URL of a GitHub repository, ending in `.git`.
    #[schemars(regex(pattern = r"^https://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+\.git$"))]
    pub url: String,
    /// Branch, tag or commit ArgoCD follows, e.g. `main`: `/`-separated parts of letters,
    /// digits, `.`, `_` and `-`, none starting with `.`.
    #[schemars(regex(
        pattern = r"^[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$"
    ))]
    pub revision: String,
}

impl Repository {
    /// `owner/name` of the GitHub repository, lower case (GHCR image paths are lower case).
    pub fn slug(&self) -> String {
        self.url
            .trim_start_matches("https://github.com/")
            .trim_end_matches(".git")
            .to_ascii_lowercase()
    }

    /// The registry prefix of the images the lab builds itself: `ghcr.io/<owner>/<repo>/`.
    pub fn image_prefix(&self) -> String {
        format!("ghcr.io/{}/", self.slug())
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Hub {
    /// Name of the hub cluster (the Kind cluster and kube context `kind-<name>`): an RFC 1123
    /// label of lower-case letters, digits and '-'.
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"))]
    pub cluster_name: String,
    /// DNS zone the hub serves its UIs under through k8s_gateway, e.g. `lab.local`: two or
    /// more lower-case labels of at most 63 characters, 253 characters in all.
    #[schemars(
        length(max = 253),
        regex(
            pattern = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$"
        )
    )]
    pub base_domain: String,
}

/// Every rule of the settings is a schema rule.
impl Input for Settings {}

#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Features {
    /// Expose hub UIs on a Tailscale tailnet (needs an OAuth client in OpenBao).
    #[serde(default)]
    pub tailscale: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::parse;
    use std::path::Path;

    const GOOD: &str = "repository:\n  url: https://github.com/illMadeCoder/illm-k8s-ai-lab.git\n  revision: main\nhub:\n  clusterName: hub\n  baseDomain: lab.local\n";

    #[test]
    fn good_settings_load() {
        let s: Settings = parse(Path::new("platform.yaml"), GOOD).unwrap();
        assert_eq!(s.repository.slug(), "illmadecoder/illm-k8s-ai-lab");
        assert!(!s.features.tailscale);
    }

    #[test]
    fn errors_name_file_field_and_expectation() {
        let bad = GOOD
            .replace("clusterName: hub", "clusterName: Hub_1")
            .replace("revision: main", "revision: main\n  colour: blue");
        let err = parse::<Settings>(Path::new("platform/hub/platform.yaml"), &bad).unwrap_err();
        insta::assert_snapshot!(err.to_string());
    }

    #[test]
    fn wrong_types_and_missing_fields_are_reported() {
        let bad = "repository:\n  url: 42\nhub:\n  clusterName: hub\n  baseDomain: lab.local\n";
        let err = parse::<Settings>(Path::new("platform.yaml"), bad).unwrap_err();
        insta::assert_snapshot!(err.to_string());
    }
}

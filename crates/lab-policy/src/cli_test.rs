//! The Kyverno CLI test manifest (`kyverno-test.yaml`, `cli.kyverno.io/v1alpha1` `Test`).
//!
//! It is a file format read by `kyverno test`, not an API object, so no CRD is installed for it
//! and kopium has nothing to bind: these few fields are the part of the format the lab uses.

use serde::{Deserialize, Serialize};

pub const API_VERSION: &str = "cli.kyverno.io/v1alpha1";
pub const KIND: &str = "Test";

/// One `kyverno test` manifest: policies and resources (paths relative to the manifest) and
/// the result expected for each (policy, rule, resource).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Test {
    pub api_version: String,
    pub kind: String,
    pub metadata: TestMetadata,
    pub policies: Vec<String>,
    pub resources: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<String>,
    pub results: Vec<TestResult>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestMetadata {
    pub name: String,
}

/// What `kyverno test` must report for some resources under one rule of one policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TestResult {
    pub policy: String,
    pub rule: String,
    pub kind: String,
    pub resources: Vec<String>,
    pub result: Outcome,
}

/// The outcomes a test may expect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
    Skip,
}

impl Test {
    pub fn new(name: &str) -> Self {
        Self {
            api_version: API_VERSION.to_owned(),
            kind: KIND.to_owned(),
            metadata: TestMetadata {
                name: name.to_owned(),
            },
            policies: Vec::new(),
            resources: Vec::new(),
            exceptions: Vec::new(),
            results: Vec::new(),
        }
    }
}

//! Inputs of the composition functions, typed. These are not CRDs (the functions read them from
//! the Composition), so they are written here with only the fields the lab uses.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

/// `pt.fn.crossplane.io/v1beta1 Resources`, the input of function-patch-and-transform.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resources {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub resources: Vec<ComposedTemplate>,
}

impl Resources {
    pub fn new(resources: Vec<ComposedTemplate>) -> Self {
        Self {
            api_version: "pt.fn.crossplane.io/v1beta1",
            kind: "Resources",
            resources,
        }
    }
}

/// One composed resource: a base manifest and the patches applied to it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComposedTemplate {
    pub name: String,
    /// The manifest. Provider MR kinds have no CRD in this repository to type them with, so
    /// bases are JSON built in one place per kind (see `compositions`).
    pub base: Value,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub patches: Vec<Patch>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type")]
pub enum Patch {
    /// XR field → composed field.
    FromCompositeFieldPath {
        #[serde(rename = "fromFieldPath")]
        from: String,
        #[serde(rename = "toFieldPath")]
        to: String,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        transforms: Vec<Transform>,
    },
    /// Composed field → XR status.
    ToCompositeFieldPath {
        #[serde(rename = "fromFieldPath")]
        from: String,
        #[serde(rename = "toFieldPath")]
        to: String,
    },
}

impl Patch {
    pub fn from_xr(from: &str, to: &str) -> Self {
        Patch::FromCompositeFieldPath {
            from: from.to_owned(),
            to: to.to_owned(),
            transforms: Vec::new(),
        }
    }

    pub fn from_xr_via(from: &str, to: &str, transform: Transform) -> Self {
        Patch::FromCompositeFieldPath {
            from: from.to_owned(),
            to: to.to_owned(),
            transforms: vec![transform],
        }
    }

    pub fn to_xr(from: &str, to: &str) -> Self {
        Patch::ToCompositeFieldPath {
            from: from.to_owned(),
            to: to.to_owned(),
        }
    }

    /// The XR field this patch reads or writes.
    pub fn xr_field(&self) -> &str {
        match self {
            Patch::FromCompositeFieldPath { from, .. } => from,
            Patch::ToCompositeFieldPath { to, .. } => to,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Transform {
    Map { map: BTreeMap<String, String> },
    String { string: StringTransform },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StringTransform {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub fmt: String,
}

impl Transform {
    pub fn map(pairs: &[(&str, &str)]) -> Self {
        Transform::Map {
            map: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    pub fn format(fmt: &str) -> Self {
        Transform::String {
            string: StringTransform {
                kind: "Format",
                fmt: fmt.to_owned(),
            },
        }
    }
}

/// `gotemplating.fn.crossplane.io/v1beta1 GoTemplate` with an inline template.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GoTemplate {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub source: &'static str,
    pub inline: Inline,
}

#[derive(Clone, Debug, Serialize)]
pub struct Inline {
    pub template: String,
}

impl GoTemplate {
    pub fn inline(template: String) -> Self {
        Self {
            api_version: "gotemplating.fn.crossplane.io/v1beta1",
            kind: "GoTemplate",
            source: "Inline",
            inline: Inline { template },
        }
    }
}

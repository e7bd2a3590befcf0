//! A problem a check found in the rendered tree: typed from the rule that found it to the
//! CLI that prints it, never a string split back apart.

use std::fmt;

use serde::Serialize;

use crate::ObjectId;

/// One finding: the file, the object in it (when the rule looks at one), the id of the rule
/// and what is wrong. Sorted by file, then object, then rule.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    /// Path below `generated/` (or an input file, for input rules).
    pub path: String,
    /// `Kind namespace/name` of the object, when the rule is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// Stable id of the rule, e.g. `image-pinned`; documented with the rule.
    pub rule: &'static str,
    pub message: String,
}

impl Finding {
    /// A finding about a whole file.
    pub fn file(path: impl Into<String>, rule: &'static str, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            object: None,
            rule,
            message: message.into(),
        }
    }

    /// A finding about one object of a file.
    pub fn object(
        path: impl Into<String>,
        object: &ObjectId,
        rule: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            path: path.into(),
            object: Some(object.to_string()),
            rule,
            message: message.into(),
        }
    }
}

/// `file · object · rule · message`, one line.
impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path)?;
        if let Some(object) = &self.object {
            write!(f, " · {object}")?;
        }
        write!(f, " · {} · {}", self.rule, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_object_rule_and_message() {
        let id = ObjectId {
            api_version: "v1".into(),
            kind: "Service".into(),
            namespace: Some("loki".into()),
            name: "loki".into(),
        };
        let f = Finding::object(
            "hub/loki/service-loki.yaml",
            &id,
            "ref-service",
            "no port 3100",
        );
        assert_eq!(
            f.to_string(),
            "hub/loki/service-loki.yaml · Service loki/loki · ref-service · no port 3100"
        );
        let g = Finding::file("hub/apps", "app-path", "empty");
        assert_eq!(g.to_string(), "hub/apps · app-path · empty");
        assert!(g < f, "sorted by path first");
    }
}

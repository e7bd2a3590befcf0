//! Kubernetes names, checked where they are made so a bad one never reaches the tree.

use std::fmt;

use crate::Error;

/// Which of the Kubernetes name rules a name must follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameRule {
    /// RFC 1123 label: namespaces, Services, most names that become DNS labels (63 characters).
    Label,
    /// RFC 1123 subdomain: most object names (253 characters, dots allowed).
    Subdomain,
}

impl NameRule {
    fn max_len(self) -> usize {
        match self {
            NameRule::Label => 63,
            NameRule::Subdomain => 253,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            NameRule::Label => {
                "an RFC 1123 label: at most 63 characters of a-z, 0-9 and '-', starting and ending alphanumeric"
            }
            NameRule::Subdomain => {
                "an RFC 1123 subdomain: at most 253 characters, dot-separated labels of a-z, 0-9 and '-'"
            }
        }
    }

    /// Checks `name` against the rule; the error says which rule and why.
    pub fn check(self, name: &str) -> Result<(), Error> {
        let fail = |why: &str| {
            Err(Error::InvalidName {
                name: name.to_owned(),
                expected: self.describe(),
                why: why.to_owned(),
            })
        };
        if name.is_empty() {
            return fail("it is empty");
        }
        if name.len() > self.max_len() {
            return fail(&format!("it has {} characters", name.len()));
        }
        let labels: Vec<&str> = match self {
            NameRule::Label => vec![name],
            NameRule::Subdomain => name.split('.').collect(),
        };
        for label in labels {
            let bytes = label.as_bytes();
            if bytes.is_empty() {
                return fail("it has an empty label between dots");
            }
            if let Some(c) = label
                .chars()
                .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
            {
                return fail(&format!("it contains {c:?}"));
            }
            if bytes[0] == b'-' || bytes[bytes.len() - 1] == b'-' {
                return fail("a label starts or ends with '-'");
            }
        }
        Ok(())
    }
}

/// A name that passed [`NameRule::Label`]: namespaces, Application names, component names.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Label(String);

impl Label {
    pub fn new(name: impl Into<String>) -> Result<Self, Error> {
        let name = name.into();
        NameRule::Label.check(&name)?;
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Label {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_rfc_1123() {
        for good in ["argocd", "a", "cert-manager", "x1", &"a".repeat(63)] {
            assert!(NameRule::Label.check(good).is_ok(), "{good} should pass");
        }
        for bad in [
            "",
            "Argo",
            "-a",
            "a-",
            "a.b",
            "a_b",
            "../x",
            "a/b",
            &"a".repeat(64),
        ] {
            assert!(NameRule::Label.check(bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn subdomains_allow_dots_but_not_empty_labels() {
        assert!(
            NameRule::Subdomain
                .check("servicemonitors.monitoring.coreos.com")
                .is_ok()
        );
        for bad in ["a..b", ".a", "a.", "..", "a/b", "A.b"] {
            assert!(NameRule::Subdomain.check(bad).is_err(), "{bad} should fail");
        }
    }
}

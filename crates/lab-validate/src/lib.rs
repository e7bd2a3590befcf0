//! `cargo xtask validate`: every rendered object against a strict schema (unknown fields are
//! errors, like `kubeconform -strict`), then the lab's own rules across objects.
//!
//! Custom resources are checked against the upstream CRD files (`--schemas DIR`); core kinds
//! against the schemas k8s-openapi derives from Kubernetes' OpenAPI document. Metadata is
//! checked against `ObjectMeta` for every object, since CRD schemas leave it open.

pub mod cluster;
mod rules;
mod schemas;

use std::fmt;

use lab_core::{Format, Tree};
use lab_model::Settings;

pub use schemas::Schemas;

/// One problem, tied to the file it is in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub path: String,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub objects_checked: usize,
    pub documents_skipped: usize,
    /// Objects each cluster rule checked (see [`cluster`]).
    pub rule_stats: Vec<cluster::RuleStats>,
}

/// Validates the whole tree: schemas, then rules. Findings are sorted by file.
pub fn validate(tree: &Tree, schemas: &Schemas, settings: &Settings) -> Report {
    let mut report = Report::default();
    for artifact in tree.artifacts() {
        let mut note = |message: String| {
            report.findings.push(Finding {
                path: artifact.path.to_string(),
                message,
            })
        };
        if artifact.format == Format::TalosPatch {
            // Machine configs must never carry the cluster's key material or tokens.
            for doc in &artifact.documents {
                lab_talos::secret_findings(doc)
                    .into_iter()
                    .for_each(&mut note);
            }
            match &schemas.talos {
                Some(schema) => {
                    for doc in &artifact.documents {
                        lab_talos::validate_talos(doc, schema)
                            .into_iter()
                            .for_each(&mut note);
                    }
                    report.objects_checked += artifact.documents.len();
                }
                None => note("no Talos schema given to check this patch against".into()),
            }
            continue;
        }
        if artifact.format != Format::Object {
            report.documents_skipped += 1;
            continue;
        }
        for doc in &artifact.documents {
            report.objects_checked += 1;
            for message in schemas.check(doc) {
                report.findings.push(Finding {
                    path: artifact.path.to_string(),
                    message,
                });
            }
        }
    }
    report.findings.extend(rules::check(tree, settings));
    let prefix = lab_policy::lab_registry_prefix(settings);
    report.findings.extend(
        lab_policy::image_findings(tree, &prefix)
            .into_iter()
            .map(|line| match line.split_once(": ") {
                Some((path, message)) => Finding {
                    path: path.to_owned(),
                    message: message.to_owned(),
                },
                None => Finding {
                    path: "/".to_owned(),
                    message: line,
                },
            }),
    );
    report.findings.sort();
    report
}

/// [`validate`], then the cluster rules, which also read repository files ([`cluster::Facts`]).
pub fn validate_cluster(
    tree: &Tree,
    schemas: &Schemas,
    settings: &Settings,
    facts: &cluster::Facts,
) -> Report {
    let mut report = validate(tree, schemas, settings);
    let outcome = cluster::check(tree, settings, facts);
    report.rule_stats = outcome.stats;
    report
        .findings
        .extend(outcome.findings.into_iter().map(Finding::from));
    report.findings.sort();
    report
}

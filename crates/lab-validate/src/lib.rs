//! `cargo xtask validate`: every rendered object against a strict schema (unknown fields are
//! errors, like `kubeconform -strict`), then the lab's own rules across objects.
//!
//! Custom resources are checked against the upstream CRD files (`--schemas DIR`); core kinds
//! against the schemas k8s-openapi derives from Kubernetes' OpenAPI document. Metadata is
//! checked against `ObjectMeta` for every object, since CRD schemas leave it open.

//!
//! Architecture invariant: this crate reads only the rendered tree and the input facts of
//! `lab-model`; it depends on no builder crate, so a check cannot share a bug with the code it
//! checks. Every rule returns typed [`Finding`]s with a stable rule id.

pub mod chart_values;
pub mod cluster;
pub mod images;
mod rules;
mod schemas;
pub mod talos;

use lab_core::{Finding, Format, Tree};
use lab_model::Settings;

pub use schemas::Schemas;

/// Rule ids of the checks in this file.
pub const SCHEMA: &str = "schema";
pub const TALOS_SCHEMA: &str = "talos-schema";
pub const TALOS_SECRET: &str = "talos-secret";

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
        let path = artifact.path.to_string();
        if artifact.format == Format::TalosPatch {
            for doc in &artifact.documents {
                // Machine configs must never carry the cluster's key material or tokens.
                for at in talos::secret_findings(doc) {
                    report.findings.push(Finding::file(
                        &path,
                        TALOS_SECRET,
                        format!("{at}: secret material in a machine config"),
                    ));
                }
                match &schemas.talos {
                    Some(schema) => {
                        report.objects_checked += 1;
                        for message in talos::validate_talos(doc, schema) {
                            report
                                .findings
                                .push(Finding::file(&path, TALOS_SCHEMA, message));
                        }
                    }
                    None => report.findings.push(Finding::file(
                        &path,
                        TALOS_SCHEMA,
                        "no Talos schema given to check this patch against",
                    )),
                }
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
                report.findings.push(match &artifact.object {
                    Some(id) => Finding::object(&path, id, SCHEMA, message),
                    None => Finding::file(&path, SCHEMA, message),
                });
            }
        }
    }
    report.findings.extend(rules::check(tree, settings));
    report.findings.extend(images::image_findings(
        tree,
        &settings.repository.image_prefix(),
    ));
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
    report.findings.extend(outcome.findings);
    report.findings.sort();
    report
}

//! `cargo xtask validate`: every rendered object against the upstream schemas (vendored in
//! crates/lab-upstream, or `--schemas` / `LAB_SCHEMAS_DIR`), plus the lab's rules.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use lab_core::fs::{as_disk_tree, read_tree};
use lab_core::layout;

use crate::style::{self, BOLD, DIM, Format, WARN};

#[derive(clap::Args)]
pub struct Args {
    /// Upstream schemas: a folder holding crds/ and talos/, or the crds/ folder itself
    /// (default: LAB_SCHEMAS_DIR, else the copy vendored in crates/lab-upstream/schemas).
    #[arg(long, value_name = "DIR")]
    pub schemas: Option<PathBuf>,
    /// Talos' config.schema.json (default: talos/config.schema.json of the schema folder).
    #[arg(long, value_name = "FILE")]
    pub talos_schema: Option<PathBuf>,
    /// Output: one line per finding for people, or one JSON document.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(root: &Path, args: &Args) -> Result<ExitCode> {
    let start = Instant::now();
    let dirs = match &args.schemas {
        Some(dir) => lab_upstream::resolve(dir, "--schemas")?,
        None => lab_upstream::schemas_for(root)?,
    };
    let talos = args.talos_schema.clone().unwrap_or(dirs.talos);
    let inputs = lab::Inputs::load(root)?;
    let tree = lab::render(&inputs)?;
    let files = tree.render()?;
    let catalog = lab_validate::Schemas::load(&dirs.crds)?.with_talos(&talos)?;
    let facts = lab_validate::cluster::Facts::load(root)?;
    let mut report = lab_validate::validate_cluster(&tree, &catalog, &inputs.settings, &facts);
    // Every Helm value against the pinned chart's vendored facts.
    let chart_facts = lab_validate::chart_values::Catalog::load(&lab_upstream::charts_for(root))?;
    let charts = lab_validate::chart_values::check(&tree, &chart_facts);
    report.findings.extend(charts.findings.iter().cloned());
    report.findings.sort();
    let stale = read_tree(&layout::generated_dir(root))? != as_disk_tree(&files);
    let ok = report.findings.is_empty() && !stale;
    if args.format == Format::Json {
        style::json(&serde_json::json!({
            "objects_checked": report.objects_checked,
            "documents_skipped": report.documents_skipped,
            "chart_values": {
                "sources_checked": charts.sources_checked,
                "charts_vendored": chart_facts.len(),
                "paths_checked": charts.paths_checked,
                "paths_free_form": charts.paths_free_form,
                "paths_subchart": charts.paths_subchart,
                "schemas_checked": charts.schema_checked,
                "unchecked": charts.unchecked,
            },
            "rules": report
                .rule_stats
                .iter()
                .map(|r| serde_json::json!({"rule": r.rule, "checked": r.checked}))
                .collect::<Vec<_>>(),
            "generated_stale": stale,
            "findings": report.findings,
        }))?;
    } else {
        for stats in &report.rule_stats {
            anstream::println!(
                "{DIM}rule{DIM:#} {:<22} {:>5} checked",
                stats.rule,
                stats.checked
            );
        }
        for line in &charts.unchecked {
            style::warning(
                "validate",
                &format!("chart values NOT checked (no sources, see charts.lock): {line}"),
            );
        }
        style::summary(
            "validate",
            &format!(
                "chart values: {} chart source(s) against {} vendored chart(s), {} key path(s) looked up (and {} more below free-form maps; {} under subcharts without vendored values, not checked), {} values file(s) against a chart schema",
                charts.sources_checked,
                chart_facts.len(),
                charts.paths_checked,
                charts.paths_free_form,
                charts.paths_subchart,
                charts.schema_checked,
            ),
        );
        for finding in &report.findings {
            let text = finding.to_string();
            // `file · …`: the file stands out, the rest follows.
            match text.split_once(' ') {
                Some((file, rest)) => anstream::println!("{BOLD}{file}{BOLD:#} {rest}"),
                None => anstream::println!("{WARN}{text}{WARN:#}"),
            }
        }
        let line = format!(
            "{} objects checked against schemas, {} other documents, {} finding(s) in {} ms {DIM}({}){DIM:#}",
            report.objects_checked,
            report.documents_skipped,
            report.findings.len(),
            start.elapsed().as_millis(),
            dirs.crds.strip_prefix(root).unwrap_or(&dirs.crds).display(),
        );
        if report.findings.is_empty() {
            style::summary("validate", &line);
        } else {
            style::warning("validate", &line);
        }
        if stale {
            style::warning(
                "validate",
                &format!(
                    "{}/ on disk differs from the render; run `cargo xtask render`",
                    layout::GENERATED
                ),
            );
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

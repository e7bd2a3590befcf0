//! Object-by-object comparison of two trees, for `check` and for pull-request diffs.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use similar::TextDiff;

use crate::ObjectId;
use crate::fs::DiskTree;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Changed,
    Removed,
}

impl ChangeKind {
    fn word(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Changed => "changed",
            ChangeKind::Removed => "removed",
        }
    }
}

/// One file (one object, by the layout rule) that differs.
#[derive(Debug, Serialize)]
pub struct Change {
    pub path: String,
    pub kind: ChangeKind,
    /// What the file holds, e.g. `Application argocd/argocd`, when it is an object.
    pub object: Option<String>,
    /// A unified diff with `a/` and `b/` headers.
    pub unified: String,
}

/// All differences between an old and a new tree, grouped by the Application they belong to.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub groups: BTreeMap<String, Vec<Change>>,
}

impl Report {
    pub fn between(old: &DiskTree, new: &DiskTree) -> Self {
        let mut report = Report::default();
        let paths: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
        for path in paths {
            let (a, b) = (old.get(path), new.get(path));
            let kind = match (a, b) {
                (None, Some(_)) => ChangeKind::Added,
                (Some(_), None) => ChangeKind::Removed,
                (Some(x), Some(y)) if x != y => ChangeKind::Changed,
                _ => continue,
            };
            let text = |bytes: Option<&Vec<u8>>| {
                bytes
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default()
            };
            let (before, after) = (text(a), text(b));
            let unified = TextDiff::from_lines(&before, &after)
                .unified_diff()
                .context_radius(3)
                .header(
                    &if a.is_some() {
                        format!("a/{path}")
                    } else {
                        "/dev/null".into()
                    },
                    &if b.is_some() {
                        format!("b/{path}")
                    } else {
                        "/dev/null".into()
                    },
                )
                .to_string();
            let object = describe(if b.is_some() { &after } else { &before });
            report
                .groups
                .entry(group_of(path))
                .or_default()
                .push(Change {
                    path: path.clone(),
                    kind,
                    object,
                    unified,
                });
        }
        report
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    pub fn count(&self, kind: ChangeKind) -> usize {
        self.changes().filter(|c| c.kind == kind).count()
    }

    pub fn changes(&self) -> impl Iterator<Item = &Change> {
        self.groups.values().flatten()
    }

    /// `3 added, 1 changed, 0 removed`
    pub fn counts_line(&self) -> String {
        format!(
            "{} added, {} changed, {} removed",
            self.count(ChangeKind::Added),
            self.count(ChangeKind::Changed),
            self.count(ChangeKind::Removed)
        )
    }

    /// Plain text for a terminal.
    pub fn to_text(&self) -> String {
        let mut out = format!("{}\n", self.counts_line());
        for (group, changes) in &self.groups {
            let _ = writeln!(out, "\n== {group}");
            for c in changes {
                let _ = writeln!(out, "-- {} {}", c.kind.word(), label(c));
                out.push_str(&c.unified);
            }
        }
        out
    }

    /// Markdown for a pull-request comment, at most `limit` characters. When the full diff does
    /// not fit, whole objects are left out and a closing note names how many and which.
    pub fn to_markdown(&self, limit: usize) -> String {
        let head = format!(
            "### Rendered diff of `generated/`\n\n**{}** in {} Application group(s).\n",
            self.counts_line(),
            self.groups.len()
        );
        if self.is_empty() {
            return format!("{head}\nNo change to the rendered tree.\n");
        }
        let mut out = head;
        let mut omitted: Vec<String> = Vec::new();
        // Room kept for the closing note.
        let reserve = 2_000.min(limit / 4);
        for (group, changes) in &self.groups {
            let group_head = format!("\n#### {group}\n");
            let mut group_written = false;
            for c in changes {
                let block = format!(
                    "<details><summary>{} {}</summary>\n\n```diff\n{}```\n</details>\n",
                    c.kind.word(),
                    label(c),
                    c.unified.replace("```", "` ` `")
                );
                let need = block.len() + if group_written { 0 } else { group_head.len() };
                if omitted.is_empty() && out.len() + need + reserve <= limit {
                    if !group_written {
                        out.push_str(&group_head);
                        group_written = true;
                    }
                    out.push_str(&block);
                } else {
                    omitted.push(format!("{} {}", c.kind.word(), c.path));
                }
            }
        }
        if !omitted.is_empty() {
            let mut note = format!(
                "\n> **Truncated:** {} more object diff(s) did not fit in one comment. Run `cargo xtask diff` locally for all of it.\n",
                omitted.len()
            );
            for line in &omitted {
                let entry = format!("> - {line}\n");
                if out.len() + note.len() + entry.len() + 40 > limit {
                    note.push_str("> - …and more\n");
                    break;
                }
                note.push_str(&entry);
            }
            out.push_str(&note);
        }
        out
    }
}

fn label(c: &Change) -> String {
    match &c.object {
        Some(o) => format!("{o} ({})", c.path),
        None => c.path.clone(),
    }
}

pub use crate::layout::group_of;

fn describe(text: &str) -> Option<String> {
    let doc: serde_json::Value = serde_saphyr::from_str(text).ok()?;
    ObjectId::from_value(&doc).map(|id| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(entries: &[(&str, &str)]) -> DiskTree {
        entries
            .iter()
            .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec()))
            .collect()
    }

    const APP: &str = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: argocd\n  namespace: argocd\nspec:\n  project: platform\n";

    #[test]
    fn groups_application_values_and_objects_together() {
        assert_eq!(group_of("hub/apps/application-argocd.yaml"), "hub/argocd");
        assert_eq!(group_of("hub/values/argocd.yaml"), "hub/argocd");
        assert_eq!(group_of("hub/argocd/configmap-x.yaml"), "hub/argocd");
        assert_eq!(group_of("hub/apps/appproject-platform.yaml"), "hub/apps");
    }

    #[test]
    fn text_report_names_objects_and_counts() {
        let old = tree(&[
            ("hub/apps/application-argocd.yaml", APP),
            ("hub/x/gone.yaml", "a: 1\n"),
        ]);
        let new = tree(&[
            (
                "hub/apps/application-argocd.yaml",
                &APP.replace("platform", "hub"),
            ),
            ("hub/values/argocd.yaml", "server: {}\n"),
        ]);
        let report = Report::between(&old, &new);
        insta::assert_snapshot!(report.to_text());
    }

    #[test]
    fn markdown_is_truncated_with_a_note_never_silently() {
        let old = DiskTree::new();
        let new: DiskTree = (0..200)
            .map(|i| {
                (
                    format!("hub/app{i}/configmap-c.yaml"),
                    "x: 1\n".repeat(50).into_bytes(),
                )
            })
            .collect();
        let report = Report::between(&old, &new);
        let md = report.to_markdown(65_536);
        assert!(md.len() <= 65_536, "{} characters", md.len());
        assert!(md.contains("**Truncated:**"));
        assert!(md.contains("200 added"));
        let full = report.to_markdown(usize::MAX);
        assert!(!full.contains("Truncated"));
    }
}

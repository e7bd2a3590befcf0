//! Every query an experiment states, with where it stands: the spec's checks, alerts and queries and
//! the tutorial's fenced ```promql, ```logql and ```traceql blocks. CI feeds them to promtool
//! and Grafana's Lezer parsers (`.ci/check-experiments.sh`).

use serde::Serialize;

use crate::Experiment;
use crate::spec::Language;

/// One query and its source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Located {
    pub language: Language,
    /// File relative to the repository root.
    pub file: String,
    /// 1-based line of the query's first line (the spec's are the file's first line: the
    /// loader keeps no positions; the `field` names them).
    pub line: usize,
    /// JSON pointer into the spec, or `tutorial` for fenced blocks.
    pub field: String,
    pub text: String,
}

/// The queries of `exp`, spec first, then the tutorial in reading order. A check contributes
/// its condition (`(expr) op value`), which is what the workflow evaluates.
pub fn of(exp: &Experiment) -> Vec<Located> {
    let spec_file = exp.spec_file().display().to_string();
    let mut out: Vec<Located> = exp
        .spec
        .checks
        .iter()
        .enumerate()
        .map(|(i, c)| Located {
            language: Language::Promql,
            file: spec_file.clone(),
            line: 1,
            field: format!("/checks/{i}/expr"),
            text: c.condition(),
        })
        .collect();
    for (i, m) in exp
        .spec
        .comparison
        .iter()
        .flat_map(|t| &t.measures)
        .enumerate()
    {
        out.extend(m.queries.iter().map(|(subject, q)| Located {
            language: Language::Promql,
            file: spec_file.clone(),
            line: 1,
            field: format!("/comparison/measures/{i}/queries/{subject}"),
            text: q.clone(),
        }));
    }
    out.extend(exp.spec.alerts.iter().enumerate().map(|(i, a)| Located {
        language: Language::Promql,
        file: spec_file.clone(),
        line: 1,
        field: format!("/alerts/{i}/expr"),
        text: a.expr.clone(),
    }));
    out.extend(exp.spec.queries.iter().enumerate().map(|(i, q)| Located {
        language: q.language,
        file: spec_file.clone(),
        line: 1,
        field: format!("/queries/{i}/expr"),
        text: q.expr.clone(),
    }));
    let tutorial = format!("experiments/{}/{}", exp.name, exp.spec.tutorial);
    out.extend(
        fenced(&exp.tutorial)
            .into_iter()
            .map(|(language, line, text)| Located {
                language,
                file: tutorial.clone(),
                line,
                field: "tutorial".into(),
                text,
            }),
    );
    out
}

/// Fenced blocks of a query language in Markdown: (language, line of the first query line,
/// text). Other fences (```sh, ```yaml) are skipped.
pub fn fenced(markdown: &str) -> Vec<(Language, usize, String)> {
    let mut out = Vec::new();
    let mut open: Option<(Option<Language>, usize, Vec<&str>)> = None;
    for (i, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        match open.take() {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    let lang = Language::ALL
                        .into_iter()
                        .find(|l| info.trim() == l.as_str());
                    open = Some((lang, i + 2, Vec::new()));
                }
            }
            Some((lang, start, mut body)) => {
                if trimmed.starts_with("```") {
                    if let Some(lang) = lang {
                        out.push((lang, start, body.join("\n")));
                    }
                } else {
                    body.push(line);
                    open = Some((lang, start, body));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fenced_blocks_keep_language_line_and_text() {
        let md =
            "# T\n\n```promql\nup\n```\n\n```sh\nls\n```\n```logql\n{app=\"x\"}\n  |= \"e\"\n```\n";
        let got = fenced(md);
        assert_eq!(
            got,
            vec![
                (Language::Promql, 4, "up".to_owned()),
                (Language::Logql, 11, "{app=\"x\"}\n  |= \"e\"".to_owned()),
            ]
        );
    }
}

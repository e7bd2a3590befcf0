//! Generated sections of hand-written Markdown. GitHub cannot include one file in another, so
//! a table or diagram shown inline in a hand-written page (the README, a roadmap page) is a
//! copy; the copy sits between two markers and is rewritten from the model, never by hand:
//!
//! ```text
//! <!-- BEGIN generated:NAME -->
//! …
//! <!-- END generated:NAME -->
//! ```
//!
//! [`splice`] is pure: the caller decides what NAME renders to and where the text goes.

const BEGIN: &str = "<!-- BEGIN generated:";
const END: &str = "<!-- END generated:";
const CLOSE: &str = " -->";

/// A malformed section, with the 1-based line where it starts.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct SectionError {
    pub line: usize,
    pub problem: String,
}

/// The name of a marker line of kind `prefix`, if the line is one.
fn marker<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    line.trim_end()
        .strip_prefix(prefix)?
        .strip_suffix(CLOSE)
        .map(str::trim)
}

/// The section names of `text`, in order.
pub fn names(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| marker(l, BEGIN))
        .map(str::to_owned)
        .collect()
}

/// `text` with the body of every section replaced by `fill(name)` (framed by blank lines, so
/// a table or fence stands on its own). An unknown name is `fill`'s error; a section that is
/// not closed, closed under another name, nested, or an END without a BEGIN is an error.
pub fn splice(
    text: &str,
    mut fill: impl FnMut(&str) -> Result<String, String>,
) -> Result<String, SectionError> {
    let mut out = String::with_capacity(text.len());
    // The open section: its name and the line of its BEGIN.
    let mut open: Option<(String, usize)> = None;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let at = i + 1;
        if let Some(name) = marker(line, BEGIN) {
            if let Some((outer, start)) = &open {
                return Err(SectionError {
                    line: at,
                    problem: format!("section {name:?} begins inside {outer:?} (line {start})"),
                });
            }
            let body = fill(name).map_err(|problem| SectionError { line: at, problem })?;
            out.push_str(line);
            out.push('\n');
            out.push_str(body.trim_end());
            out.push_str("\n\n");
            open = Some((name.to_owned(), at));
        } else if let Some(name) = marker(line, END) {
            match open.take() {
                Some((begun, _)) if begun == name => out.push_str(line),
                Some((begun, start)) => {
                    return Err(SectionError {
                        line: at,
                        problem: format!("END of {name:?} closes {begun:?} (line {start})"),
                    });
                }
                None => {
                    return Err(SectionError {
                        line: at,
                        problem: format!("END of {name:?} without a BEGIN"),
                    });
                }
            }
        } else if open.is_none() {
            out.push_str(line);
        }
    }
    match open {
        Some((name, line)) => Err(SectionError {
            line,
            problem: format!("section {name:?} has no `{END}{name}{CLOSE}`"),
        }),
        None => Ok(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(name: &str) -> Result<String, String> {
        match name {
            "a" => Ok("| x |\n|---|\n| 1 |\n".into()),
            other => Err(format!("no section {other:?}")),
        }
    }

    #[test]
    fn a_stale_body_is_replaced_and_the_rest_kept() {
        let text =
            "# Title\n\n<!-- BEGIN generated:a -->\nold row\n<!-- END generated:a -->\nafter\n";
        let got = splice(text, fill).unwrap();
        assert_eq!(
            got,
            "# Title\n\n<!-- BEGIN generated:a -->\n\n| x |\n|---|\n| 1 |\n\n<!-- END generated:a -->\nafter\n"
        );
        // Filling a filled text changes nothing.
        assert_eq!(splice(&got, fill).unwrap(), got);
        assert_eq!(names(text), ["a"]);
    }

    #[test]
    fn malformed_sections_name_their_line() {
        let cases = [
            (
                "<!-- BEGIN generated:b -->\n<!-- END generated:b -->\n",
                1,
                "no section \"b\"",
            ),
            ("x\n<!-- BEGIN generated:a -->\n", 2, "has no"),
            ("<!-- END generated:a -->\n", 1, "without a BEGIN"),
            (
                "<!-- BEGIN generated:a -->\n<!-- BEGIN generated:a -->\n",
                2,
                "begins inside",
            ),
            (
                "<!-- BEGIN generated:a -->\n<!-- END generated:c -->\n",
                2,
                "closes \"a\"",
            ),
        ];
        for (text, line, problem) in cases {
            let e = splice(text, fill).unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.problem.contains(problem), "{text:?}: {e}");
        }
    }
}

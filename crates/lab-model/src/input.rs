//! Loading an input file: YAML → JSON-schema check → typed value → the type's own rules
//! ([`Input::check`]). Every finding names the file, line and column, the field (`nodes[1].ip`),
//! the value as written and what was expected; all findings of a file are reported at once.

mod field;
mod schema;
mod yaml;

use std::fmt;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use field::Field;
use yaml::Document;

/// An input type: its JSON schema (from schemars) says most rules, so editors show them too;
/// [`Input::check`] says the rest, in one place per type.
pub trait Input: JsonSchema + DeserializeOwned + 'static {
    /// The rules the schema cannot express (IP arithmetic, uniqueness, …), every problem at
    /// once. Runs only on a value that passed the schema.
    fn check(&self) -> Vec<Problem> {
        Vec::new()
    }
}

/// One thing wrong with an input, about one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub field: Field,
    /// Stable id of the rule, e.g. `schema-pattern` or `talos-reserved-address`.
    pub rule: &'static str,
    /// What is wrong, quoting the offending value, and what was expected.
    pub message: String,
}

impl Problem {
    pub fn new(field: Field, rule: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            rule,
            message: message.into(),
        }
    }
}

/// `field · rule · message`.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} · {} · {}", self.field, self.rule, self.message)
    }
}

/// A bad input file: every problem found in it, with its position when known.
#[derive(Debug)]
pub struct InputError {
    /// The file as the user knows it (relative to the repository where possible).
    pub file: PathBuf,
    pub problems: Vec<(Problem, Option<(u64, u64)>)>,
}

impl InputError {
    fn whole(file: &Path, rule: &'static str, message: String, at: Option<(u64, u64)>) -> Self {
        Self {
            file: file.to_path_buf(),
            problems: vec![(Problem::new(Field::root(), rule, message), at)],
        }
    }

    /// One typed finding per problem: `file:line:column · field · rule · message`.
    pub fn findings(&self) -> Vec<lab_core::Finding> {
        self.problems
            .iter()
            .map(|(p, at)| {
                let file = self.file.display();
                lab_core::Finding {
                    path: match at {
                        Some((line, column)) => format!("{file}:{line}:{column}"),
                        None => file.to_string(),
                    },
                    object: Some(p.field.to_string()),
                    rule: p.rule,
                    message: p.message.clone(),
                }
            })
            .collect()
    }
}

/// One finding a line.
impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, finding) in self.findings().iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{finding}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

/// The JSON schema of an input type, as written to `generated/schemas/` for editors.
pub fn schema_of<T: JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(T)).unwrap_or(Value::Null)
}

/// Reads `file` as YAML, checks it against `T`'s JSON schema, deserializes it and applies
/// `T`'s own rules.
pub fn load<T: Input>(file: &Path) -> Result<T, InputError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| InputError::whole(file, "read", format!("cannot read the file: {e}"), None))?;
    parse(file, &text)
}

/// [`load`] on text already read; `file` names it in errors.
pub fn parse<T: Input>(file: &Path, text: &str) -> Result<T, InputError> {
    let doc = yaml::parse(text).map_err(|e| {
        InputError::whole(
            file,
            "yaml-syntax",
            format!("not valid YAML: {}", e.message),
            e.line,
        )
    })?;
    let fail = |problems: Vec<Problem>| InputError {
        file: file.to_path_buf(),
        problems: locate(&doc, problems),
    };
    let compiled = schema::compiled::<T>().map_err(|e| {
        InputError::whole(file, "schema", format!("internal schema error: {e}"), None)
    })?;
    let schema = &compiled.schema;
    let mut problems = yaml_problems(&doc);
    problems.extend(schema::problems(&compiled, &doc));
    if !problems.is_empty() {
        return Err(fail(problems));
    }
    let value: T = serde_path_to_error::deserialize(&doc.value).map_err(|e| {
        let field = field_of(e.path());
        let problem = schema::type_problem(schema, &doc, field, &e.inner().to_string());
        fail(vec![problem])
    })?;
    let problems = value.check();
    if !problems.is_empty() {
        return Err(fail(problems));
    }
    Ok(value)
}

/// Scalars whose type YAML 1.1 and YAML 1.2 resolve differently: a reader (or a later tool)
/// may take them otherwise than this loader does.
fn yaml_problems(doc: &Document) -> Vec<Problem> {
    let mut out = Vec::new();
    for (field, origin) in &doc.values {
        let Some(raw) = origin.raw.as_deref().filter(|_| origin.plain) else {
            continue;
        };
        let digits = raw.trim_start_matches(['-', '+']);
        if digits.len() > 1 && digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit())
        {
            out.push(Problem::new(
                field.clone(),
                "yaml-number",
                format!(
                    "`{raw}` has a leading zero, which YAML 1.1 reads as octal and YAML 1.2 \
                     as decimal; expected a number without leading zeros (or a quoted string)"
                ),
            ));
        }
        if doc.get(field).is_some_and(Value::is_boolean) && raw != "true" && raw != "false" {
            out.push(Problem::new(
                field.clone(),
                "yaml-boolean",
                format!(
                    "`{raw}` is a boolean in YAML 1.1 but text in YAML 1.2; expected `true` or \
                     `false`"
                ),
            ));
        }
    }
    out
}

fn field_of(path: &serde_path_to_error::Path) -> Field {
    path.iter().fold(Field::root(), |f, seg| match seg {
        serde_path_to_error::Segment::Seq { index } => f.index(*index),
        serde_path_to_error::Segment::Map { key } => f.key(key),
        serde_path_to_error::Segment::Enum { variant } => f.key(variant),
        serde_path_to_error::Segment::Unknown => f,
    })
}

/// Attaches line and column: a key's own position for a key, else the value's, else the
/// nearest enclosing field's. Sorted by position, then field.
fn locate(doc: &Document, problems: Vec<Problem>) -> Vec<(Problem, Option<(u64, u64)>)> {
    let mut out: Vec<_> = problems
        .into_iter()
        .map(|p| {
            let at = position(doc, &p.field, p.rule);
            (p, at)
        })
        .collect();
    out.sort_by(|(a, x), (b, y)| (x, &a.field, a.rule).cmp(&(y, &b.field, b.rule)));
    out
}

fn position(doc: &Document, field: &Field, rule: &str) -> Option<(u64, u64)> {
    let key_first = rule == "schema-unknown-key";
    if key_first && let Some(o) = doc.keys.get(field) {
        return Some((o.line, o.column));
    }
    let mut f = field.clone();
    loop {
        if let Some(o) = doc.values.get(&f).filter(|o| o.line > 0) {
            return Some((o.line, o.column));
        }
        if f.is_root() {
            return None;
        }
        f = f.parent();
    }
}

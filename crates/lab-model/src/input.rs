//! Loading an input file: YAML → JSON schema check → typed value, with errors that name the
//! file, the field and what was expected.

use std::fmt;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A bad input file. Displayed as `file: field: problem (expected …)`, one line per finding.
#[derive(Debug)]
pub struct InputError {
    pub file: PathBuf,
    pub findings: Vec<Finding>,
}

#[derive(Debug)]
pub struct Finding {
    /// JSON pointer of the field, `/` for the whole document.
    pub field: String,
    pub problem: String,
    pub expected: Option<String>,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, finding) in self.findings.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(
                f,
                "{}: field `{}`: {}",
                self.file.display(),
                finding.field,
                finding.problem
            )?;
            if let Some(expected) = &finding.expected {
                write!(f, " (expected: {expected})")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

impl InputError {
    fn whole(file: &Path, problem: String) -> Self {
        Self {
            file: file.to_path_buf(),
            findings: vec![Finding {
                field: "/".into(),
                problem,
                expected: None,
            }],
        }
    }
}

/// The JSON schema of an input type, as written to `generated/schemas/` for editors.
pub fn schema_of<T: JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(T)).unwrap_or(Value::Null)
}

/// Reads `file` as YAML, checks it against `T`'s JSON schema, then deserializes it.
pub fn load<T: JsonSchema + DeserializeOwned>(file: &Path) -> Result<T, InputError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| InputError::whole(file, format!("cannot read: {e}")))?;
    parse(file, &text)
}

/// [`load`] on text already read; `file` names it in errors.
pub fn parse<T: JsonSchema + DeserializeOwned>(file: &Path, text: &str) -> Result<T, InputError> {
    let doc: Value = serde_saphyr::from_str(text)
        .map_err(|e| InputError::whole(file, format!("not valid YAML: {e}")))?;
    let schema = schema_of::<T>();
    let validator = jsonschema::validator_for(&schema)
        .map_err(|e| InputError::whole(file, format!("internal schema error: {e}")))?;
    let mut findings: Vec<Finding> = validator
        .iter_errors(&doc)
        .map(|err| {
            let field = err.instance_path().to_string();
            let expected = describe_expectation(&schema, err.schema_path().as_str());
            Finding {
                field: if field.is_empty() { "/".into() } else { field },
                problem: err.to_string(),
                expected,
            }
        })
        .collect();
    if !findings.is_empty() {
        findings.sort_by(|a, b| a.field.cmp(&b.field));
        return Err(InputError {
            file: file.to_path_buf(),
            findings,
        });
    }
    serde_json::from_value(doc).map_err(|e| InputError::whole(file, e.to_string()))
}

/// The `description` of the schema node that failed, when the type documents one: the doc
/// comment of the Rust field, which says in words what is expected.
fn describe_expectation(schema: &Value, schema_path: &str) -> Option<String> {
    let mut parts: Vec<&str> = schema_path.trim_start_matches('/').split('/').collect();
    // Drop the failing keyword (`pattern`, `type`, …) to land on the field's schema.
    parts.pop();
    let mut node = schema;
    for part in parts {
        node = node.get(part)?;
        if let Some(target) = node.get("$ref").and_then(Value::as_str) {
            node = schema.pointer(target.trim_start_matches('#'))?;
        }
    }
    node.get("description")
        .and_then(Value::as_str)
        .map(|d| d.replace('\n', " "))
}

//! JSON-schema findings in the reader's terms: the field, the value as written, what was
//! expected (the field's own doc comment, carried into the schema by schemars) and, for an
//! unknown key, the nearest known one.

use std::any::TypeId;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::Validator;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use schemars::JsonSchema;
use serde_json::Value;

use super::yaml::Document;
use super::{Field, Problem};

/// An input type's JSON schema and its compiled validator.
pub struct Compiled {
    pub schema: Value,
    validator: Validator,
}

/// `T`'s schema, compiled once per process: compiling costs far more than validating (the
/// lab loads one experiment spec per folder, each against the same schema).
pub fn compiled<T: JsonSchema + 'static>() -> Result<Arc<Compiled>, String> {
    static CACHE: OnceLock<Mutex<BTreeMap<TypeId, Arc<Compiled>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    // A poisoned lock only means another thread panicked mid-insert; the map is still whole.
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(hit) = map.get(&TypeId::of::<T>()) {
        return Ok(Arc::clone(hit));
    }
    let schema = super::schema_of::<T>();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| e.to_string())?;
    let entry = Arc::new(Compiled { schema, validator });
    map.insert(TypeId::of::<T>(), Arc::clone(&entry));
    Ok(entry)
}

/// Every schema violation of `doc`, one problem each.
pub fn problems(compiled: &Compiled, doc: &Document) -> Vec<Problem> {
    let Compiled { schema, validator } = compiled;
    let mut out = Vec::new();
    for err in validator.iter_errors(&doc.value) {
        let field = Field::from_pointer(err.instance_path().as_str(), &doc.value);
        // The schema of the failing keyword's object: drop the keyword itself.
        let path = err.schema_path().as_str();
        let node = path
            .rsplit_once('/')
            .and_then(|(parent, _)| walk(schema, parent));
        let value = shown(doc, &field);
        let expected = node.and_then(|n| description(schema, n));
        let expect = |generic: String| match &expected {
            Some(d) => format!("expected: {d}"),
            None => format!("expected {generic}"),
        };
        match err.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let known: Vec<&str> = node
                    .and_then(|n| n.get("properties"))
                    .and_then(Value::as_object)
                    .map(|m| m.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                for key in unexpected {
                    let nearest = nearest(key, &known)
                        .map(|n| format!(" (nearest: `{n}`)"))
                        .unwrap_or_default();
                    let expected = if known.len() <= 8 {
                        let names: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
                        format!("one of {}", names.join(", "))
                    } else {
                        format!("one of the {} known keys", known.len())
                    };
                    out.push(Problem::new(
                        field.clone().key(key),
                        "schema-unknown-key",
                        format!("unknown key `{key}`; expected {expected}{nearest}"),
                    ));
                }
            }
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                let what = node
                    .and_then(|n| n.pointer(&format!("/properties/{}", escape(name))))
                    .and_then(|p| description(schema, p));
                out.push(Problem::new(
                    field.clone().key(name),
                    "schema-required",
                    match what {
                        Some(d) => format!("missing; expected: {d}"),
                        None => "missing; expected this key".to_owned(),
                    },
                ));
            }
            ValidationErrorKind::Type { kind } => {
                let wanted = type_names(kind);
                let hint = type_hint(doc, &field, &wanted);
                out.push(Problem::new(
                    field,
                    "schema-type",
                    format!(
                        "{value} is {}{hint}; {}",
                        json_type(err.instance()),
                        expect(wanted)
                    ),
                ));
            }
            ValidationErrorKind::Pattern { pattern } => out.push(Problem::new(
                field,
                "schema-pattern",
                format!(
                    "{value} does not match `{pattern}`; {}",
                    expect(String::from("text of that form"))
                ),
            )),
            ValidationErrorKind::Format { format } => {
                let hint = format_hint(err.instance());
                out.push(Problem::new(
                    field,
                    "schema-format",
                    format!(
                        "{value} is not {}{hint}; {}",
                        article(format),
                        expect(article(format))
                    ),
                ));
            }
            ValidationErrorKind::Minimum { limit } => {
                out.push(bound(
                    field,
                    &value,
                    "schema-range",
                    "small",
                    "at least",
                    limit,
                    &expect,
                ));
            }
            ValidationErrorKind::Maximum { limit } => {
                out.push(bound(
                    field,
                    &value,
                    "schema-range",
                    "large",
                    "at most",
                    limit,
                    &expect,
                ));
            }
            ValidationErrorKind::MinLength { limit } | ValidationErrorKind::MinItems { limit } => {
                out.push(bound(
                    field,
                    &value,
                    "schema-length",
                    "short",
                    "at least",
                    limit,
                    &expect,
                ));
            }
            ValidationErrorKind::MaxLength { limit } | ValidationErrorKind::MaxItems { limit } => {
                out.push(bound(
                    field,
                    &value,
                    "schema-length",
                    "long",
                    "at most",
                    limit,
                    &expect,
                ));
            }
            ValidationErrorKind::Enum { options } => {
                let list = options
                    .as_array()
                    .map(|o| {
                        o.iter()
                            .map(|v| {
                                format!(
                                    "`{}`",
                                    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                                )
                            })
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default();
                out.push(Problem::new(
                    field,
                    "schema-enum",
                    format!(
                        "{value} is not one of {list}; {}",
                        expect(format!("one of {list}"))
                    ),
                ));
            }
            ValidationErrorKind::UniqueItems => out.push(Problem::new(
                field,
                "schema-unique",
                format!(
                    "{value} lists an item twice; {}",
                    expect(String::from("each item once"))
                ),
            )),
            other => out.push(Problem::new(
                field,
                "schema",
                format!("{value}: {}; {}", err, expect(other.keyword().to_owned())),
            )),
        }
    }
    out
}

/// A value beyond a limit: `` `7` is too small; expected at least 8``.
fn bound(
    field: Field,
    value: &str,
    rule: &'static str,
    too: &str,
    side: &str,
    limit: &dyn std::fmt::Display,
    expect: &dyn Fn(String) -> String,
) -> Problem {
    let message = format!(
        "{value} is too {too}, the limit is {side} {limit}; {}",
        expect(String::from("a value within that limit"))
    );
    Problem::new(field, rule, message)
}

/// A value that passed the schema but not its Rust type (e.g. `24.0` for an integer).
pub fn type_problem(schema: &Value, doc: &Document, field: Field, error: &str) -> Problem {
    let value = shown(doc, &field);
    let expected = at_field(schema, &field).and_then(|n| description(schema, n));
    // serde says e.g. "invalid type: floating point `24.0`, expected u8": keep what it expected.
    let wanted = error.rsplit_once(", expected ").map_or(error, |(_, w)| w);
    let integer = wanted.len() > 1
        && wanted.starts_with(['u', 'i'])
        && wanted[1..].bytes().all(|b| b.is_ascii_digit());
    let wanted = if integer { "a whole number" } else { wanted };
    let message = match expected {
        Some(d) => format!("{value} is not {wanted}; expected: {d}"),
        None => format!("{value} is not {wanted}; expected {wanted}"),
    };
    Problem::new(field, "type", message)
}

/// The value as the user wrote it (scalars), else compact JSON, shortened.
fn shown(doc: &Document, field: &Field) -> String {
    if let Some(raw) = doc.values.get(field).and_then(|o| o.raw.as_deref()) {
        return format!("`{}`", shorten(raw));
    }
    match doc.get(field) {
        Some(v) => format!("`{}`", shorten(&v.to_string())),
        None => "the value".to_owned(),
    }
}

fn shorten(s: &str) -> String {
    const MAX: usize = 80;
    if s.chars().count() <= MAX {
        return s.to_owned();
    }
    let cut: String = s.chars().take(MAX).collect();
    format!("{cut}…")
}

/// The schema node at a schema path (`/properties/hub/$ref/properties/clusterName`),
/// following `$ref`s.
fn walk<'a>(schema: &'a Value, path: &str) -> Option<&'a Value> {
    let mut node = schema;
    for raw in path.split('/').filter(|s| !s.is_empty()) {
        let seg = raw.replace("~1", "/").replace("~0", "~");
        if seg == "$ref" {
            node = resolve(schema, node)?;
            continue;
        }
        node = match node {
            Value::Array(items) => items.get(seg.parse::<usize>().ok()?)?,
            _ => node.get(&seg)?,
        };
    }
    Some(node)
}

/// The schema node describing the value at `field`, following properties and items.
fn at_field<'a>(schema: &'a Value, field: &Field) -> Option<&'a Value> {
    let mut node = schema;
    for step in field.steps() {
        node = resolve(schema, node).unwrap_or(node);
        node = match step {
            Ok(k) => node.get("properties")?.get(k)?,
            Err(_) => node.get("items")?,
        };
    }
    Some(node)
}

fn resolve<'a>(schema: &'a Value, node: &'a Value) -> Option<&'a Value> {
    let target = node.get("$ref")?.as_str()?;
    schema.pointer(target.trim_start_matches('#'))
}

/// A node's description, else that of the definition it refers to.
fn description(schema: &Value, node: &Value) -> Option<String> {
    node.get("description")
        .or_else(|| resolve(schema, node)?.get("description"))
        .and_then(Value::as_str)
        .map(|d| d.replace('\n', " "))
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn type_names(kind: &TypeKind) -> String {
    let names: Vec<String> = match kind {
        TypeKind::Single(t) => vec![t.to_string()],
        TypeKind::Multiple(set) => set.iter().map(|t| t.to_string()).collect(),
    };
    let names: Vec<String> = names.into_iter().filter(|n| n != "null").collect();
    names
        .iter()
        .map(|n| article(n))
        .collect::<Vec<_>>()
        .join(" or ")
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "empty (null)",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a fractional number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn article(word: &str) -> String {
    let word = match word {
        "object" => "mapping",
        "array" => "list",
        "ipv4" => "IPv4 address",
        other => other,
    };
    if word.starts_with(['a', 'e', 'i', 'o', 'u', 'I']) {
        format!("an {word}")
    } else {
        format!("a {word}")
    }
}

/// YAML turned an unquoted scalar into a number or boolean where text was wanted.
fn type_hint(doc: &Document, field: &Field, wanted: &str) -> String {
    let origin = doc.values.get(field);
    match origin.and_then(|o| o.raw.as_deref().filter(|_| o.plain)) {
        Some(raw) if wanted.contains("string") => {
            format!(" (YAML reads it unquoted as a number or boolean: write \"{raw}\")")
        }
        _ => String::new(),
    }
}

/// Why a string is not an IPv4 address, when a common slip explains it.
fn format_hint(v: &Value) -> String {
    let Some(s) = v.as_str() else {
        return String::new();
    };
    if s.contains('/') {
        " (it is written as a CIDR; give the address alone, the prefix length is set separately)"
            .to_owned()
    } else if s.chars().any(|c| c.is_ascii_alphabetic()) {
        " (it is a host name; give the IPv4 address itself)".to_owned()
    } else if s.split('.').count() != 4 {
        " (an IPv4 address has four parts separated by dots)".to_owned()
    } else if s
        .split('.')
        .any(|p| p.parse::<u8>().is_err() || (p.len() > 1 && p.starts_with('0')))
    {
        " (each of the four parts is a number from 0 to 255 without leading zeros)".to_owned()
    } else {
        String::new()
    }
}

/// The known key closest to `key` by edit distance; ties go to the first in schema order.
fn nearest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (levenshtein(key, k), *k))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_key_is_by_edit_distance() {
        assert_eq!(levenshtein("lokii", "loki"), 1);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(nearest("lokii", &["tempo", "loki", "mimir"]), Some("loki"));
        assert_eq!(nearest("x", &[]), None);
    }
}

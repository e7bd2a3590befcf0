//! YAML text → JSON value, keeping where every node came from, so that a finding about a field
//! can name its line and column and quote the value exactly as written.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use serde_saphyr::{Location, Spanned};

use super::field::Field;

/// Where a node starts, and its source text when it is a scalar.
#[derive(Clone, Debug, Default)]
pub struct Origin {
    pub line: u64,
    pub column: u64,
    /// The scalar as written (quotes included), for messages.
    pub raw: Option<String>,
    /// A plain (unquoted) scalar: YAML resolved its type from its text.
    pub plain: bool,
}

/// A parsed document: the value, and the origin of each node by field.
pub struct Document {
    pub value: Value,
    pub values: BTreeMap<Field, Origin>,
    /// Origins of mapping keys, by the field the key names.
    pub keys: BTreeMap<Field, Origin>,
}

impl Document {
    /// The value at `field`, if there is one.
    pub fn get(&self, field: &Field) -> Option<&Value> {
        field
            .steps()
            .try_fold(&self.value, |node, step| match step {
                Ok(k) => node.get(k),
                Err(i) => node.get(i),
            })
    }
}

/// A YAML syntax error at a position.
pub struct SyntaxError {
    pub line: Option<(u64, u64)>,
    pub message: String,
}

pub fn parse(text: &str) -> Result<Document, SyntaxError> {
    let root: Spanned<Node> = serde_saphyr::from_str(text).map_err(|e| {
        let line = e
            .location()
            .filter(|l| l.line() > 0)
            .map(|l| (l.line(), l.column()));
        SyntaxError {
            line,
            message: plain_message(&e.without_snippet().render()),
        }
    })?;
    let mut doc = Document {
        value: Value::Null,
        values: BTreeMap::new(),
        keys: BTreeMap::new(),
    };
    doc.value = flatten(text, root, Field::root(), &mut doc);
    Ok(doc)
}

/// serde-saphyr's text without its position (`error: line L column C:` before it, `at line L,
/// column C` after it) nor advice meant for programmers: the position is given separately,
/// with the file name.
fn plain_message(rendered: &str) -> String {
    let mut msg = rendered.trim().trim_start_matches("error:").trim_start();
    if let Some(rest) = msg.strip_prefix("line ")
        && let Some((_, after)) = rest.split_once(": ")
    {
        msg = after;
    }
    let mut msg = msg.lines().next().unwrap_or_default().trim();
    if let Some((before, _)) = msg.rsplit_once(" at line ") {
        msg = before;
    }
    match msg.split_once(", set DuplicateKeyPolicy") {
        Some((before, _)) => format!("{before}; expected each key once in a mapping"),
        None => msg.to_owned(),
    }
}

fn origin(text: &str, at: &Location, scalar: bool) -> Origin {
    let raw = scalar
        .then(|| {
            let span = at.span();
            let start = usize::try_from(span.byte_offset()?).ok()?;
            let len = usize::try_from(span.byte_len()?).ok()?;
            text.get(start..start + len).map(str::to_owned)
        })
        .flatten();
    let plain = raw
        .as_deref()
        .is_some_and(|r| !r.starts_with(['"', '\'', '|', '>']));
    Origin {
        line: at.line(),
        column: at.column(),
        raw,
        plain,
    }
}

fn flatten(text: &str, node: Spanned<Node>, field: Field, doc: &mut Document) -> Value {
    let at = node.referenced;
    match node.value {
        Node::Scalar(v) => {
            doc.values.insert(field, origin(text, &at, true));
            v
        }
        Node::Seq(items) => {
            doc.values.insert(field.clone(), origin(text, &at, false));
            let values = items
                .into_iter()
                .enumerate()
                .map(|(i, item)| flatten(text, item, field.clone().index(i), doc))
                .collect();
            Value::Array(values)
        }
        Node::Map(entries) => {
            doc.values.insert(field.clone(), origin(text, &at, false));
            let mut map = Map::new();
            for (key, value) in entries {
                let name = match key.value {
                    Node::Scalar(Value::String(s)) => s,
                    Node::Scalar(other) => other.to_string(),
                    _ => String::from("<complex key>"),
                };
                let child = field.clone().key(&name);
                doc.keys
                    .insert(child.clone(), origin(text, &key.referenced, true));
                let v = flatten(text, value, child, doc);
                map.insert(name, v);
            }
            Value::Object(map)
        }
    }
}

/// One YAML node with the locations of its children.
enum Node {
    Scalar(Value),
    Seq(Vec<Spanned<Node>>),
    Map(Vec<(Spanned<Node>, Spanned<Node>)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Scalar(Value::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Scalar(Value::Number(v.into())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Scalar(Value::Number(v.into())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        // NaN and infinities have no JSON form; keep them as text so the schema reports them.
        Ok(Node::Scalar(Number::from_f64(v).map_or_else(
            || Value::String(v.to_string()),
            Value::Number,
        )))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Scalar(Value::String(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::Scalar(Value::String(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Scalar(Value::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Scalar(Value::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Node>>()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<Node>>()? {
            let value = map.next_value::<Spanned<Node>>()?;
            entries.push((key, value));
        }
        Ok(Node::Map(entries))
    }
}

//! The path of a field in an input file, written the way a reader finds it:
//! `nodes[1].ip`, `charts.loki.version`.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Step {
    Key(String),
    Index(usize),
}

/// A field path; the empty path is the whole document.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Field(Vec<Step>);

impl Field {
    /// The whole document.
    pub fn root() -> Self {
        Self::default()
    }

    /// A top-level key.
    pub fn at(key: &str) -> Self {
        Self::root().key(key)
    }

    #[must_use]
    pub fn key(mut self, key: &str) -> Self {
        self.0.push(Step::Key(key.to_owned()));
        self
    }

    #[must_use]
    pub fn index(mut self, index: usize) -> Self {
        self.0.push(Step::Index(index));
        self
    }

    /// The field holding this one; the root is its own parent.
    #[must_use]
    pub fn parent(&self) -> Self {
        let mut steps = self.0.clone();
        steps.pop();
        Self(steps)
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The last key of the path, if it ends in one.
    pub fn last_key(&self) -> Option<&str> {
        match self.0.last() {
            Some(Step::Key(k)) => Some(k),
            _ => None,
        }
    }

    /// Keys and indices from the document down, as JSON-schema walks them.
    pub(crate) fn steps(&self) -> impl Iterator<Item = Result<&str, usize>> {
        self.0.iter().map(|s| match s {
            Step::Key(k) => Ok(k.as_str()),
            Step::Index(i) => Err(*i),
        })
    }

    /// From a JSON pointer (`/nodes/1/ip`) into `doc`: a segment is an index where `doc` holds
    /// an array, else a key (a chart may be named `0`).
    pub(crate) fn from_pointer(pointer: &str, doc: &serde_json::Value) -> Self {
        let mut field = Self::root();
        let mut node = Some(doc);
        for raw in pointer.split('/').skip(1) {
            let seg = raw.replace("~1", "/").replace("~0", "~");
            match (node, seg.parse::<usize>()) {
                (Some(serde_json::Value::Array(items)), Ok(i)) => {
                    node = items.get(i);
                    field = field.index(i);
                }
                (n, _) => {
                    node = n.and_then(|n| n.get(&seg));
                    field = field.key(&seg);
                }
            }
        }
        field
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(document)");
        }
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Index(n) => write!(f, "[{n}]")?,
                Step::Key(k) if is_plain(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Step::Key(k) => write!(f, "[{k:?}]")?,
            }
        }
        Ok(())
    }
}

/// A key that reads unambiguously after a dot.
fn is_plain(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_as_written() {
        let f = Field::at("nodes").index(1).key("ip");
        assert_eq!(f.to_string(), "nodes[1].ip");
        assert_eq!(Field::root().to_string(), "(document)");
        assert_eq!(Field::at("a.b").key("c").to_string(), "[\"a.b\"].c");
        assert_eq!(f.parent().to_string(), "nodes[1]");
    }

    #[test]
    fn pointers_become_indices_only_under_arrays() {
        let doc = serde_json::json!({"nodes": [{"ip": 1}], "charts": {"0": {}}});
        assert_eq!(
            Field::from_pointer("/nodes/0/ip", &doc).to_string(),
            "nodes[0].ip"
        );
        assert_eq!(
            Field::from_pointer("/charts/0", &doc),
            Field::at("charts").key("0")
        );
    }
}

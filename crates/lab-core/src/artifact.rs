//! One file of the output: a Kubernetes object or another document, and where it goes.

use std::fmt;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::{Metadata, Resource};
use serde::Serialize;
use serde_json::Value;

use crate::{Error, NameRule, RelPath};

/// What a document is, which decides how it is validated and whether ArgoCD may sync it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    /// A Kubernetes object; the only format allowed inside an Application's path.
    Object,
    /// Helm values, referenced through a multi-source `$values` ref.
    HelmValues,
    /// A kind cluster configuration (kind.x-k8s.io, read by the kind CLI, not by the API server).
    KindConfig,
    /// A Talos machine-config patch (one or more documents).
    TalosPatch,
    /// A Kyverno CLI test manifest (cli.kyverno.io), read by `kyverno test`, never applied.
    KyvernoTest,
    /// A JSON schema of an input file.
    JsonSchema,
    /// Any other JSON document (dashboards).
    Json,
    /// `KEY=value` lines for go-task's `dotenv`, from one flat map of strings.
    DotEnv,
    /// A Markdown page (an experiment's README, a rendered table), from one string.
    Markdown,
}

impl Format {
    fn is_json(self) -> bool {
        matches!(self, Format::JsonSchema | Format::Json)
    }
}

/// apiVersion, kind, namespace and name: what identifies an object in a cluster.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectId {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectId {
    /// The group of the apiVersion; empty for the core group.
    pub fn group(&self) -> &str {
        self.api_version
            .rsplit_once('/')
            .map(|(g, _)| g)
            .unwrap_or("")
    }

    /// The file name an object gets: `<kind>-<name>.yaml`, lower case.
    pub fn file_name(&self) -> String {
        format!("{}-{}.yaml", self.kind.to_ascii_lowercase(), self.name)
    }

    /// Reads the identity out of a serialized object.
    pub fn from_value(value: &Value) -> Option<Self> {
        let s = |v: &Value| v.as_str().map(str::to_owned);
        Some(Self {
            api_version: s(value.get("apiVersion")?)?,
            kind: s(value.get("kind")?)?,
            namespace: value.pointer("/metadata/namespace").and_then(s),
            name: s(value.pointer("/metadata/name")?)?,
        })
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {}/{}", self.kind, ns, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// A file of the output tree, built from a typed value.
#[derive(Clone, Debug)]
pub struct Artifact {
    pub path: RelPath,
    pub format: Format,
    /// The document(s), serialized from a typed value with field order kept.
    pub documents: Vec<Value>,
    /// Set for [`Format::Object`].
    pub object: Option<ObjectId>,
}

/// A typed Kubernetes object, serialized (field order kept) and identified.
#[derive(Clone, Debug)]
pub struct Object {
    pub id: ObjectId,
    pub value: Value,
}

impl Object {
    /// Serializes a k8s-openapi or generated CRD object. Its name and namespace are checked
    /// against the Kubernetes rules here, where the object is made.
    pub fn new<K>(obj: &K) -> Result<Self, Error>
    where
        K: Resource + Metadata<Ty = ObjectMeta> + Serialize,
    {
        let meta = obj.metadata();
        let name = meta.name.clone().ok_or_else(|| Error::Missing {
            what: format!("a {}", K::KIND),
            field: "metadata.name",
        })?;
        NameRule::Subdomain.check(&name)?;
        if let Some(ns) = &meta.namespace {
            NameRule::Label.check(ns)?;
        }
        Ok(Self {
            id: ObjectId {
                api_version: K::API_VERSION.to_owned(),
                kind: K::KIND.to_owned(),
                namespace: meta.namespace.clone(),
                name,
            },
            value: serde_json::to_value(obj)?,
        })
    }
}

impl Artifact {
    /// An object in folder `dir`, file `<kind>-<name>.yaml`.
    pub fn object(dir: &RelPath, object: Object) -> Result<Self, Error> {
        Ok(Self {
            path: dir.join(&object.id.file_name())?,
            format: Format::Object,
            documents: vec![object.value],
            object: Some(object.id),
        })
    }

    /// Any other document(s) at an explicit path.
    pub fn document<T: Serialize + ?Sized>(
        path: RelPath,
        format: Format,
        doc: &T,
    ) -> Result<Self, Error> {
        Ok(Self {
            path,
            format,
            documents: vec![serde_json::to_value(doc)?],
            object: None,
        })
    }

    /// Several YAML documents in one file (Talos patches are multi-document).
    pub fn documents(path: RelPath, format: Format, docs: Vec<Value>) -> Self {
        Self {
            path,
            format,
            documents: docs,
            object: None,
        }
    }

    /// The exact bytes of the file.
    pub fn render(&self) -> Result<String, Error> {
        if self.format.is_json() {
            let [doc] = self.documents.as_slice() else {
                return Err(Error::Unsafe(format!(
                    "{}: a JSON file holds exactly one document",
                    self.path
                )));
            };
            let mut text = serde_json::to_string_pretty(doc)?;
            text.push('\n');
            return Ok(text);
        }
        if self.format == Format::DotEnv {
            return self.render_dotenv();
        }
        if self.format == Format::Markdown {
            let [Value::String(text)] = self.documents.as_slice() else {
                return Err(Error::Unsafe(format!(
                    "{}: a Markdown file holds exactly one string",
                    self.path
                )));
            };
            // Generated Markdown says so in a comment a reader sees in the source, not the page.
            let mut out = format!(
                "<!-- {} -->\n",
                crate::yaml::HEADER.trim_start_matches("# ").trim_end()
            );
            out.push_str(text);
            if !out.ends_with('\n') {
                out.push('\n');
            }
            return Ok(out);
        }
        // Most files are a few kilobytes: one buffer, rarely grown, no copy per document.
        let mut out = String::with_capacity(4096);
        out.push_str(crate::yaml::HEADER);
        for (i, doc) in self.documents.iter().enumerate() {
            if i > 0 {
                out.push_str("---\n");
            }
            crate::yaml::emit::document_into(&mut out, doc);
        }
        // A render holds every file at once: 11,900 files of 1.5 kB kept 4 kB each (+30 MB).
        out.shrink_to_fit();
        Ok(out)
    }
}

impl Artifact {
    fn render_dotenv(&self) -> Result<String, Error> {
        let fail = |why: &str| Error::Unsafe(format!("{}: {why}", self.path));
        let [Value::Object(vars)] = self.documents.as_slice() else {
            return Err(fail("a dotenv file holds one flat map"));
        };
        let mut out = crate::yaml::HEADER.to_owned();
        for (key, value) in vars {
            let value = value
                .as_str()
                .ok_or_else(|| fail("values must be strings"))?;
            let key_ok = key
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            let value_ok = value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "@:/._-+=,".contains(c));
            if !key_ok || !value_ok {
                return Err(fail(&format!(
                    "{key}={value:?} needs quoting; keep it plain"
                )));
            }
            out.push_str(&format!("{key}={value}\n"));
        }
        Ok(out)
    }
}

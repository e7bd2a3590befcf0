//! Image rules: every workload image is pinned, and every image from the lab's own registry
//! is covered by a signature-verification rule (a `verifyImages` entry of a ClusterPolicy).

use lab_core::{Finding, Format, ObjectId, Tree, layout};
use serde_json::Value;

/// Rule ids.
pub const IMAGE_PINNED: &str = "image-pinned";
pub const IMAGE_SIGNED: &str = "image-signed";

/// Keys under which Kubernetes, Argo Workflows and similar APIs keep container specs, each an
/// object (or a list of objects) with an `image` string.
const CONTAINER_KEYS: [&str; 6] = [
    "containers",
    "initContainers",
    "ephemeralContainers",
    "container",
    "script",
    "sidecars",
];

/// One image found in an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageUse {
    pub path: String,
    pub object: ObjectId,
    /// JSON pointer of the `image` field.
    pub pointer: String,
    pub image: String,
}

/// Every container image of every applied object of the tree.
pub fn images(tree: &Tree) -> Vec<ImageUse> {
    let mut out = Vec::new();
    for artifact in tree.artifacts() {
        if artifact.format != Format::Object || layout::is_never_applied(&artifact.path) {
            continue;
        }
        let Some(id) = &artifact.object else { continue };
        if is_policy(id) {
            continue;
        }
        for doc in &artifact.documents {
            let mut found = Vec::new();
            walk(doc, "", false, &mut found);
            out.extend(found.into_iter().map(|(pointer, image)| ImageUse {
                path: artifact.path.to_string(),
                object: id.clone(),
                pointer,
                image,
            }));
        }
    }
    out
}

/// Kyverno policies hold image *patterns* (`!*:latest`), not images anything runs.
fn is_policy(id: &ObjectId) -> bool {
    let group = id.group();
    group == "kyverno.io" || group.ends_with(".kyverno.io")
}

fn walk(value: &Value, pointer: &str, in_container: bool, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            if in_container && let Some(image) = map.get("image") {
                let at = format!("{pointer}/image");
                match image.as_str() {
                    Some(s) => out.push((at, s.to_owned())),
                    None => out.push((at, image.to_string())),
                }
            }
            for (key, child) in map {
                let escaped = key.replace('~', "~0").replace('/', "~1");
                walk(
                    child,
                    &format!("{pointer}/{escaped}"),
                    CONTAINER_KEYS.contains(&key.as_str()),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(child, &format!("{pointer}/{i}"), in_container, out);
            }
        }
        _ => {}
    }
}

/// Why an image reference is not pinned, or `None` when it is: pinned means a digest
/// (`@sha256:` and 64 hex digits), or an exact tag other than `latest`.
pub fn unpinned(image: &str) -> Option<String> {
    if image.contains("{{") || image.contains("${") {
        return Some("a template, not a literal reference".to_owned());
    }
    if let Some((_, digest)) = image.split_once('@') {
        let hex = digest.strip_prefix("sha256:").unwrap_or("");
        return (hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| format!("a malformed digest {digest:?}"));
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        None => Some("untagged (it resolves to latest)".to_owned()),
        Some((_, "")) => Some("an empty tag".to_owned()),
        Some((_, "latest")) => Some("tagged latest, which is mutable".to_owned()),
        Some(_) => None,
    }
}

/// The `imageReferences` of every `verifyImages` rule of the ClusterPolicies a cluster applies.
pub fn verified_references(tree: &Tree) -> Vec<String> {
    tree.artifacts()
        .filter(|a| a.format == Format::Object && !layout::is_never_applied(&a.path))
        .filter(|a| {
            a.object
                .as_ref()
                .is_some_and(|id| id.kind == "ClusterPolicy")
        })
        .flat_map(|a| a.documents.iter())
        .filter_map(|doc| doc.pointer("/spec/rules")?.as_array())
        .flatten()
        .filter_map(|rule| rule.get("verifyImages")?.as_array())
        .flatten()
        .filter_map(|v| v.get("imageReferences")?.as_array())
        .flatten()
        .filter_map(|r| r.as_str().map(str::to_owned))
        .collect()
}

/// Kyverno's wildcard match: `*` is any run of characters (slashes too), `?` one character.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // Classic greedy matcher with one backtrack point.
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The image findings of the tree: every image in an applied object is pinned, and every
/// image under `lab_image_prefix` (`ghcr.io/<owner>/<repo>/`) matches an `imageReferences`
/// entry of a signature-verification rule.
pub fn image_findings(tree: &Tree, lab_image_prefix: &str) -> Vec<Finding> {
    let references = verified_references(tree);
    let mut findings = Vec::new();
    for u in images(tree) {
        if let Some(why) = unpinned(&u.image) {
            findings.push(Finding::object(
                &u.path,
                &u.object,
                IMAGE_PINNED,
                format!("{}: image {:?} is not pinned: {why}", u.pointer, u.image),
            ));
        }
        if u.image.starts_with(lab_image_prefix)
            && !references.iter().any(|r| wildcard_match(r, &u.image))
        {
            findings.push(Finding::object(
                &u.path,
                &u.object,
                IMAGE_SIGNED,
                format!(
                    "{}: image {:?} is from the lab registry but no verifyImages rule covers it (imageReferences: {references:?})",
                    u.pointer, u.image
                ),
            ));
        }
    }
    findings
}

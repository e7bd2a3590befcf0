//! `image-published`: every reference to an image the lab builds itself (under
//! `ghcr.io/<owner>/<repo>/`) uses a tag the build workflow really pushes. The tags come from
//! the workflow's `--tag "$IMAGE:…"` arguments, a `$VAR` resolved through the step output it
//! is set from (`echo "tag=sha-${SHA::7}"` becomes `sha-[0-9a-f]{7}`). A digest alone is
//! accepted: whether a digest exists is not decidable offline.

use regex::Regex;

use super::{Facts, Lab, Rules, strings};
use lab_model::Settings;

pub(crate) const RULE: &str = "image-published";

pub(crate) fn check(lab: &Lab, settings: &Settings, facts: &Facts, out: &mut Rules) {
    let prefix = settings.repository.image_prefix();
    let tags = match published_tags(&facts.build_workflow) {
        Ok(tags) => tags,
        Err(message) => {
            out.file(Facts::BUILD_WORKFLOW, RULE, message);
            return;
        }
    };
    let check = |image: &str| -> Option<String> {
        let rest = image.strip_prefix(&prefix)?;
        let (name_tag, digest) = match rest.split_once('@') {
            Some((n, d)) => (n, Some(d)),
            None => (rest, None),
        };
        let tag = name_tag.split_once(':').map(|(_, t)| t);
        match (tag, digest) {
            (Some(tag), _) if !tags.iter().any(|t| t.is_match(tag)) => Some(format!(
                "{image}: tag {tag} is never pushed by {} (it pushes {})",
                Facts::BUILD_WORKFLOW,
                tags.iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            (None, None) => Some(format!("{image}: neither a tag nor a digest")),
            _ => None,
        }
    };
    for o in &lab.objects {
        // Kyverno policies hold image patterns, not images anything pulls.
        if o.id.group().ends_with("kyverno.io") {
            continue;
        }
        let mut found = Vec::new();
        strings(o.doc, String::new(), &mut found);
        for (at, s) in found {
            if !s.starts_with(&prefix) {
                continue;
            }
            out.checked(RULE);
            if let Some(message) = check(s) {
                out.object(o, RULE, format!("{at}: {message}"));
            }
        }
    }
    for cluster in lab.clusters() {
        for (path, _, _, doc) in lab.values_on(cluster) {
            let mut found = Vec::new();
            strings(doc, String::new(), &mut found);
            for (at, s) in found {
                if s.starts_with(&prefix) {
                    out.checked(RULE);
                    if let Some(message) = check(s) {
                        out.file(path, RULE, format!("{at}: {message}"));
                    }
                }
            }
        }
    }
}

/// The tags the workflow pushes, each as an anchored pattern.
pub(crate) fn published_tags(workflow: &str) -> Result<Vec<Regex>, String> {
    let arg = Regex::new(r#"--tag\s+"?\$IMAGE:([^"\s]+)"?"#).expect("valid regex");
    let var_ref = Regex::new(r"\$\{SHA::([0-9]+)\}").expect("valid regex");
    let mut out = Vec::new();
    for cap in arg.captures_iter(workflow) {
        let raw = &cap[1];
        let text = match raw.strip_prefix('$') {
            Some(var) => {
                let output = var
                    .trim_matches(|c| c == '{' || c == '}')
                    .to_ascii_lowercase();
                let set =
                    Regex::new(&format!(r#"echo\s+"{output}=([^"]+)""#)).expect("valid regex");
                set.captures(workflow)
                    .map(|c| c[1].to_owned())
                    .ok_or_else(|| {
                        format!("the tag ${var} is not set by any `echo \"{output}=…\"` step")
                    })?
            }
            None => raw.to_owned(),
        };
        // Literal parts escaped; `${SHA::N}` is N hex digits of the commit.
        let mut pattern = String::from("^");
        let mut last = 0;
        for m in var_ref.captures_iter(&text) {
            let whole = m.get(0).expect("match");
            pattern.push_str(&regex::escape(&text[last..whole.start()]));
            pattern.push_str(&format!("[0-9a-f]{{{}}}", &m[1]));
            last = whole.end();
        }
        let tail = &text[last..];
        if tail.contains('$') {
            return Err(format!("cannot tell which tag `{text}` pushes"));
        }
        pattern.push_str(&regex::escape(tail));
        pattern.push('$');
        out.push(Regex::new(&pattern).map_err(|e| e.to_string())?);
    }
    if out.is_empty() {
        return Err(
            "no `--tag \"$IMAGE:…\"` found: which tags the lab's images get is unknown".into(),
        );
    }
    Ok(out)
}

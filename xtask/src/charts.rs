//! `cargo xtask charts --from DIR`: the chart facts `xtask validate` checks Helm values against.
//!
//! For every chart pinned in `platform/versions.yaml`, reads `DIR/<chart>-<version>/` (the
//! layout `helm pull --untar` gives, renamed with the version; `.ci/pull-charts.sh` makes it):
//! `values.yaml`, `values.schema.json` when the chart ships one, `Chart.yaml` for its
//! appVersion and dependencies, `templates/` for the `.Values` paths they read, and the same of
//! each subchart unpacked in `charts/<name>/` whose key the lab's values set (vendored under its
//! alias; the lab is rendered to know). Writes only their structure to
//! `crates/lab-upstream/charts/<chart>-<version>.json` and one line per pin to `charts.lock` (the sources' sha256 and where they came from). A pin
//! whose sources are not in DIR keeps its facts if they are already vendored for that version,
//! and is otherwise locked as `missing` (so `validate` reports the chart as unchecked).
//! `--check` compares instead of writing.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use lab_validate::chart_values::{
    ChartFacts, LOCK_FILE as LOCK, Lock, LockEntry, parse_lock, render_lock, root_keys_set,
    template_refs,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

#[derive(clap::Args)]
pub struct Options {
    /// Folder of chart sources, one DIR/<chart>-<version>/ each (as `helm pull --untar` or
    /// .ci/pull-charts.sh lay them out).
    #[arg(long, value_name = "DIR")]
    pub from: PathBuf,
    /// Compare instead of writing; exit 1 if the vendored facts are stale.
    #[arg(long)]
    pub check: bool,
}

/// An optional one-line file beside values.yaml naming where the sources came from
/// (e.g. `github.com/org/repo@<commit>:<path>`); `helm pull` sources have none.
const ORIGIN: &str = "ORIGIN";
/// An optional one-line file in place of a chart's sources: why they could not be had.
const MISSING: &str = "MISSING";

pub fn run(root: &Path, opts: &Options) -> Result<()> {
    let inputs = lab::Inputs::load(root)?;
    // Subcharts are vendored where the lab sets values under them (they are free-form, and
    // counted as unchecked, elsewhere).
    let set = root_keys_set(&lab::render(&inputs)?);
    let versions = inputs.versions;
    let out_dir = lab_upstream::charts_for(root);
    let old_lock = match std::fs::read_to_string(out_dir.join(LOCK)) {
        Ok(text) => parse_lock(&text)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Lock::new(),
        Err(e) => return Err(e).context("reading the chart lock"),
    };
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    let mut lock = Lock::new();
    for (chart, pin) in &versions.charts {
        let key = (chart.clone(), pin.version.clone());
        let name = format!("{chart}-{}.json", pin.version);
        let src = opts.from.join(format!("{chart}-{}", pin.version));
        if src.join("values.yaml").is_file() {
            let none = BTreeSet::new();
            let keys = set
                .get(&(chart.clone(), pin.version.clone()))
                .unwrap_or(&none);
            let (facts, locked) = facts_from(&src, chart, &pin.version, keys)?;
            files.insert(name, to_json(&facts)?);
            lock.insert(key, locked);
        } else if let (Ok(text), Some(locked)) = (
            std::fs::read_to_string(out_dir.join(&name)),
            old_lock.get(&key).filter(|l| !l.is_missing()),
        ) {
            // Not in DIR, but already vendored at this exact version: keep it.
            files.insert(name, text);
            lock.insert(key, locked.clone());
        } else {
            let origin = std::fs::read_to_string(src.join(MISSING))
                .ok()
                .map(|s| s.trim().to_owned())
                .or_else(|| {
                    old_lock
                        .get(&key)
                        .filter(|l| l.is_missing())
                        .map(|l| l.origin.clone())
                })
                .unwrap_or_else(|| "not found: no sources given".to_owned());
            lock.insert(
                key,
                LockEntry {
                    values_sha: "missing".into(),
                    schema_sha: "-".into(),
                    origin,
                },
            );
        }
    }
    files.insert(LOCK.into(), render_lock(&lock));
    if opts.check {
        check(&out_dir, &files, &lock, &old_lock)
    } else {
        write(&out_dir, &files)
    }
}

/// The facts of the chart in `src`, with the values of each subchart it holds whose key is in
/// `subchart_keys` (the root keys the lab's values set).
fn facts_from(
    src: &Path,
    chart: &str,
    version: &str,
    subchart_keys: &BTreeSet<String>,
) -> Result<(ChartFacts, LockEntry)> {
    let values_text = std::fs::read(src.join("values.yaml"))
        .with_context(|| format!("reading {}", src.join("values.yaml").display()))?;
    let defaults = parse_yaml(&values_text, &src.join("values.yaml"))?;
    let schema_path = src.join("values.schema.json");
    let (schema, schema_sha) = match std::fs::read(&schema_path) {
        Ok(bytes) => {
            let v: Value = serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is not JSON", schema_path.display()))?;
            (Some(v), sha256(&bytes))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (None, "-".to_owned()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", schema_path.display())),
    };
    // What the templates read, and `tpl` strings in the values themselves.
    let mut refs = template_refs(&String::from_utf8_lossy(&values_text));
    for file in files_below(&src.join("templates"))? {
        let text = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
        refs.extend(template_refs(&String::from_utf8_lossy(&text)));
    }
    refs.sort();
    refs.dedup();
    let chart_yaml = read_chart_yaml(&src.join("Chart.yaml"))?;
    let mut facts = ChartFacts::derive(
        chart,
        version,
        &defaults,
        schema.as_ref(),
        subcharts(&chart_yaml),
        &refs,
    );
    facts.app_version = app_version(&chart_yaml, version);
    // Subcharts the sources include, as `helm pull --untar` unpacks them (`charts/<name>/`):
    // their values structure goes under their key, so values set there are checked too.
    for (name, alias) in dependencies(&chart_yaml) {
        let sub_src = src.join("charts").join(&name);
        if !subchart_keys.contains(&alias) || !sub_src.join("values.yaml").is_file() {
            continue;
        }
        let sub_yaml = read_chart_yaml(&sub_src.join("Chart.yaml"))?;
        let sub_version = match sub_yaml.get("version") {
            Some(Value::String(v)) => v.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => "unknown".to_owned(),
        };
        let (sub, _) = facts_from(&sub_src, &name, &sub_version, &BTreeSet::new())
            .with_context(|| format!("subchart {name} of {chart} {version}"))?;
        facts.with_subchart(&alias, &sub);
    }
    let origin = std::fs::read_to_string(src.join(ORIGIN))
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "helm-pull".to_owned());
    Ok((
        facts,
        LockEntry {
            values_sha: sha256(&values_text),
            schema_sha,
            origin,
        },
    ))
}

/// Every file below `dir`, sorted; none when it does not exist.
fn files_below(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A chart's YAML (values.yaml, Chart.yaml) as JSON. Comments are not emitted as parser events:
/// the facts never read them, and with emission on the parser buffers every comment it meets
/// while it looks ahead past a key with no value, up to a budget (serde-saphyr's default: 32 events): a key followed by a
/// long commented-out example (jaeger's `uiconfig:` with 59 comment lines) then fails with
/// "too many buffered comments while looking ahead".
fn parse_yaml(bytes: &[u8], path: &Path) -> Result<Value> {
    let text =
        std::str::from_utf8(bytes).with_context(|| format!("{} is not UTF-8", path.display()))?;
    let value: Option<Value> =
        serde_saphyr::from_str_with_options(text, serde_saphyr::options! { emit_comments: false })
            .map_err(|e| anyhow::anyhow!("{}: not YAML: {e}", path.display()))?;
    Ok(value.unwrap_or(Value::Null))
}

/// Chart.yaml parsed; null when there is none.
fn read_chart_yaml(path: &Path) -> Result<Value> {
    match std::fs::read(path) {
        Ok(bytes) => parse_yaml(&bytes, path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Value::Null),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Chart.yaml dependencies as (name, alias or name).
fn dependencies(chart: &Value) -> Vec<(String, String)> {
    chart
        .get("dependencies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| {
            let name = d.get("name")?.as_str()?;
            let alias = d.get("alias").and_then(Value::as_str).unwrap_or(name);
            Some((name.to_owned(), alias.to_owned()))
        })
        .collect()
}

/// Dependency aliases (or names) from Chart.yaml.
fn subcharts(chart: &Value) -> Vec<String> {
    let mut out: Vec<String> = chart
        .get("dependencies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| d.get("alias").or_else(|| d.get("name")))
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Chart.yaml's `appVersion`, only when its `version` is the pinned one: some projects keep an
/// unstamped template in git (cert-manager `v0.0.0`, crossplane `0.0.1`, metallb `0.0.0`) and
/// write both fields only when they package the chart, so their git sources cannot tell it.
fn app_version(chart: &Value, pinned: &str) -> Option<String> {
    let text = |key: &str| match chart.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let version = text("version")?;
    (version.trim_start_matches('v') == pinned.trim_start_matches('v'))
        .then(|| text("appVersion"))
        .flatten()
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn to_json(facts: &ChartFacts) -> Result<String> {
    let mut text = serde_json::to_string_pretty(facts)?;
    text.push('\n');
    Ok(text)
}

fn write(out_dir: &Path, files: &BTreeMap<String, String>) -> Result<()> {
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    // Facts of versions no longer pinned go.
    for entry in std::fs::read_dir(out_dir)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.ends_with(".json") && !files.contains_key(name) {
            std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
        }
    }
    for (name, text) in files {
        std::fs::write(out_dir.join(name), text)
            .with_context(|| format!("writing {}", out_dir.join(name).display()))?;
    }
    let facts = files.len() - 1;
    let missing = files[LOCK]
        .lines()
        .filter(|l| l.contains(" missing "))
        .count();
    println!(
        "charts: facts for {facts} chart(s); {missing} pinned chart(s) without sources (see {LOCK})"
    );
    Ok(())
}

/// Compares with what is vendored; the origin column is informational (the same bytes may come
/// from a git tag or from `helm pull`), so only the facts and the hashes must match.
fn check(
    out_dir: &Path,
    files: &BTreeMap<String, String>,
    lock: &Lock,
    old_lock: &Lock,
) -> Result<()> {
    let mut stale = Vec::new();
    for (name, text) in files.iter().filter(|(n, _)| n.as_str() != LOCK) {
        let vendored = std::fs::read_to_string(out_dir.join(name)).ok();
        if !same_facts(vendored.as_deref(), text)? {
            stale.push(name.clone());
        }
    }
    for entry in
        std::fs::read_dir(out_dir).with_context(|| format!("reading {}", out_dir.display()))?
    {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") && !files.contains_key(&name) {
            stale.push(format!("{name} (no longer pinned)"));
        }
    }
    let hashes = |l: &Lock| -> Vec<(String, String, String, String)> {
        l.iter()
            .map(|((c, v), x)| {
                (
                    c.clone(),
                    v.clone(),
                    x.values_sha.clone(),
                    x.schema_sha.clone(),
                )
            })
            .collect()
    };
    if hashes(lock) != hashes(old_lock) {
        stale.push(LOCK.to_owned());
    }
    if stale.is_empty() {
        println!(
            "charts: the vendored chart facts match the sources ({} files)",
            files.len() - 1
        );
        Ok(())
    } else {
        bail!(
            "chart facts are stale: {}; run `cargo xtask charts --from DIR`",
            stale.join(", ")
        )
    }
}

/// Whether the vendored facts text equals the fresh one. Facts vendored from an unstamped git
/// template have no appVersion (see [`app_version`]); `helm pull` sources of the same release
/// do, and that alone does not make them stale.
fn same_facts(vendored: Option<&str>, fresh: &str) -> Result<bool> {
    let Some(vendored) = vendored else {
        return Ok(false);
    };
    if vendored == fresh {
        return Ok(true);
    }
    let old: Value = serde_json::from_str(vendored).context("vendored chart facts")?;
    let mut new: Value = serde_json::from_str(fresh).context("fresh chart facts")?;
    if old.get(APP_VERSION).is_none()
        && let Some(map) = new.as_object_mut()
    {
        map.remove(APP_VERSION);
    }
    Ok(old == new)
}

const APP_VERSION: &str = "appVersion";

#[cfg(test)]
mod tests {
    use super::*;

    /// A values file shaped like jaeger 4.11.1's: a key whose value is only a long
    /// commented-out example, then more keys (and a nested one with its own comment block).
    fn commented_values(lines: usize) -> String {
        let mut text = String::from("# Default values.\n\nuiconfig:\n");
        for i in 0..lines {
            let _ = writeln!(text, "  #   \"key{i}\": {{\"menuEnabled\": true}},");
        }
        text.push_str(
            "\nuserconfig:\n  # service:\n  #   pipelines: {}\n\nstorage:\n  type: memory\n",
        );
        text.push_str("  options:\n");
        for i in 0..lines {
            let _ = writeln!(text, "    # option{i}: value");
        }
        text.push_str("  cassandra:\n    host: cassandra\n");
        text
    }

    #[test]
    fn values_with_long_comment_blocks_parse() {
        for lines in [1, 59, 200, 1000] {
            let text = commented_values(lines);
            let v = parse_yaml(text.as_bytes(), Path::new("values.yaml"))
                .unwrap_or_else(|e| panic!("{lines} comment lines: {e:#}"));
            assert_eq!(v["uiconfig"], Value::Null, "{lines}");
            assert_eq!(v["userconfig"], Value::Null, "{lines}");
            assert_eq!(v["storage"]["type"], "memory", "{lines}");
            assert_eq!(v["storage"]["options"], Value::Null, "{lines}");
            assert_eq!(v["storage"]["cassandra"]["host"], "cassandra", "{lines}");
        }
    }

    /// A subchart unpacked under `charts/<name>/` (as `helm pull --untar` leaves it) and set by
    /// the lab is vendored under its alias; one that is only a dependency in Chart.yaml stays
    /// free-form.
    #[test]
    fn unpacked_subcharts_are_vendored_under_their_alias() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path();
        let write = |rel: &str, text: &str| {
            let path = src.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "Chart.yaml",
            "name: demo\nversion: 1.0.0\ndependencies:\n  - name: minio\n    alias: store\n    version: 5.4.0\n  - name: redis\n    version: 1.x\n",
        );
        write("values.yaml", "replicas: 1\nstore:\n  enabled: true\n");
        write("charts/minio/Chart.yaml", "name: minio\nversion: 5.4.0\n");
        write(
            "charts/minio/values.yaml",
            "mode: distributed\nbuckets: []\n",
        );
        write("charts/minio/templates/x.yaml", "{{ .Values.rootUser }}\n");
        // Only subcharts the lab sets values under are vendored.
        let (facts, _) = facts_from(src, "demo", "1.0.0", &BTreeSet::new()).unwrap();
        assert!(facts.subchart_sources.is_empty());
        assert!(facts.is_unvendored_subchart("store"));
        let set = BTreeSet::from(["store".to_owned(), "replicas".to_owned()]);
        let (facts, _) = facts_from(src, "demo", "1.0.0", &set).unwrap();
        assert_eq!(
            facts.subchart_sources,
            BTreeMap::from([("store".to_owned(), "minio 5.4.0".to_owned())])
        );
        let Some(lab_validate::chart_values::Node::Map(store)) = facts.values.keys.get("store")
        else {
            panic!("store is not a map: {:?}", facts.values.keys.get("store"));
        };
        let keys: Vec<&str> = store.keys.keys().map(String::as_str).collect();
        assert_eq!(keys, ["buckets", "enabled", "mode", "rootUser"]);
        assert!(!store.open);
        assert!(facts.is_unvendored_subchart("redis"));
        assert!(!facts.is_unvendored_subchart("store"));
    }

    #[test]
    fn invalid_yaml_is_still_an_error() {
        let err = parse_yaml(b"a: [1, 2\n# c\n", Path::new("values.yaml")).unwrap_err();
        assert!(err.to_string().contains("values.yaml: not YAML"), "{err:#}");
    }
}

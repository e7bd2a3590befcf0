//! `.ci/pull-charts.sh` pulls exactly the charts pinned in a versions file, read by
//! `xtask list charts` (no second list or parser): run with a stand-in `helm` that records
//! each pull and unpacks an empty chart.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use super::{XTASK, repo_root};

/// `helm pull <chart> --repo <repo> | <oci://…/chart> --version <v> --untar --untardir <d>`:
/// logs `<chart> <repo> <version>` and leaves `<d>/<chart>/values.yaml`.
const FAKE_HELM: &str = r#"#!/usr/bin/env bash
set -euo pipefail
[[ "$1" == pull ]] || exit 2
ref=$2; shift 2
repo=""; version=""; dir=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --repo) repo=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    --untardir) dir=$2; shift 2 ;;
    *) shift ;;
  esac
done
if [[ "$ref" == oci://* ]]; then chart=${ref##*/}; repo=${ref%/*}; else chart=$ref; fi
echo "$chart $repo $version" >> "$HELM_LOG"
mkdir -p "$dir/$chart"
echo "{}" > "$dir/$chart/values.yaml"
"#;

/// Runs the script into a fresh folder; the pulls as `chart repo version` lines, and the
/// `<chart>-<version>` folders it left.
fn pull(versions: Option<&Path>) -> (BTreeSet<String>, BTreeSet<String>) {
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let helm = bin.join("helm");
    std::fs::write(&helm, FAKE_HELM).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&helm, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let log = tmp.path().join("helm.log");
    let out = tmp.path().join("charts");
    let mut cmd = Command::new("bash");
    cmd.arg(repo_root().join(".ci/pull-charts.sh")).arg(&out);
    if let Some(v) = versions {
        cmd.arg(v);
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let status = cmd
        .env("PATH", path)
        .env("XTASK", XTASK)
        .env("HELM_LOG", &log)
        .status()
        .unwrap();
    assert!(status.success(), "pull-charts.sh failed");
    let pulls = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect();
    let folders = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    (pulls, folders)
}

#[test]
fn every_pinned_chart_is_pulled_once_and_nothing_else() {
    let versions: lab_model::Versions =
        lab_model::input::load(&repo_root().join("platform/versions.yaml")).unwrap();
    let expected: BTreeSet<String> = versions
        .charts
        .iter()
        .map(|(name, c)| format!("{name} {} {}", c.repository, c.version))
        .collect();
    let folders: BTreeSet<String> = versions
        .charts
        .iter()
        .map(|(name, c)| format!("{name}-{}", c.version))
        .collect();
    assert!(expected.len() >= 40, "{expected:?}");
    assert_eq!(pull(None), (expected, folders));
}

/// Another revision's file (the PR diff pulls the base branch's pins): keys in another order,
/// comments inside entries, quoted versions, a chart this checkout does not know.
#[test]
fn another_revisions_versions_file_is_read_as_yaml() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("base-versions.yaml");
    std::fs::write(
        &file,
        "charts:\n\
         \x20 zeta:\n\
         \x20   version: \"1.2.3\" # pinned\n\
         \x20   # the repository follows\n\
         \x20   repository: https://charts.example.org/zeta\n\
         \x20 alpha: {repository: 'oci://registry.example.org/charts', version: v0.1.0}\n\
         images:\n\
         \x20 kind-node:\n\
         \x20   repository: docker.io/kindest/node\n\
         \x20   tag: v1.36.4\n",
    )
    .unwrap();
    let (pulls, folders) = pull(Some(&file));
    assert_eq!(
        pulls,
        BTreeSet::from([
            "alpha oci://registry.example.org/charts v0.1.0".to_owned(),
            "zeta https://charts.example.org/zeta 1.2.3".to_owned(),
        ])
    );
    assert_eq!(
        folders,
        BTreeSet::from(["alpha-v0.1.0".to_owned(), "zeta-1.2.3".to_owned()])
    );
}

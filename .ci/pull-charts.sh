#!/usr/bin/env bash
# Downloads every chart pinned in platform/versions.yaml with `helm pull` into
# DIR/<chart>-<version>/ (the layout `cargo xtask charts --from DIR` and
# `cargo xtask diff --charts DIR` read). Needs helm and the chart repositories (GitHub CI,
# Renovate); a chart already in DIR is not pulled again. VERSIONS defaults to
# platform/versions.yaml (the PR diff also pulls the base branch's pins). With KEEP_GOING=1 a
# chart that cannot be pulled is a warning, not a failure (the diff then says it is missing).
# Usage: pull-charts.sh DIR [VERSIONS]
set -euo pipefail
dir=${1:?usage: $0 DIR [VERSIONS]}
versions=${2:+$(realpath -- "$2")}
mkdir -p "$dir"
dir=$(realpath -- "$dir")
cd "$(dirname "$0")/.."
command -v helm >/dev/null || { echo "pull-charts: helm is needed (https://helm.sh/docs/intro/install/)" >&2; exit 1; }
# The pins as `cargo xtask list charts` reads them (the same reader as everything else, not a
# second parser of the file); XTASK overrides the command (tests run the built binary).
read -r -a list <<< "${XTASK:-cargo --quiet xtask}"
list+=(list charts)
[[ -n "$versions" ]] && list+=(--versions "$versions")
pins=$("${list[@]}")
tail -n +2 <<< "$pins" |
while read -r chart repo version; do
  dest="$dir/$chart-$version"
  [[ -f "$dest/values.yaml" ]] && continue
  tmp=$(mktemp -d)
  if [[ "$repo" == oci://* ]]; then ref=("$repo/$chart"); else ref=("$chart" --repo "$repo"); fi
  if ! helm pull "${ref[@]}" --version "$version" --untar --untardir "$tmp"; then
    rm -rf "$tmp"
    if [[ "${KEEP_GOING:-}" == 1 ]]; then echo "::warning::could not pull $chart $version"; continue; fi
    echo "pull-charts: could not pull $chart $version from $repo" >&2; exit 1
  fi
  mv "$tmp/$chart" "$dest"
  rmdir "$tmp"
  echo "pulled $chart $version"
done

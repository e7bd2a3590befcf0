#!/usr/bin/env bash
# Downloads the upstream CRDs and the Talos schema listed in .ci/crds.lock (each at a release commit) into DIR and
# checks every file's sha256; `cargo xtask schemas --from DIR` then vendors them (structure only)
# into crates/lab-upstream/schemas, or proves with --check that the vendored copy is theirs.
# Usage: .ci/fetch-crds.sh DIR
set -euo pipefail
dir=${1:?usage: $0 DIR}
lock="$(dirname "$0")/crds.lock"
while read -r dest url sum _; do
  case "$dest" in ''|'#'*) continue ;; esac
  mkdir -p "$dir/$(dirname "$dest")"
  curl --fail --silent --show-error --location --proto '=https' --retry 3 -o "$dir/$dest" "$url"
  echo "$sum  $dir/$dest" | sha256sum --check --quiet -
done < "$lock"
echo "fetched $(grep -c '^[a-z]' "$lock") schema files into $dir"

#!/usr/bin/env bash
# Prints `apps=<JSON array>` for $GITHUB_OUTPUT: the demo apps (components/apps/<name>/ with a
# src/main.rs, built by components/apps/Dockerfile) to build. INPUT_APP picks one by name;
# otherwise the apps whose folder changed between BEFORE and HEAD, and every app when the shared
# code (demo-kit, the Dockerfile, Cargo.lock) changed or BEFORE is unknown (e.g. a new branch).
set -euo pipefail
root=components/apps
is_app() { [[ "$1" =~ ^[a-z0-9][a-z0-9-]*$ && -f "$root/$1/src/main.rs" ]]; }
all_apps() { find "$root" -mindepth 3 -maxdepth 3 -path '*/src/main.rs' | cut -d/ -f3 | sort -u; }

if [[ -n "${INPUT_APP:-}" ]]; then
  is_app "$INPUT_APP" || { echo "::error::no app $INPUT_APP in $root" >&2; exit 1; }
  names=$INPUT_APP
elif [[ -z "${BEFORE:-}" || "$BEFORE" =~ ^0+$ ]] || ! git cat-file -e "$BEFORE^{commit}" 2>/dev/null; then
  names=$(all_apps)
elif git diff --quiet "$BEFORE" HEAD -- "$root/demo-kit" "$root/Dockerfile" Cargo.lock; then
  names=$(git diff --name-only "$BEFORE" HEAD -- "$root" | cut -d/ -f3 | sort -u)
else
  names=$(all_apps)
fi

apps=()
for name in $names; do
  if is_app "$name"; then apps+=("$name"); fi
done
printf 'apps=%s\n' "$(printf '%s\n' "${apps[@]}" | jq --raw-input --slurp --compact-output 'split("\n") | map(select(. != ""))')"

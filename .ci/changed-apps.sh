#!/usr/bin/env bash
# Prints `apps=<JSON array>` for $GITHUB_OUTPUT: the demo apps (components/apps/<name>/ with a
# Dockerfile) to build. INPUT_APP picks one by name; otherwise the apps whose folder changed
# between BEFORE and HEAD (every app when BEFORE is unknown, e.g. a new branch).
set -euo pipefail
root=components/apps
is_app() { [[ "$1" =~ ^[a-z0-9][a-z0-9-]*$ && -f "$root/$1/Dockerfile" ]]; }

if [[ -n "${INPUT_APP:-}" ]]; then
  is_app "$INPUT_APP" || { echo "::error::no app $INPUT_APP in $root" >&2; exit 1; }
  names=$INPUT_APP
elif [[ -z "${BEFORE:-}" || "$BEFORE" =~ ^0+$ ]] || ! git cat-file -e "$BEFORE^{commit}" 2>/dev/null; then
  names=$(find "$root" -mindepth 2 -maxdepth 2 -name Dockerfile -printf '%h\n' | xargs -r -n1 basename)
else
  names=$(git diff --name-only "$BEFORE" HEAD -- "$root" | cut -d/ -f3 | sort -u)
fi

apps=()
for name in $names; do
  if is_app "$name"; then apps+=("$name"); fi
done
printf 'apps=%s\n' "$(printf '%s\n' "${apps[@]}" | jq --raw-input --slurp --compact-output 'split("\n") | map(select(. != ""))')"

#!/usr/bin/env bash
# Proof of the experiments' queries and load scripts:
# - every PromQL expression (spec checks and queries, tutorial ```promql blocks) through
#   `promtool check rules`;
# - every LogQL and TraceQL query through Grafana's Lezer grammars (.ci/lezer/check-queries.mjs);
# - every k6 script parses as an ES module (`node --check` on a .mjs copy).
# Installs what it needs (promtool, node, the two grammars) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export DEBIAN_FRONTEND=noninteractive
if ! command -v promtool >/dev/null || ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt-get update -qq
  apt-get install -y -qq prometheus nodejs npm >/dev/null
fi
lezer="$root/.ci/lezer"
if [ ! -d "$lezer/node_modules/@grafana/lezer-traceql" ] || [ ! -d "$lezer/node_modules/@grafana/lezer-logql" ]; then
  npm ci --prefix "$lezer" --no-audit --no-fund --ignore-scripts --loglevel=error
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Each checker must be able to fail before its silence means anything.
node "$lezer/check-queries.mjs" --self-test
echo '{"groups":[{"name":"self-test","rules":[{"record":"a","expr":"sum(rate(x[5m]) by"}]}]}' > "$work/bad.json"
if promtool check rules "$work/bad.json" >/dev/null 2>&1; then
  echo "self-test: promtool accepted a broken expression" >&2; exit 1
fi
echo 'export default function () {' > "$work/bad.mjs"
if node --check "$work/bad.mjs" 2>/dev/null; then
  echo "self-test: node accepted a broken module" >&2; exit 1
fi

cargo run -q -p lab-experiments --example queries -- "$root" > "$work/queries.json"
node "$lezer/check-queries.mjs" "$work/queries.json" "$work/promql-rules.json"
promtool check rules "$work/promql-rules.json"

shopt -s nullglob
scripts=(experiments/*/*.js experiments/*/*.mjs)
[ "${#scripts[@]}" -gt 0 ] || { echo "no k6 scripts under experiments/" >&2; exit 1; }
for script in "${scripts[@]}"; do
  # A .mjs copy makes node parse it as an ES module whatever the nearest package.json says.
  copy="$work/$(echo "$script" | tr / _).mjs"
  cp "$script" "$copy"
  node --check "$copy" || { echo "$script: not a valid ES module" >&2; exit 1; }
done
echo "k6 scripts: ${#scripts[@]} parse as ES modules"

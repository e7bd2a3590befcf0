#!/usr/bin/env bash
# promtool on the SLO rules: `check rules` on every rule file the render places in
# generated/tests/promtool/ (plain Prometheus rule files taken from the rendered
# PrometheusRules; `cargo xtask check` proves they are current), then `test rules` on every
# test in slo-tests/. Needs Debian's `prometheus` package (promtool).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
command -v promtool >/dev/null || { echo "promtool not found: apt-get install -y prometheus" >&2; exit 1; }
shopt -s nullglob
files=("$root"/generated/tests/promtool/*.json)
[ "${#files[@]}" -gt 0 ] || { echo "no rule files in generated/tests/promtool; run cargo xtask render" >&2; exit 1; }
promtool check rules "${files[@]}"
tests=("$here"/slo-tests/*.yaml)
[ "${#tests[@]}" -gt 0 ] || { echo "no promtool tests in $here/slo-tests" >&2; exit 1; }
promtool test rules "${tests[@]}"

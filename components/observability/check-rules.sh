#!/usr/bin/env bash
# promtool on the SLO rules: `check rules` on every generated rule file (from the Rust builders,
# and from generated/tests/promtool/ when the render has placed them there), then
# `test rules` on every test in slo-tests/. Needs Debian's `prometheus` package (promtool).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
command -v promtool >/dev/null || { echo "promtool not found: apt-get install -y prometheus" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rules"
(cd "$root" && cargo run -q -p lab-observability --example rule-files -- "$work/rules" >/dev/null)
shopt -s nullglob
files=("$work"/rules/*.yaml "$root"/generated/tests/promtool/*.json)
[ "${#files[@]}" -gt 0 ] || { echo "no rule files were generated" >&2; exit 1; }
promtool check rules "${files[@]}"
tests=("$here"/slo-tests/*.yaml)
[ "${#tests[@]}" -gt 0 ] || { echo "no promtool tests in $here/slo-tests" >&2; exit 1; }
cp "${tests[@]}" "$work/"
(cd "$work" && promtool test rules "${tests[@]##*/}")

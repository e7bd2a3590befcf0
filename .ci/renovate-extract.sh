#!/usr/bin/env bash
# Renovate itself (not only its config validator) reads renovate.json and extracts every pin of
# platform/versions.yaml, also after the file's keys are reordered and comments are put inside
# its entries. Renovate needs Node 24: npm's `node@24` package is installed beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
version=44.121.2
tools="${RENOVATE_TOOLS:-$HOME/.cache/illm-lab/renovate-$version}"
if [ ! -x "$tools/node_modules/.bin/renovate" ] || [ ! -x "$tools/node_modules/.bin/node" ]; then
  npm install --no-audit --no-fund --loglevel=error --prefix "$tools" node@24 "renovate@$version" >/dev/null
fi
export PATH="$tools/node_modules/.bin:$PATH"
node --version | grep -q '^v24\.' || { echo "renovate-extract: node is $(node --version), not 24" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One repository: renovate.json and a versions.yaml; Renovate's local platform reads the cwd.
extract() { # DIR → "name version" lines Renovate extracted
  (cd "$1" && LOG_FORMAT=json LOG_LEVEL=info RENOVATE_X_IGNORE_RE2=true \
    renovate --platform=local --dry-run=extract --onboarding=false --require-config=optional \
    > "$1.log" 2>&1) || { cat "$1.log" >&2; exit 1; }
  python3 - "$1.log" <<'PY'
import json, sys
seen = set()
for line in open(sys.argv[1]):
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    if msg.get("level", 0) >= 40:
        sys.exit(f"renovate-extract: Renovate reported: {msg.get('msg')} {msg.get('err') or msg.get('errors') or ''}")
    for files in (msg.get("packageFiles") or {}).values():
        for f in files:
            for d in f.get("deps", []):
                seen.add(f"{d.get('depName')} {d.get('currentValue')} {d.get('currentDigest') or ''}".strip())
for s in sorted(seen):
    print(s)
PY
}

# What the pins are, read as YAML (not with Renovate's patterns).
expected() {
  python3 - "$1" <<'PY'
import sys, yaml
v = yaml.safe_load(open(sys.argv[1]))
for name, c in v["charts"].items():
    print(f"{name} {c['version']}")
for name, i in v["images"].items():
    print(f"{i['repository']} {i['tag']} {i.get('digest') or ''}".strip())
PY
}

setup() { # DIR VERSIONS_FILE
  mkdir -p "$1/platform"
  cp "$root/renovate.json" "$1/"
  cp "$2" "$1/platform/versions.yaml"
  git -C "$1" init -q && git -C "$1" add -A && git -C "$1" -c user.name=ci -c user.email=ci@localhost commit -qm pins
}

check() { # DIR
  expected "$1/platform/versions.yaml" | sort > "$1.want"
  extract "$1" | sort > "$1.got"
  if ! missing=$(comm -23 "$1.want" "$1.got") || [ -n "$missing" ]; then
    echo "renovate-extract: pins Renovate does not see in $1:" >&2
    echo "$missing" >&2
    exit 1
  fi
  echo "renovate-extract: all $(wc -l < "$1.want") pins extracted ($(basename "$1"))"
}

setup "$work/as-is" "$root/platform/versions.yaml"
check "$work/as-is"

# The same pins with each entry's keys reversed and a comment inside every entry.
python3 - "$root/platform/versions.yaml" "$work/reordered.yaml" <<'PY'
import sys, yaml
v = yaml.safe_load(open(sys.argv[1]))
out = []
for section in ("charts", "images"):
    out.append(f"{section}:")
    for name, entry in v[section].items():
        out.append(f"  {name}:")
        for i, (k, val) in enumerate(reversed(list(entry.items()))):
            if i == 1:
                out.append("    # a comment inside the entry")
            out.append(f"    {k}: {val!r}" if isinstance(val, str) and val[:1].isdigit() else f"    {k}: {val}")
open(sys.argv[2], "w").write("\n".join(out) + "\n")
PY
setup "$work/reordered" "$work/reordered.yaml"
check "$work/reordered"

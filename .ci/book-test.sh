#!/usr/bin/env bash
# Builds the learner's book and checks it in headless Chromium: every page renders, every
# Mermaid diagram draws an SVG without error, no relative link or anchor is broken. The check
# first proves on a deliberately broken copy that it catches a dangling link and a bad diagram.
# Usage: .ci/book-test.sh [--screenshots DIR]  (DIR gets PNGs of the front page and one
# experiment page; keep it outside the repository).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo xtask book
python3 .ci/book-check.py --self-test "$@" target/book/html

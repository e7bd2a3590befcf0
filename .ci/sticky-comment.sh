#!/usr/bin/env bash
# Posts FILE as the one render-diff comment of pull request PR, updating it in place on every
# run (found by a hidden marker), truncated to fit GitHub's 65,536-character comment limit.
# Needs GH_TOKEN, GH_REPO (owner/name), PR and RUN_URL in the environment. Usage: sticky-comment.sh FILE
set -euo pipefail
file=${1:?usage: $0 FILE}
marker='<!-- illm-k8s-ai-lab:render-diff -->'
body=$(python3 - "$file" "$marker" "$RUN_URL" <<'PY'
import sys
path, marker, run = sys.argv[1:4]
text = open(path, encoding="utf-8").read()
limit = 65536 - 1024  # room for the marker and the note
if len(text) > limit:
    cut = text.rfind("\n", 0, limit)
    text = text[: cut if cut > 0 else limit]
    text += f"\n\n_The diff is longer than a comment can hold; it was cut here. The whole diff is in the [job summary]({run})._\n"
print(marker + "\n" + text)
PY
)
id=$(gh api --paginate "repos/$GH_REPO/issues/$PR/comments" \
  --jq ".[] | select(.user.login == \"github-actions[bot]\" and (.body | startswith(\"$marker\"))) | .id" | head -n1)
if [[ -n "$id" ]]; then
  gh api --method PATCH "repos/$GH_REPO/issues/comments/$id" -f body="$body" > /dev/null
  echo "updated comment $id"
else
  gh api --method POST "repos/$GH_REPO/issues/$PR/comments" -f body="$body" > /dev/null
  echo "created the render-diff comment"
fi

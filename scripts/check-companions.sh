#!/usr/bin/env bash
# Warns about notebooks made from older code than the repository's: each notebook's header records the commit it
# was made from (`Made from commit <sha>`); a notebook whose commit precedes the last commit that changed the code
# (Sources/, Package.swift, scripts/), was made with uncommitted changes, or records no commit is named with the
# make target that regenerates it. Warnings only: the exit status is 0 unless git itself fails.
set -euo pipefail
cd "$(dirname "$0")/.."
git rev-parse --git-dir >/dev/null 2>&1 || { echo "check-companions: not a git checkout; cannot compare notebooks with the code"; exit 0; }
code=$(git log -1 --format=%H -- Sources Package.swift scripts)
target() {  # the make target that writes a notebook
  case "$1" in
    notebooks/4-coverage.md) echo "make coverage" ;;
    notebooks/6-rl-study.md) echo "make rl-study" ;;
    notebooks/[1-6]-*.md) echo "make notebooks" ;;
    notebooks/benchmarks.md) echo "make bench" ;;
    notebooks/heads-study.md) echo "make heads-study" ;;
    notebooks/head-seeds.md) echo "make head-seeds" ;;
    notebooks/kernel-check.md) echo "make kernel-check" ;;
    *) echo "its script" ;;
  esac
}
stale=0
for notebook in notebooks/*.md; do
  made=$(grep -m1 -o 'Made from commit [0-9a-f]\{40,64\}[^;]*' "$notebook" || true)
  sha=$(echo "$made" | awk '{print $4}')
  if [ -z "$sha" ]; then
    echo "warning: $notebook records no commit (made by older code); regenerate it with $(target "$notebook")"; stale=$((stale + 1))
  elif [[ "$made" == *"uncommitted changes"* ]]; then
    echo "warning: $notebook was made from $sha with uncommitted changes; regenerate it with $(target "$notebook")"; stale=$((stale + 1))
  elif [ "$sha" != "$code" ] && git merge-base --is-ancestor "$sha" "$code" 2>/dev/null && [ -n "$(git diff --name-only "$sha" "$code" -- Sources Package.swift scripts)" ]; then
    echo "warning: $notebook was made from ${sha:0:12}, older than the code (last changed in ${code:0:12}); regenerate it with $(target "$notebook")"; stale=$((stale + 1))
  fi
done
echo "check-companions: $stale notebook(s) made from older code than ${code:0:12}"

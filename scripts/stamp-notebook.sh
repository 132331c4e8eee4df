#!/usr/bin/env bash
# stamp-notebook.sh NOTEBOOK SOURCE [KERNELS]: puts under NOTEBOOK's title the provenance line (`*Made from commit …
# on … UTC; OpenBLAS kernel …; N thread(s).*`) that the step notebook SOURCE, written by the same study, carries;
# KERNELS, when given, replaces its kernel (for a study that ran several). Used by the companion notebooks' scripts,
# whose tables are written in Python, so that scripts/check-companions.sh can tell how old they are.
set -euo pipefail
notebook=$1 source=$2 kernels=${3:-}
line=$(grep -m1 '^\*Made from ' "$source") || { echo "stamp-notebook: $source carries no provenance line" >&2; exit 1; }
if [ -n "$kernels" ]; then line=$(echo "$line" | sed -E "s/OpenBLAS kernel [^;]*;/OpenBLAS kernels $kernels;/"); fi
awk -v line="$line" 'NR == 1 { print; print ""; print line; next } { print }' "$notebook" > "$notebook.stamped"
mv "$notebook.stamped" "$notebook"

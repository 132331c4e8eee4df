#!/usr/bin/env bash
# Regenerates Tests/ValueModelTests/Fixtures/reference/: a small synthetic KuaiRec folder and what the pandas
# port of the original notebooks (../shared/reference/reference_prepare.py) computes from it. `swift test`
# compares step 1-2 against these files without Python. Needs .venv-reference (see scripts/bench.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
FIXTURE=Tests/ValueModelTests/Fixtures/reference
TMP=$(mktemp -d)
swift build -c release --product 0-synthetic-data
.build/release/0-synthetic-data --out "$TMP/raw" --users 12 --videos 60 --sessions-per-day 0.25 --stray-sessions 0.5 --seed 7
# The generator's caption file has three lines with the wrong field count (video 13: 3 fields; 24: one extra
# trailing field; 53: two). Both sides read them by position. Its short line has no category field left, so
# also cut video 2's ordinary line after the level-1 name: a short line that keeps level 1 but not levels 2-3.
.venv-reference/bin/python - "$TMP/raw/kuairec_caption_category.csv" <<'EOF'
import sys
path = sys.argv[1]
lines = open(path, encoding="utf-8", newline="").read().split("\n")
[row] = [i for i, line in enumerate(lines) if line.startswith("2,")]
assert '"' not in lines[row] and lines[row].count(",") == 9, lines[row]
lines[row] = ",".join(lines[row].split(",")[:6])
open(path, "w", encoding="utf-8", newline="").write("\n".join(lines))
EOF
.venv-reference/bin/python ../shared/reference/reference_prepare.py --data "$TMP/raw" --out "$TMP/ref"
rm -rf "$FIXTURE" && mkdir -p "$FIXTURE/raw"
cp "$TMP"/raw/*.csv "$FIXTURE/raw/"
cp "$TMP"/ref/{processed_data.csv,gnn_features.csv,split_train_idx.txt,split_valid_idx.txt,split_test_idx.txt,meta.json} "$FIXTURE/"
rm -rf "$TMP"
echo "wrote $FIXTURE"

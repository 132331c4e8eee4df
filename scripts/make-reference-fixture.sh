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
# The reference reads malformed caption lines by position where this pipeline skips them (a deliberate
# difference, tested on hand-written input); drop the generator's three malformed lines so both agree.
.venv-reference/bin/python scripts/drop_malformed_captions.py "$TMP/raw" > /dev/null
.venv-reference/bin/python ../shared/reference/reference_prepare.py --data "$TMP/raw" --out "$TMP/ref"
rm -rf "$FIXTURE" && mkdir -p "$FIXTURE/raw"
cp "$TMP"/raw/*.csv "$FIXTURE/raw/"
cp "$TMP"/ref/{processed_data.csv,gnn_features.csv,split_train_idx.txt,split_valid_idx.txt,split_test_idx.txt,meta.json} "$FIXTURE/"
rm -rf "$TMP"
echo "wrote $FIXTURE"

#!/usr/bin/env bash
# make bench: steps 1-2 of this pipeline against the pandas port of the original (../shared/reference/)
# on the same full-size synthetic KuaiRec files, back to back on this machine. Writes notebooks/benchmarks.md.
# Not part of `make test`: it needs ~15 minutes and a Python virtual environment (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."

USERS=${BENCH_USERS:-7176}
VIDEOS=${BENCH_VIDEOS:-10728}
WORK=${BENCH_DIR:-data/bench/u${USERS}-v${VIDEOS}}
REFERENCE=${REFERENCE:-../shared/reference/reference_prepare.py}
VENV=.venv-reference
BIN=.build/release
mkdir -p "$WORK"

if [ ! -f "$WORK/raw/big_matrix.csv" ]; then
  echo "bench: writing a synthetic world of $USERS users x $VIDEOS videos to $WORK/raw"
  "$BIN/0-synthetic-data" --out "$WORK/raw" --users "$USERS" --videos "$VIDEOS"
fi
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import pandas, pyarrow" 2>/dev/null; then
  echo "bench: creating $VENV (pandas 2.3.3, numpy < 2.4, pyarrow)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "pandas==2.3.3" "numpy<2.4" pyarrow
fi

measure() {  # measure NAME COMMAND... -> NAME.seconds NAME.rss_mib (GNU time)
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$WORK/$name.time" "$@" > "$WORK/$name.log" 2>&1 || { cat "$WORK/$name.log"; exit 1; }
}

uptime | sed 's/.*load average: //' > "$WORK/load.txt"
echo "bench: step 1 (Swift)"
measure swift-step1 "$BIN/1-data-preparation" --raw "$WORK/raw" --out "$WORK/processed" \
  --notebook "$WORK/1-data-preparation.md" --figures "$WORK/figures"
echo "bench: step 2 (Swift)"
measure swift-step2 "$BIN/2-graph-construction" --processed "$WORK/processed" \
  --notebook "$WORK/2-graph-construction.md" --figures "$WORK/figures"
echo "bench: notebooks 1-2 (pandas reference, no CSV export)"
measure pandas "$VENV/bin/python" "$REFERENCE" --data "$WORK/raw" --out "$WORK/reference" --no-csv

# The learning engine against PyTorch + PyG (same shapes, 2 threads each), one scenario per process.
if [ -z "${BENCH_SKIP_LEARNING:-}" ]; then
  if [ ! -x .venv-bench/bin/python ] || ! .venv-bench/bin/python -c "import torch, torch_geometric, sklearn" 2>/dev/null; then
    echo "bench: creating .venv-bench (torch, torch_geometric, scikit-learn)"
    python3 -m venv .venv-bench
    .venv-bench/bin/pip install -q torch torch_geometric scikit-learn numpy safetensors
  fi
  : > "$WORK/learning.jsonl"
  uptime | sed 's/.*load average: //' > "$WORK/learning-load.txt"
  for model in gnn64 mlp; do
    echo "bench: $model training step, full size (Swift, then PyTorch + PyG)"
    "$BIN/bench" --scale full --model "$model" --steps 5 --threads 2 >> "$WORK/learning.jsonl"
    .venv-bench/bin/python ../shared/bench/pyg_reference.py --scale full --model "$model" --steps 3 --threads 2 --device cpu 2>> "$WORK/pyg.log" >> "$WORK/learning.jsonl"
  done
  echo "bench: AUC on the test-split size (scikit-learn)"
  .venv-bench/bin/python ../shared/bench/pyg_reference.py --scale full --model auc --threads 2 --device cpu 2>> "$WORK/pyg.log" >> "$WORK/learning.jsonl"
fi

echo " / $(uptime | sed 's/.*load average: //')" >> "$WORK/load.txt"
"$VENV/bin/python" scripts/bench_report.py "$WORK" > notebooks/benchmarks.md
echo "bench: wrote notebooks/benchmarks.md"

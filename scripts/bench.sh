#!/usr/bin/env bash
# make bench: this pipeline against the original's Python stack (pandas for steps 1-2, PyTorch + PyG for step 3,
# scikit-learn for the logistic regression and AUC) on the same synthetic KuaiRec files at two scales, back to back
# on this machine, one heavy process at a time. Writes notebooks/benchmarks.md and figures/bench-*.png.
# Not part of `make test`: it takes about 30 minutes on 2 cores (more the first time: it installs two git-ignored
# virtual environments).
#
# Environment:
#   BENCH_SCALES   space-separated LABEL:USERS:VIDEOS (default "default:600:1200 full:7176:10728"; the label
#                  "full" selects the long-run repeat counts, any other label the cheap ones)
#   BENCH_ROOT     where worlds and measurements go (default data/bench)
#   BENCH_THREADS  threads for both sides (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."

SCALES=${BENCH_SCALES:-"default:600:1200 full:7176:10728"}
ROOT=${BENCH_ROOT:-data/bench}
THREADS=${BENCH_THREADS:-2}
REFERENCE=${REFERENCE:-../shared/reference/reference_prepare.py}
PYG=${PYG_REFERENCE:-../shared/bench/pyg_reference.py}
BIN=.build/release
mkdir -p "$ROOT"

if [ ! -x .venv-reference/bin/python ] || ! .venv-reference/bin/python -c "import pandas, pyarrow" 2>/dev/null; then
  echo "bench: creating .venv-reference (pandas 2.3.3, numpy < 2.4, pyarrow)"
  python3 -m venv .venv-reference
  .venv-reference/bin/pip install -q "pandas==2.3.3" "numpy<2.4" pyarrow
fi
if [ ! -x .venv-bench/bin/python ] || ! .venv-bench/bin/python -c "import torch, torch_geometric, sklearn, threadpoolctl" 2>/dev/null; then
  echo "bench: creating .venv-bench (torch, torch_geometric, scikit-learn)"
  python3 -m venv .venv-bench
  # The CPU-only wheel when its index is reachable; otherwise PyPI's (it carries CUDA libraries but runs on the CPU).
  .venv-bench/bin/pip install -q --retries 0 --index-url https://download.pytorch.org/whl/cpu torch 2>/dev/null \
    || .venv-bench/bin/pip install -q torch
  .venv-bench/bin/pip install -q torch_geometric scikit-learn numpy safetensors threadpoolctl
fi

# The Python side runs with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset, so its current OpenBLAS/MKL picks its best
# kernels; this pipeline keeps the machine's settings (its OpenBLAS 0.3.21 is the build they protect).
PYTHON_SIDE=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
load() { echo "$1 $(cut -d' ' -f1-3 /proc/loadavg)" >> "$WORK/load.txt"; }
measure() {  # measure NAME COMMAND... -> NAME.time ("seconds KiB" of GNU time) and NAME.log
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$WORK/$name.time" "$@" > "$WORK/$name.log" 2>&1 || { tail -30 "$WORK/$name.log"; exit 1; }
}
jsonl() {  # jsonl FILE COMMAND...: append the command's JSON line to FILE, its stderr to FILE.log
  local file=$1; shift
  "$@" >> "$file" 2>> "$file.log" || { tail -30 "$file.log"; exit 1; }
}

: > "$ROOT/hw.jsonl"
echo "bench: sgemm peak and copy bandwidth (this pipeline's OpenBLAS, then PyTorch)"
"$BIN/bench" hw --threads "$THREADS" >> "$ROOT/hw.jsonl"
"${PYTHON_SIDE[@]}" .venv-bench/bin/python "$PYG" --model hw --threads "$THREADS" --device cpu >> "$ROOT/hw.jsonl" 2>> "$ROOT/hw.jsonl.log"
"${PYTHON_SIDE[@]}" .venv-bench/bin/python "$PYG" --scale full --model flops --threads "$THREADS" --device cpu >> "$ROOT/hw.jsonl" 2>> "$ROOT/hw.jsonl.log"

# Step 6's A2C throughput: its own synthetic tables at the small matrix's size, whatever the scales (about 2 minutes).
: > "$ROOT/rl.jsonl"
echo "bench: A2C training epochs at 1,411 x 3,327 (Swift; both item scorers)"
jsonl "$ROOT/rl.jsonl" "$BIN/bench" rl --threads "$THREADS"

for spec in $SCALES; do
  IFS=: read -r LABEL USERS VIDEOS <<< "$spec"
  WORK="$ROOT/$LABEL"
  if [ "$LABEL" = full ]; then
    STEP1_REPEATS=3; PANDAS_REPEATS=1; SCORING_SESSIONS=100
    SWIFT_TRAIN="--warmup 1 --steps 5 --eval-repeats 3"; SWIFT_PROTOCOL=3
    PYG_TRAIN="--warmup 1 --steps 3 --eval-repeats 1"; PYG_PROTOCOL=1
  else
    STEP1_REPEATS=5; PANDAS_REPEATS=3; SCORING_SESSIONS=200
    SWIFT_TRAIN="--warmup 2 --steps 10 --eval-repeats 5"; SWIFT_PROTOCOL=5
    PYG_TRAIN="--warmup 2 --steps 5 --eval-repeats 3"; PYG_PROTOCOL=3
  fi
  mkdir -p "$WORK"
  rm -f "$WORK"/*.time "$WORK"/*.jsonl "$WORK"/*.jsonl.log "$WORK/load.txt" "$WORK/agreement.json"
  echo "$USERS $VIDEOS $STEP1_REPEATS $PANDAS_REPEATS" > "$WORK/scale.txt"
  if [ ! -f "$WORK/raw/big_matrix.csv" ]; then
    echo "bench[$LABEL]: writing a synthetic world of $USERS users x $VIDEOS videos to $WORK/raw"
    "$BIN/0-synthetic-data" --out "$WORK/raw" --users "$USERS" --videos "$VIDEOS" > "$WORK/synthetic.log"
  fi

  # Step 1: both sides back to back, repeated (the pandas side fewer times at full size: ~20 min each).
  for r in $(seq 1 "$STEP1_REPEATS"); do
    echo "bench[$LABEL]: step 1, repeat $r (Swift)"
    load "swift-step1.$r"
    measure "swift-step1.$r" "$BIN/1-data-preparation" --raw "$WORK/raw" --out "$WORK/processed" \
      --notebook "$WORK/1-data-preparation.md" --figures "$WORK/figures"
    if [ "$r" -le "$PANDAS_REPEATS" ]; then
      echo "bench[$LABEL]: notebooks 1-2, repeat $r (pandas reference, no CSV export)"
      load "pandas.$r"
      measure "pandas.$r" "${PYTHON_SIDE[@]}" .venv-reference/bin/python "$REFERENCE" --data "$WORK/raw" --out "$WORK/reference" --no-csv
      cp "$WORK/reference/timings.json" "$WORK/pandas.$r.timings.json"
    fi
  done
  echo "bench[$LABEL]: step 2 (Swift)"
  load swift-step2
  measure swift-step2 "$BIN/2-graph-construction" --processed "$WORK/processed" \
    --notebook "$WORK/2-graph-construction.md" --figures "$WORK/figures"
  echo "bench[$LABEL]: step 1 agreement, column by column"
  .venv-reference/bin/python scripts/bench_agreement.py "$WORK/processed/step1" "$WORK/reference" > "$WORK/agreement.json"

  # Step 3: each model on both sides, one process at a time (PyG's GNN-128 needs ~18 GB at full size).
  for model in mlp gnn64 gnn128; do
    swift_protocol=0; pyg_protocol=0
    if [ "$model" = gnn64 ]; then swift_protocol=$SWIFT_PROTOCOL; pyg_protocol=$PYG_PROTOCOL; fi
    echo "bench[$LABEL]: $model (Swift, then PyTorch + PyG)"
    load "swift-$model"
    # shellcheck disable=SC2086
    jsonl "$WORK/learning.jsonl" "$BIN/bench" train --processed "$WORK/processed" --model "$model" --threads "$THREADS" \
      $SWIFT_TRAIN --protocol-steps "$swift_protocol"
    load "pyg-$model"
    # shellcheck disable=SC2086
    jsonl "$WORK/learning.jsonl" "${PYTHON_SIDE[@]}" .venv-bench/bin/python scripts/bench_pyg.py --processed "$WORK/processed" \
      --threads "$THREADS" train --model "$model" $PYG_TRAIN --protocol-steps "$pyg_protocol"
  done
  echo "bench[$LABEL]: logistic regression and AUC (Swift, then scikit-learn)"
  load swift-logreg
  jsonl "$WORK/learning.jsonl" "$BIN/bench" logreg --processed "$WORK/processed" --threads "$THREADS"
  load sklearn-logreg
  jsonl "$WORK/learning.jsonl" "${PYTHON_SIDE[@]}" .venv-bench/bin/python scripts/bench_pyg.py --processed "$WORK/processed" \
    --threads "$THREADS" logreg
  echo "bench[$LABEL]: step 4 counterfactual scoring (Swift, then PyTorch on the same pairs)"
  load swift-scoring
  jsonl "$WORK/step4.jsonl" "$BIN/bench" scoring --processed "$WORK/processed" --threads "$THREADS" \
    --sessions "$SCORING_SESSIONS" --repeats 3 --export "$WORK/scoring-inputs"
  load pytorch-scoring
  jsonl "$WORK/step4.jsonl" "${PYTHON_SIDE[@]}" .venv-bench/bin/python scripts/bench_pyg.py --processed "$WORK/processed" \
    --threads "$THREADS" scoring --inputs "$WORK/scoring-inputs" --repeats 3
  load end
done

.venv-reference/bin/python scripts/bench_report.py "$ROOT" $(for s in $SCALES; do echo "${s%%:*}"; done)
scripts/stamp-notebook.sh notebooks/benchmarks.md "$WORK/1-data-preparation.md"
echo "bench: wrote notebooks/benchmarks.md and figures/bench-*.png"

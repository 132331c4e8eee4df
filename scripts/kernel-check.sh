#!/bin/bash
# Reproducibility across BLAS kernels, measured: how much the BLAS kernel moves the notebooks' numbers. Steps 3 and 4 on the data of
# `make notebooks` (data/processed/step1, step1-small, step2 reused), once per OpenBLAS kernel in KERNELS
# (OPENBLAS_CORETYPE set for the run, so nothing re-selects it), one GNN run each (--head-seeds 1), in
# data/study/kernel-<name>/; then notebooks/kernel-check.md (scripts/kernel_check_table.py). Every kernel named
# must run on this CPU (the default pair does on any AVX2 machine). Run by `make kernel-check`.
set -euo pipefail
processed=${PROCESSED:-data/processed}
study=${STUDY:-data/study}
raw=${RAW:-data/raw}
folders=()
for kernel in ${KERNELS:-Haswell Sandybridge}; do
  folder=$study/kernel-$kernel
  folders+=("$folder")
  if [ -f "$folder/step4/estimate.json" ] && [ -z "${FRESH:-}" ]; then echo "kernel-check: $kernel already measured"; continue; fi
  rm -rf "$folder"; mkdir -p "$folder"
  for part in step1 step1-small step2; do ln -s "$(cd "$processed/$part" && pwd)" "$folder/$part"; done
  echo "kernel-check: $kernel"
  OPENBLAS_CORETYPE=$kernel .build/release/3-training --processed "$folder" --raw "$raw" --notebook "$folder/3-training.md" \
    --figures "$folder/figures" --head-seeds 1 > "$folder/step3.log" 2>&1
  OPENBLAS_CORETYPE=$kernel .build/release/4-head-weight-estimation estimate --processed "$folder" --raw "$raw" \
    --notebook "$folder/4-head-weight-estimation.md" --figures "$folder/figures" > "$folder/step4.log" 2>&1
done
python3 scripts/kernel_check_table.py "${folders[@]}" > notebooks/kernel-check.md.tmp
scripts/stamp-notebook.sh notebooks/kernel-check.md.tmp "${folders[0]}/3-training.md" "as in the table"
mv notebooks/kernel-check.md.tmp notebooks/kernel-check.md
echo "kernel-check: notebooks/kernel-check.md"

#!/bin/bash
# The heads' own uncertainty, measured: steps 3 and 4 twice on the data of `make notebooks` (data/processed/step1,
# step1-small, step2 reused), with step-3 seeds 2026 and 7, each training its chosen GNN five times
# (3-training --head-seeds 5; step 4 averages the five runs' heads and puts their spread into the headline
# interval), in data/study/head-seeds-<seed>/; then notebooks/head-seeds.md (scripts/head_seeds_table.py):
# do the two runs' intervals overlap, with and without the heads' randomness? Run by `make head-seeds`.
set -euo pipefail
processed=${PROCESSED:-data/processed}
study=${STUDY:-data/study}
raw=${RAW:-data/raw}
folders=()
for seed in ${SEEDS:-2026 7}; do
  folder=$study/head-seeds-$seed
  folders+=("$folder")
  if [ -f "$folder/step4/estimate.json" ] && [ -z "${FRESH:-}" ]; then echo "head-seeds: seed $seed already measured"; continue; fi
  rm -rf "$folder"; mkdir -p "$folder"
  for part in step1 step1-small step2; do ln -s "$(cd "$processed/$part" && pwd)" "$folder/$part"; done
  echo "head-seeds: seed $seed"
  .build/release/3-training --processed "$folder" --raw "$raw" --notebook "$folder/3-training.md" --figures "$folder/figures" \
    --seed "$seed" --head-seeds 5 > "$folder/step3.log" 2>&1
  .build/release/4-head-weight-estimation estimate --processed "$folder" --raw "$raw" --notebook "$folder/4-head-weight-estimation.md" \
    --figures "$folder/figures" > "$folder/step4.log" 2>&1
done
python3 scripts/head_seeds_table.py "${folders[@]}" > notebooks/head-seeds.md.tmp
scripts/stamp-notebook.sh notebooks/head-seeds.md.tmp "${folders[0]}/3-training.md"
mv notebooks/head-seeds.md.tmp notebooks/head-seeds.md
echo "head-seeds: notebooks/head-seeds.md"

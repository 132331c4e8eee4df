#!/bin/bash
# The options for the heads off the logged path, measured: steps 3 and 4 once per variant on the data of `make notebooks`
# (data/processed/step1, step1-small, step2 reused), each variant in data/study/<variant>/, then step 4
# on each flow's five seeds as one ensemble (data/study/<flow>-ensemble/), then
# notebooks/heads-study.md from their results (scripts/heads_study_table.py). Run by `make heads-study`
# after `make notebooks`; about four minutes per variant on two cores.
set -euo pipefail
processed=${PROCESSED:-data/processed}
study=${STUDY:-data/study}
raw=${RAW:-data/raw}
# name | step-3 options (the sweeps are skipped: they do not change the models trained; each variant is one run,
# --head-seeds 1, since the seeds below retrain the whole of step 3)
variants=(
  "directed|--flow user-to-video --debias none"
  "both-ways|--flow both --debias none"
  "directed+exposure-weights|--flow user-to-video --debias exposure-weights"
  "both-ways+exposure-weights|--flow both --debias exposure-weights"
)
# The two message flows with four more seeds each (weight initialisation and batch draws; 2026 is the run
# above): the heads' own uncertainty, and whether the flows' difference outlasts it.
for seed in ${SEEDS:-1 2 3 4}; do
  variants+=("directed-seed-$seed|--flow user-to-video --debias none --seed $seed")
  variants+=("both-ways-seed-$seed|--flow both --debias none --seed $seed")
done
# measured NAME: whether NAME's step 4 has finished (FRESH=1 redoes everything).
measured() { [ -f "$study/$1/step4/estimate.json" ] && [ -z "${FRESH:-}" ]; }
# fresh_folder NAME: an empty data/study/NAME/ that sees the default run's steps 1-2.
fresh_folder() {
  rm -rf "$study/$1"; mkdir -p "$study/$1"
  for part in step1 step1-small step2; do ln -s "$(cd "$processed/$part" && pwd)" "$study/$1/$part"; done
}
# step4 NAME [options]: step 4 on data/study/NAME/ as every variant runs it.
step4() {
  local folder=$study/$1; shift
  .build/release/4-head-weight-estimation estimate --processed "$folder" --raw "$raw" --notebook "$folder/4-head-weight-estimation.md" \
    --figures "$folder/figures" --skip-original --skip-diagnostics --bootstrap 20 "$@" > "$folder/step4.log" 2>&1
}
for entry in "${variants[@]}"; do
  name=${entry%%|*}; options=${entry#*|}
  if measured "$name"; then echo "heads-study: $name already measured"; continue; fi
  fresh_folder "$name"
  echo "heads-study: $name ($options)"
  # shellcheck disable=SC2086
  .build/release/3-training --processed "$study/$name" --raw "$raw" --notebook "$study/$name/3-training.md" --figures "$study/$name/figures" \
    --sweep-steps 0 --head-seeds 1 $options > "$study/$name/step3.log" 2>&1
  step4 "$name"
done
# Ensembles: step 4 on each flow's five runs at once (heads averaged; --ensemble), no retraining.
for base in directed both-ways; do
  if measured "$base-ensemble"; then echo "heads-study: $base-ensemble already measured"; continue; fi
  members=$(for seed in ${SEEDS:-1 2 3 4}; do printf '%s,' "$study/$base-seed-$seed/step3"; done)
  fresh_folder "$base-ensemble"
  ln -s "$(cd "$study/$base/step3" && pwd)" "$study/$base-ensemble/step3"
  echo "heads-study: $base-ensemble"
  step4 "$base-ensemble" --ensemble "${members%,}"
done
python3 scripts/heads_study_table.py "$study" > notebooks/heads-study.md.tmp
scripts/stamp-notebook.sh notebooks/heads-study.md.tmp "$study/${variants[0]%%|*}/3-training.md"
mv notebooks/heads-study.md.tmp notebooks/heads-study.md
echo "heads-study: notebooks/heads-study.md"

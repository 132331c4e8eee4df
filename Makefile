# The two commands: `make notebooks` and `make test`. Everything else is a building block.
SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -eu -o pipefail -c

DEBIAN_PACKAGES := libopenblas-dev gnuplot-nox libgnuplot-iostream-dev libboost-iostreams-dev libboost-filesystem-dev
RAW     ?= data/raw
OUT     ?= data/processed
BIN     := .build/release
SWIFT_RELEASE := swift build -c release
# Synthetic world used when $(RAW) holds no KuaiRec files (scale of the default notebooks).
SYNTH_OPTIONS ?= --users 600 --videos 1200
# Runs of step 3's chosen GNN (3-training --head-seeds, the executable's default): step 4's interval includes
# the heads' training randomness. HEAD_SEEDS=1 trains the main run alone (about 45 s less at the default scale: the other seeds take about 30 s of step 3, their ensemble about 14 s of step 4).
HEAD_SEEDS ?= 5

.PHONY: notebooks test deps build data step1 step2 step3 step4 step5 step6 coverage rl-study heads-study head-seeds kernel-check bench fuzz clean-data

## make notebooks: install, build, (generate data), run every step, write notebooks/ and figures/, then name every
## companion notebook made from older code (scripts/check-companions.sh)
notebooks: deps build data step1 step2 step3 step4 step5 step6
	scripts/check-companions.sh

## make test: install, build, run the test suite
test: deps
	swift build --build-tests
	swift test --skip-build --no-parallel   # serial: blocked inference switches OpenBLAS to one thread per caller (Learning/BlockedInference.swift)

## deps: install the Debian packages this project needs, only those missing
deps:
	missing=""
	for p in $(DEBIAN_PACKAGES); do dpkg -s "$$p" >/dev/null 2>&1 || missing="$$missing $$p"; done
	if [ -n "$$missing" ]; then
	  echo "installing Debian packages:$$missing"
	  sudo_cmd=""; [ "$$(id -u)" -eq 0 ] || sudo_cmd="sudo"
	  $$sudo_cmd apt-get update -qq
	  DEBIAN_FRONTEND=noninteractive $$sudo_cmd apt-get install -y -qq --no-install-recommends $$missing
	fi

build: deps
	$(SWIFT_RELEASE)

## data: write the synthetic KuaiRec world into $(RAW) unless real (or earlier) files are there
data: build
	if [ -f "$(RAW)/big_matrix.csv" ]; then
	  echo "using the KuaiRec files in $(RAW)"
	else
	  $(BIN)/0-synthetic-data --out "$(RAW)" $(SYNTH_OPTIONS)
	fi

step1: data
	$(BIN)/1-data-preparation --raw "$(RAW)" --out "$(OUT)" --notebook notebooks/1-data-preparation.md --figures figures

step2: step1
	$(BIN)/2-graph-construction --processed "$(OUT)" --notebook notebooks/2-graph-construction.md --figures figures

step3: step2
	$(BIN)/3-training --processed "$(OUT)" --raw "$(RAW)" --notebook notebooks/3-training.md --figures figures --head-seeds $(HEAD_SEEDS)

step4: step3
	$(BIN)/4-head-weight-estimation --processed "$(OUT)" --raw "$(RAW)" --notebook notebooks/4-head-weight-estimation.md --figures figures

step5: step4
	$(BIN)/5-policy-evaluation --processed "$(OUT)" --raw "$(RAW)" --notebook notebooks/5-policy-evaluation.md --figures figures

step6: step5
	$(BIN)/6-policy-learning --processed "$(OUT)" --raw "$(RAW)" --notebook notebooks/6-policy-learning.md --figures figures

## coverage: do step 4's 95% intervals cover w*? 20 seeded in-memory worlds per candidate mechanism, the pool-free estimators compared and where their floor comes from (about 30-40 minutes on 2 cores, most of it the pool-sampling fits; writes notebooks/4-coverage.md)
coverage: build
	$(BIN)/4-head-weight-estimation coverage --notebook notebooks/4-coverage.md

## rl-study: step 6 over RL_SEEDS seeds at DORL's published length (200 epochs x 100,000 steps per arm; hours on 2 cores:
## about 4 arms x 200 epochs x the seconds per epoch that `bench rl` reports, per seed); RL_EPOCHS / RL_STEPS shorten it
## (after make notebooks; writes data/processed/step6-study/ and notebooks/6-rl-study.md)
RL_SEEDS  ?= 3
RL_EPOCHS ?= 200
RL_STEPS  ?= 100000
rl-study: build
	$(BIN)/6-policy-learning study --processed "$(OUT)" --raw "$(RAW)" --seeds $(RL_SEEDS) --epochs $(RL_EPOCHS) --steps-per-epoch $(RL_STEPS) --notebook notebooks/6-rl-study.md --figures figures

## heads-study: the heads' options off the logged path and 5 seeds through steps 3-4 (after make notebooks; about an hour on 2 cores)
heads-study: build
	PROCESSED=$(OUT) RAW=$(RAW) scripts/heads-study.sh

## head-seeds: the heads' own uncertainty: steps 3-4 twice (seeds 2026 and 7), each with 5 runs of the chosen GNN;
## do the two headline intervals overlap? (after make notebooks; about 17 minutes on 2 cores; writes notebooks/head-seeds.md)
head-seeds: build
	PROCESSED=$(OUT) RAW=$(RAW) scripts/head-seeds.sh

## kernel-check: reproducibility across BLAS kernels: steps 3-4 under two OpenBLAS kernels (Haswell, Sandybridge);
## how far apart do the AUCs and the headline land? (after make notebooks; about 10 minutes on 2 cores; writes notebooks/kernel-check.md)
kernel-check: build
	PROCESSED=$(OUT) RAW=$(RAW) scripts/kernel-check.sh

## bench: this pipeline against pandas, PyTorch + PyG and scikit-learn at the default and full scale
## on 2 cores, about 30 minutes (Python only in git-ignored .venv-*; writes notebooks/benchmarks.md and figures/bench-*.png)
bench: deps build
	scripts/bench.sh

## fuzz: a long run of the CSV fuzz test (FUZZ_CASES mutated KuaiRec folders through step 1)
fuzz: deps
	FUZZ_CASES=$${FUZZ_CASES:-5000} FUZZ_SEED=$${FUZZ_SEED:-$$RANDOM} swift test --filter CSVFuzzTests

clean-data:
	rm -rf data/processed

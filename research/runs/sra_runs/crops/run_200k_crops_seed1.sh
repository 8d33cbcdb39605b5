#!/usr/bin/env bash
# The 200k BiLSTM with span crops again with another training seed on the same sentences and crops
# (`--seed 1 --corpus-seed 42`: the crops follow the corpus seed, so both teacher-vector caches are reused).
set -euo pipefail
cd "$(dirname "$0")/../../../.."
bash research/runs/sra_runs/relational/run_200k_variant.sh bilstm bilstm-200k-dim384-raw-crops1-seed1 \
  --embedding-dim 384 --target-pca 0 --span-crops 1 --seed 1 --corpus-seed 42

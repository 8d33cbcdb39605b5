#!/usr/bin/env bash
# The 200k static student with span crops again with another training seed on the same sentences and crops.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
bash research/runs/sra_runs/relational/run_200k_variant.sh static static-200k-dim384-raw-crops1-seed1 \
  --embedding-dim 384 --target-pca 0 --span-crops 1 --seed 1 --corpus-seed 42

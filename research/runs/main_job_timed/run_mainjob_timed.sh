#!/usr/bin/env bash
# The main job end to end on a fresh bertdistill cache (teacher vectors, model2vec baseline, corpus, scores), timed.
set -euo pipefail
cd "$(dirname "$0")/../../.."
# (ran after the other jobs of the session had finished: nothing else on the 2 cores)
rm -rf runs/main-job-timed-cache runs/main-job-timed
export BERTDISTILL_CACHE=runs/main-job-timed-cache
start=$(date +%s); echo "start $(date +%T)"
OUTPUT_DIR=runs/main-job-timed BERTDISTILL_DATA_DIR=../shared/data/glue \
  CORPUS=../shared/data/corpus/wikipedia_en_slice.txt TRANSFER_DIR=../shared/data/transfer bash scripts/main_job.sh
echo "end $(date +%T) total_seconds $(( $(date +%s) - start ))"

#!/usr/bin/env bash
# The main job on a fresh machine: set up .venv, then run recipes/main-job.yaml (what it does, and its results:
# the recipe's header and results/main_job.md).
#
#   bash scripts/main_job.sh                                   # GLUE and the corpus from the Hugging Face hub
#   BERTDISTILL_DATA_DIR=../shared/data/glue \
#       CORPUS="../shared/data/corpus/wikipedia_en_slice.txt:0.5 ../shared/data/corpus/mixed_en/*.txt:0.5" \
#       TRANSFER_DIR=../shared/data/transfer RETRIEVAL_DIR=../shared/data/retrieval \
#       bash scripts/main_job.sh                                   # local folders, no network
#
# CORPUS holds one corpus entry or several separated by spaces (a mix, each with its :SHARE; a glob is passed
# on unexpanded).
#
# These environment variables set the recipe's variables: CORPUS, TRANSFER_DIR, RETRIEVAL_DIR, SRA_SENTENCES, SRA_EPOCHS,
# BILSTM_EPOCHS, SST2_TRAIN_SAMPLES, EMBEDDING_DIM, TARGET_PCA, SPAN_CROPS; OUTPUT_DIR (default runs/main-job)
# where it writes. An interrupted run continues where it stopped when started again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
TRANSFER_DIR=${TRANSFER_DIR:-${BERTDISTILL_TRANSFER_DIR:-}}
RETRIEVAL_DIR=${RETRIEVAL_DIR:-${BERTDISTILL_RETRIEVAL_DIR:-}}
output=${OUTPUT_DIR:-runs/main-job}
sets=()
for pair in transfer_dir:TRANSFER_DIR retrieval_dir:RETRIEVAL_DIR sra_sentences:SRA_SENTENCES sra_epochs:SRA_EPOCHS \
            bilstm_epochs:BILSTM_EPOCHS sst2_samples:SST2_TRAIN_SAMPLES embedding_dim:EMBEDDING_DIM \
            target_pca:TARGET_PCA span_crops:SPAN_CROPS; do
  name=${pair%%:*} variable=${pair#*:}
  if [ -n "${!variable:-}" ]; then sets+=(--set "$name=${!variable}"); fi
done
if [ -n "${CORPUS:-}" ]; then   # several entries: one YAML list, each quoted (read does not expand globs)
  read -r -a entries <<< "$CORPUS"
  listed=$(printf '"%s", ' "${entries[@]}")
  sets+=(--set "corpus=[${listed%, }]")
fi
.venv/bin/bertdistill run recipes/main-job.yaml --output-dir "$output" "${sets[@]}"
if [ -f "$output/encoders.md" ]; then cat "$output/encoders.md"; fi

#!/usr/bin/env bash
# The main job's general students and their encoder benchmark (CPU-sized: 30,000 sentences, 2 epochs):
#   a static SRA student and a BiLSTM SRA student with a residual static path, both from contextual token
#   vectors, cosine loss on PCA'd teacher targets; then `bertdistill evaluate-encoder` beside the teacher, the
#   model2vec baseline and TF-IDF, with speed, into OUTPUT/encoders.{md,json}.
#   OUTPUT=runs/main-job CORPUS=... TRANSFER_DIR=../shared/data/transfer bash scripts/general_students.sh
set -euo pipefail
output=${OUTPUT:-runs/main-job}
corpus=${CORPUS:?set CORPUS}
sentences=${SRA_SENTENCES:-30000}
epochs=${SRA_EPOCHS:-2}
common=(--teacher minilm --corpus "$corpus" --max-sentences "$sentences" --max-length 64 --epochs "$epochs"
        --embedding-dim 256 --embedding-init contextual --target-pca 256 --loss cosine --no-progress)
[ -f "$output/general-static/metrics.json" ] || bertdistill distill sra "${common[@]}" --student static \
  --output-dir "$output/general-static"
[ -f "$output/general-bilstm/metrics.json" ] || bertdistill distill sra "${common[@]}" --hidden-size 300 \
  --num-layers 2 --residual-static --output-dir "$output/general-bilstm"
if [ -n "${TRANSFER_DIR:-${BERTDISTILL_TRANSFER_DIR:-}}" ]; then
  bertdistill evaluate-encoder --model "$output/general-static" --model "$output/general-bilstm" \
    --transfer-dir "${TRANSFER_DIR:-$BERTDISTILL_TRANSFER_DIR}" \
    --json "$output/encoders.json" --markdown "$output/encoders.md" --no-progress
fi

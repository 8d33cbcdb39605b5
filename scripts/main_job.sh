#!/usr/bin/env bash
# The main job, end to end on the embedded teacher: set up, fine-tune all-MiniLM-L6-v2 on SST-2,
# evaluate it with the official metric and predict two new sentences.
#
#   bash scripts/main_job.sh                       # GLUE from the Hugging Face hub
#   BERTDISTILL_DATA_DIR=../shared/data/glue bash scripts/main_job.sh   # a local glue_data folder
#
# On a CPU it uses 4,000 training sentences and one epoch (about 3 minutes on 2 cores);
# set SST2_TRAIN_SAMPLES=all and EPOCHS=3 for the full run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
output=${OUTPUT_DIR:-runs/main-job}
samples=${SST2_TRAIN_SAMPLES:-4000}
epochs=${EPOCHS:-1}
sample_args=()
[ "$samples" != "all" ] && sample_args=(--max-train-samples "$samples")
resume=()
[ -d "$output/minilm-sst2" ] && resume=(--resume)
if [ ! -f "$output/minilm-sst2/metrics.json" ]; then
  bertdistill finetune --model minilm --task sst2 --output-dir "$output/minilm-sst2" \
    --max-length 64 --epochs "$epochs" --lr 5e-5 "${sample_args[@]}" "${resume[@]}"
fi
bertdistill evaluate --model "$output/minilm-sst2" --task sst2
bertdistill predict --model "$output/minilm-sst2" "a gripping, beautifully acted film" "a dull, lifeless mess"

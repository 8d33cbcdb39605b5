#!/usr/bin/env bash
# The main job, end to end on the embedded teacher (all-MiniLM-L6-v2):
#   1. a general BiLSTM student distilled task-agnostically (SRA) from a slice of unlabeled text,
#   2. that student fine-tuned on SST-2,
#   3. the same BiLSTM trained from scratch on the same data (no distillation), the baseline SRA must beat,
#   4. the teacher fine-tuned on the same SST-2 subset,
#   5. dev accuracy, size and CPU speed side by side (OUTPUT/report.md).
#
#   bash scripts/main_job.sh                                   # GLUE and the corpus from the Hugging Face hub
#   BERTDISTILL_DATA_DIR=../shared/data/glue CORPUS=../shared/data/corpus/wikipedia_en_slice.txt \
#       bash scripts/main_job.sh                               # local folders, as on a machine with no network
#
# Sized for about 15 minutes on 2 CPU cores; on a GPU raise SRA_SENTENCES, SRA_EPOCHS and SST2_TRAIN_SAMPLES.
# An interrupted run continues where it stopped when started again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
output=${OUTPUT_DIR:-runs/main-job}
corpus=${CORPUS:-hf:wikitext:wikitext-103-raw-v1:train}
sra_sentences=${SRA_SENTENCES:-30000}
sra_epochs=${SRA_EPOCHS:-2}
sst2_samples=${SST2_TRAIN_SAMPLES:-8000}

. scripts/steps.sh

step general-student bertdistill distill sra --teacher minilm --corpus "$corpus" --max-sentences "$sra_sentences" \
  --max-length 64 --epochs "$sra_epochs"
step student-sst2 bertdistill finetune --model "$output/general-student" --task sst2 --max-length 64 \
  --max-train-samples "$sst2_samples" --epochs 3
[ -d "$output/scratch-student" ] || bertdistill init-student --teacher minilm --embedding-init random \
  --output-dir "$output/scratch-student"
step scratch-sst2 bertdistill finetune --model "$output/scratch-student" --task sst2 --max-length 64 \
  --max-train-samples "$sst2_samples" --epochs 3
step teacher-sst2 bertdistill finetune --model minilm --task sst2 --max-length 64 \
  --max-train-samples "$sst2_samples" --epochs 1 --lr 5e-5
python scripts/main_job_report.py "$output"

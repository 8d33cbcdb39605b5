#!/usr/bin/env bash
# The main job, end to end on the embedded teacher (all-MiniLM-L6-v2):
#   1. two general students distilled task-agnostically (SRA) from a slice of unlabeled text, cosine loss on
#      PCA'd teacher targets: a static one from contextual token vectors, then a BiLSTM whose residual static
#      path starts as that static student (one epoch adds the context),
#   2. both as sentence encoders on the transfer tasks, beside the teacher, the model2vec distill and
#      TF-IDF, with speed (OUTPUT/encoders.md; needs TRANSFER_DIR, skipped without it),
#   3. the BiLSTM general student fine-tuned on SST-2,
#   4. the same BiLSTM trained from scratch on the same data (no distillation), the baseline SRA must beat,
#   5. the teacher fine-tuned on the same SST-2 subset,
#   6. dev accuracy, size and CPU speed-up side by side (OUTPUT/report.md, OUTPUT/report.json: `bertdistill
#      report` rows, the same protocol as every other result file).
#
#   bash scripts/main_job.sh                                   # GLUE and the corpus from the Hugging Face hub
#   BERTDISTILL_DATA_DIR=../shared/data/glue CORPUS=../shared/data/corpus/wikipedia_en_slice.txt \
#       TRANSFER_DIR=../shared/data/transfer bash scripts/main_job.sh   # local folders, no network
#
# About 15 minutes on 2 CPU cores from a fresh cache (results/main_job.md; the encoder benchmark and the
# general students take most of it; an empty
# TRANSFER_DIR skips the benchmark); on a GPU raise SRA_SENTENCES, SRA_EPOCHS, BILSTM_EPOCHS and
# SST2_TRAIN_SAMPLES. EMBEDDING_DIM (256) and TARGET_PCA (256) set the general students' width and targets,
# SPAN_CROPS (0) the span crops per sentence (the library's default is 1; 0 keeps the job in its budget).
# An interrupted run continues where it stopped when started again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
output=${OUTPUT_DIR:-runs/main-job}
corpus=${CORPUS:-hf:wikitext:wikitext-103-raw-v1:train}
sra_sentences=${SRA_SENTENCES:-30000}
sra_epochs=${SRA_EPOCHS:-2}
bilstm_epochs=${BILSTM_EPOCHS:-1}
sst2_samples=${SST2_TRAIN_SAMPLES:-8000}

. scripts/steps.sh

transfer_dir=${TRANSFER_DIR:-${BERTDISTILL_TRANSFER_DIR:-}}
embedding_dim=${EMBEDDING_DIM:-256}  # 384 with TARGET_PCA=0: better encoders, no better after fine-tuning
target_pca=${TARGET_PCA:-256}        # (results/main_job.md, "384-d token vectors")
span_crops=${SPAN_CROPS:-0}
sra=(bertdistill distill sra --teacher minilm --corpus "$corpus" --max-sentences "$sra_sentences" --max-length 64
     --embedding-dim "$embedding_dim" --embedding-init contextual --target-pca "$target_pca" --loss cosine
     --span-crops "$span_crops")
bilstm_shape=(--embedding-dim "$embedding_dim" --hidden-size 256 --num-layers 1)
step general-static "${sra[@]}" --student static --epochs "$sra_epochs"
# the BiLSTM starts where the static student ends (its residual static path), so one epoch adds the context
step general-bilstm "${sra[@]}" "${bilstm_shape[@]}" --residual-static --init-student "$output/general-static" \
  --epochs "$bilstm_epochs"
if [ -n "$transfer_dir" ] && [ ! -f "$output/encoders.json" ]; then
  bertdistill evaluate-encoder --model "$output/general-static" --model "$output/general-bilstm" \
    --transfer-dir "$transfer_dir" --json "$output/encoders.json" --markdown "$output/encoders.md" --no-progress
fi
step student-sst2 bertdistill finetune --model "$output/general-bilstm" --task sst2 --max-length 64 \
  --max-train-samples "$sst2_samples" --epochs 3
[ -d "$output/scratch-student" ] || bertdistill init-student --teacher minilm --embedding-init random \
  --no-residual-static "${bilstm_shape[@]}" --output-dir "$output/scratch-student"
step scratch-sst2 bertdistill finetune --model "$output/scratch-student" --task sst2 --max-length 64 \
  --max-train-samples "$sst2_samples" --epochs 3
step teacher-sst2 bertdistill finetune --model minilm --task sst2 --max-length 64 \
  --max-train-samples "$sst2_samples" --epochs 1 --lr 5e-5
# dev accuracy, % of the teacher, size and speed-up (bertdistill benchmark, batch 32 x 64 pieces) from the run folders
bertdistill report --run "$output/student-sst2" --label "SRA general BiLSTM, fine-tuned (SST-2 ${sst2_samples})" \
  --run "$output/scratch-sst2" --label "same BiLSTM from scratch (SST-2 ${sst2_samples})" \
  --teacher-run "$output/teacher-sst2" --speed --json "$output/report.json" --output "$output/report.md" --no-plot
[ -f "$output/encoders.md" ] && cat "$output/encoders.md"

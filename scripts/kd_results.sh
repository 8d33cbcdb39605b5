#!/usr/bin/env bash
# Task-specific distillation (Tang et al. 2019) on five GLUE tasks, four students each:
#   scratch      the Tang BiLSTM on gold labels only (kd --no-augment --alpha 1: same model, init and optimiser)
#   kd           logit MSE on the original training set
#   kd-aug       logit MSE on the original + augmented transfer set
#   sra-kd-aug   the SRA general student, then kd-aug on the same transfer set ("cooperation")
# and the fine-tuned teacher (its dev scores are recorded by every kd run).
#
#   bash scripts/kd_results.sh TEACHERS GENERAL_STUDENT OUTPUT
#   e.g. BERTDISTILL_DATA_DIR=../shared/data/glue bash scripts/kd_results.sh runs/teachers \
#            runs/main-job-final/general-student runs/kd-results
#
# TEACHERS holds cola, sst2, mrpc, stsb, rte from scripts/train_teachers.sh; GENERAL_STUDENT comes from
# scripts/main_job.sh. Sized for 2 CPU cores (N_ITER, SST2_SAMPLES, AUG_EPOCHS below); a rerun skips
# finished steps and resumes interrupted ones. Ends with `bertdistill report` over the run folders:
# results/kd.json and OUTPUT/report.md (scores against each run's teacher, speed-ups by `bertdistill benchmark`).
set -euo pipefail
cd "$(dirname "$0")/.."
. .venv/bin/activate
teachers=$1; general=$2; output=$3
tasks=${TASKS:-"sst2 cola rte mrpc stsb"}
aug_epochs=${AUG_EPOCHS:-2}
plain_epochs=${PLAIN_EPOCHS:-5}
sst2_samples=${SST2_SAMPLES:-20000}

n_iter_for() {  # transfer-set size per task, kept within a CPU budget (the paper: 20 for SST-2)
  case $1 in sst2) echo "${N_ITER_SST2:-4}";; *) echo "${N_ITER:-4}";; esac
}

. scripts/steps.sh

for task in $tasks; do
  common=(--teacher "$teachers/$task" --task "$task" --max-length 128)
  [ "$task" = sst2 ] && common+=(--max-train-samples "$sst2_samples" --max-length 64)
  step "$task/scratch" bertdistill distill kd "${common[@]}" --no-augment --alpha 1 --epochs "$plain_epochs"
  step "$task/kd" bertdistill distill kd "${common[@]}" --no-augment --epochs "$plain_epochs"
  step "$task/kd-aug" bertdistill distill kd "${common[@]}" --n-iter "$(n_iter_for "$task")" --epochs "$aug_epochs"
  step "$task/sra-kd-aug" bertdistill distill kd "${common[@]}" --student "$general" \
    --transfer-set "$output/$task/kd-aug/transfer_set.jsonl" --epochs "$aug_epochs"
done

declare -A label=([scratch]="BiLSTM from scratch (gold labels)" [kd]="KD, no augmentation"
                  [kd-aug]="KD + augmentation" [sra-kd-aug]="SRA student + KD + augmentation")
rows=()
for task in $tasks; do
  for variant in scratch kd kd-aug sra-kd-aug; do rows+=(--run "$output/$task/$variant" --label "${label[$variant]}"); done
  rows+=(--teacher-run "$teachers/$task")
done
bertdistill report "${rows[@]}" --speed --json results/kd.json --output "$output/report.md" --no-plot


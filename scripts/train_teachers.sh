#!/usr/bin/env bash
# Fine-tune the embedded all-MiniLM-L6-v2 teacher on CoLA, SST-2, MRPC, STS-B and RTE.
# These are the teachers that task-specific distillation (kd, tinybert --stage task) starts from.
#
#   bash scripts/train_teachers.sh OUTPUT_ROOT [GLUE_DIR] [SST2_TRAIN_SAMPLES]
#
# GLUE_DIR defaults to $BERTDISTILL_DATA_DIR (unset: the Hugging Face hub). SST2_TRAIN_SAMPLES
# subsamples SST-2's 67,349 training sentences on a CPU; pass "all" on a GPU.
# Max length: 64 for single sentences, 128 for pairs. Ends with `bertdistill report --table runs`: the README's
# teachers table and results/teachers.json.
set -euo pipefail
root=${1:?usage: train_teachers.sh OUTPUT_ROOT [GLUE_DIR] [SST2_TRAIN_SAMPLES]}
data=${2:-${BERTDISTILL_DATA_DIR:-}}
sst2_samples=${3:-20000}
data_args=()
[ -n "$data" ] && data_args=(--data-dir "$data")
sst2_args=()
[ "$sst2_samples" != "all" ] && sst2_args=(--max-train-samples "$sst2_samples")

run() {  # task max_length epochs [extra...]
  local task=$1 length=$2 epochs=$3; shift 3
  local resume=()
  [ -d "$root/$task" ] && resume=(--resume)
  [ -f "$root/$task/metrics.json" ] && { echo "$task: done already"; return; }
  bertdistill finetune --model minilm --task "$task" "${data_args[@]}" --output-dir "$root/$task" \
    --max-length "$length" --epochs "$epochs" --batch-size 32 --lr 5e-5 --seed 42 --no-progress "${resume[@]}" "$@"
}

run cola 64 3
run sst2 64 2 "${sst2_args[@]}"
run mrpc 128 3
run stsb 128 3
run rte 128 3

runs=()
for task in cola sst2 mrpc stsb rte; do runs+=(--run "$root/$task"); done
here=$(cd "$(dirname "$0")/.." && pwd)
bertdistill report --table runs "${runs[@]}" --markers teachers --output "$here/docs/results.md" --json "$here/results/teachers.json"


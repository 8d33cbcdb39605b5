#!/usr/bin/env bash
# TinyBERT (Jiao et al. 2020) with the embedded MiniLM teacher on five GLUE tasks, plus two ablations:
#   general            general distillation: pre-trained MiniLM -> 2 x 384 student, Wikipedia sentences
#   TASK/full          task distillation from the general student: step 1 on augmented data, step 2
#   TASK/no-general    the same without the general stage (a new student from the teacher's layers)
#   TASK/no-augment    the same as full on the original training set only
#
#   bash scripts/tinybert_results.sh TEACHERS CORPUS OUTPUT
#   e.g. BERTDISTILL_DATA_DIR=../shared/data/glue bash scripts/tinybert_results.sh runs/teachers \
#            ../shared/data/corpus/wikipedia_en_slice.txt runs/tinybert-results
#
# TEACHERS holds cola, sst2, mrpc, stsb, rte from recipes/teachers.yaml. Sized for 2 CPU cores:
# GENERAL_SENTENCES, STEP1_EPOCHS and the per-task N_a below are far under the paper's (see
# results/tinybert.md). A rerun skips finished steps and resumes interrupted ones. Ends with `bertdistill
# report` over every TASK/VARIANT run folder: results/tinybert.json and OUTPUT/report.md (scores against each run's teacher,
# speed-ups by `bertdistill benchmark`).
set -euo pipefail
cd "$(dirname "$0")/.."
. .venv/bin/activate
teachers=$1; corpus=$2; output=$3
tasks=${TASKS:-"mrpc cola rte stsb sst2"}
ablation_tasks=${ABLATION_TASKS:-"mrpc cola"}
step1_epochs=${STEP1_EPOCHS:-1}
sst2_samples=${SST2_SAMPLES:-20000}

n_samples_for() {  # N_a per task within a CPU budget (paper: 20; authors' code: 20-30)
  case $1 in sst2) echo 1;; cola|stsb) echo 2;; *) echo 4;; esac
}

task_arguments() {
  local task=$1
  local arguments=(--stage task --teacher "$teachers/$task" --task "$task" --intermediate-epochs "$step1_epochs"
                   --n-samples "$(n_samples_for "$task")")
  case $task in
    sst2) arguments+=(--max-length 64 --max-train-samples "$sst2_samples");;
    cola) arguments+=(--max-length 64);;
    *) arguments+=(--max-length 128);;
  esac
  echo "${arguments[@]}"
}

. scripts/steps.sh

reuse_step1() {  # seed OUTPUT/NAME with the step 1 of TASK/SOURCE (default full; same data, seed and settings),
  local task=$1 name=$2 source=${3:-full}  # so only step 2 runs
  if [ ! -d "$output/$name" ] && [ -d "$output/$task/$source/step1/student" ]; then
    mkdir -p "$output/$name/step1" && cp -r "$output/$task/$source/step1/student" "$output/$name/step1/"
  fi
}

step general bertdistill distill tinybert --stage general --teacher minilm --corpus "$corpus" \
  --max-sentences "${GENERAL_SENTENCES:-30000}" --max-length 64 --epochs "${GENERAL_EPOCHS:-1}"
for task in $tasks; do
  # shellcheck disable=SC2046
  step "$task/full" bertdistill distill tinybert $(task_arguments "$task") --student "$output/general"
done
for task in $ablation_tasks; do
  # shellcheck disable=SC2046
  step "$task/no-general" bertdistill distill tinybert $(task_arguments "$task")
  # shellcheck disable=SC2046
  step "$task/no-augment" bertdistill distill tinybert $(task_arguments "$task") --student "$output/general" --no-augment
done
# CoLA, the weakest task, with step 1 at the default 10 epochs (the paper gives CoLA 50, other tasks 20)
for task in ${LONG_TASKS:-cola}; do
  # shellcheck disable=SC2046
  step "$task/full-long" bertdistill distill tinybert $(task_arguments "$task") --student "$output/general" \
    --intermediate-epochs 10
done
# the paper's N_a = 20 (step 1 one epoch), on the tasks where retention was lowest
for task in ${NA20_TASKS:-cola}; do
  # shellcheck disable=SC2046
  step "$task/full-na20" bertdistill distill tinybert $(task_arguments "$task") --student "$output/general" \
    --n-samples 20
done
# More CoLA attempts: step 2 half on gold labels (our run reused cola/full's step 1: same data and seed),
# and a 3-layer student (the teacher's layers 1, 3, 5) without a general stage
for task in ${GOLD_TASKS:-cola}; do
  # shellcheck disable=SC2046
  step "$task/alpha-0.5" bertdistill distill tinybert $(task_arguments "$task") --student "$output/general" --alpha 0.5
done
for task in ${DEEPER_TASKS:-cola}; do
  # shellcheck disable=SC2046
  step "$task/no-general-3layers" bertdistill distill tinybert $(task_arguments "$task") --student-layers 3
done
# A general stage on 100,000 sentences instead of 30,000, and the ablation tasks from it
step general-100k bertdistill distill tinybert --stage general --teacher minilm --corpus "$corpus" \
  --max-sentences 100000 --max-length 64 --epochs 1
for task in ${GENERAL_100K_TASKS:-$ablation_tasks}; do
  # shellcheck disable=SC2046
  step "$task/full-general-100k" bertdistill distill tinybert $(task_arguments "$task") --student "$output/general-100k"
done
# Single-seed noise: the full run again with another seed (augmentation, order, new weights)
for task in ${SEED_TASKS:-cola}; do
  # shellcheck disable=SC2046
  step "$task/full-seed-43" bertdistill distill tinybert $(task_arguments "$task") --student "$output/general" --seed 43
done
# Other layer maps (student layers copied from and matched to teacher layers A and B; uniform is 2 and 5),
# without the general stage
for layers in ${MAP_LAYERS:-01 13 15}; do
  # shellcheck disable=SC2046
  step "cola/no-general-layers$layers" bertdistill distill tinybert $(task_arguments cola) \
    --layer-map "0:${layers:0:1},1:${layers:1:1}"
done
# Step 2 at a learning rate of 1e-4 instead of 3e-5 (the paper's range is 1e-5..3e-5, for a BERT-base teacher)
for task in ${LR_TASKS:-$tasks}; do
  reuse_step1 "$task" "$task/full-lr1e-4"
  # shellcheck disable=SC2046
  step "$task/full-lr1e-4" bertdistill distill tinybert $(task_arguments "$task") --student "$output/general" --lr 1e-4
done
# On CoLA, step 2 at 1e-4 with a softer teacher (temperature 2 and 4) and with another seed for step 2
for variant in "temperature-2 --temperature 2" "temperature-4 --temperature 4" "seed-43 --seed 43" \
               "epochs-6 --epochs 6"; do
  name=cola/full-lr1e-4-${variant%% *}
  reuse_step1 cola "$name"
  # shellcheck disable=SC2046,SC2086
  step "$name" bertdistill distill tinybert $(task_arguments cola) --student "$output/general" --lr 1e-4 ${variant#* }
done
# The two best CoLA changes together: N_a 20 and step 2 at 1e-4
for task in ${NA20_TASKS:-cola}; do
  reuse_step1 "$task" "$task/full-na20-lr1e-4" full-na20
  # shellcheck disable=SC2046
  step "$task/full-na20-lr1e-4" bertdistill distill tinybert $(task_arguments "$task") --student "$output/general" \
    --n-samples 20 --lr 1e-4
done
# and step 2 at 2e-4
reuse_step1 cola cola/full-lr2e-4
# shellcheck disable=SC2046
step cola/full-lr2e-4 bertdistill distill tinybert $(task_arguments cola) --student "$output/general" --lr 2e-4
# Step 2 with Tang et al.'s logit MSE instead of soft cross-entropy, at 1e-4
reuse_step1 cola cola/full-lr1e-4-mse
# shellcheck disable=SC2046
step cola/full-lr1e-4-mse bertdistill distill tinybert $(task_arguments cola) --student "$output/general" --lr 1e-4 \
  --prediction-loss mse
# No task distillation (the paper's "No TD"): the general student fine-tuned on the gold labels, with the
# teachers' recipe (recipes/teachers.yaml) and at 1e-4
for lr in 5e-5 1e-4; do
  step "cola/general-finetuned-lr$lr" bertdistill finetune --model "$output/general" --task cola --max-length 64 \
    --epochs 3 --batch-size 32 --lr "$lr" --seed 42
done
# Tang et al.'s transfer set (masking, POS-guided replacement, n-gram sampling; `bertdistill augment` with the
# N_iter of recipes/kd-glue.yaml) instead of word replacement, for both steps; step 2 at 1e-4
for task in ${TANG_TASKS:-cola}; do
  transfer=$output/$task-tang-transfer.jsonl
  [ -f "$transfer" ] || bertdistill augment --task "$task" --n-iter 4 --output "$transfer"
  # shellcheck disable=SC2046
  step "$task/tang-lr1e-4" bertdistill distill tinybert $(task_arguments "$task") --student "$output/general" \
    --lr 1e-4 --transfer-set "$transfer"
done

declare -A label=([full]="TinyBERT (general + task + augmentation)" [no-general]="TinyBERT without the general stage"
                  [no-augment]="TinyBERT without augmentation")
rows=()
for metrics in "$output"/*/*/metrics.json; do
  run=$(dirname "$metrics")
  rows+=(--run "$run" --label "${label[$(basename "$run")]:-}")   # empty: the folder's name
done
for task in $tasks; do rows+=(--teacher-run "$teachers/$task"); done
bertdistill report "${rows[@]}" --speed --json results/tinybert.json --output "$output/report.md" --no-plot


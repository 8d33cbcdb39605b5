#!/usr/bin/env bash
# Serving results on SST-2: the KD students of scripts/kd_results.sh exported to ONNX (fp32 and int8)
# with their dev accuracy, then `bertdistill benchmark` of teacher, students and BERT-base side by side.
#
#   bash scripts/serving_results.sh KD_RESULTS TEACHERS          # e.g. runs/kd-results runs/teachers
#
# Writes runs/exported/*.onnx(.json), results/benchmark_sst2.json (every shape, memory, sizes) and
# results/serving.json (`bertdistill report` rows).
set -euo pipefail
cd "$(dirname "$0")/.."
. .venv/bin/activate
kd=$1; teachers=$2
mkdir -p runs/exported
for student in kd-aug sra-kd-aug; do
  bertdistill export onnx --model "$kd/sst2/$student" --output "runs/exported/sst2-$student.onnx" --quantize int8 \
    --task sst2
done
bertdistill benchmark "$kd/sst2/kd-aug" "$kd/sst2/sra-kd-aug" --teacher "$teachers/sst2" --backend all \
  --batch-sizes 1,32,128 --seq-lengths 32,128 --json results/benchmark_sst2.json
# the report rows: each export's dev accuracy per backend against the teacher, speed-ups at batch 32 x 64 pieces
bertdistill report --run runs/exported/sst2-kd-aug.onnx.json --label "Tang BiLSTM, KD + augmentation" \
  --run runs/exported/sst2-sra-kd-aug.onnx.json --label "SRA student + KD + augmentation" \
  --teacher-run "$teachers/sst2" --speed --json results/serving.json --output runs/exported/report.md --no-plot

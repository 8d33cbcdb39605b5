#!/usr/bin/env bash
# The GPU column of results/training_speed.md: `bertdistill benchmark-training` on one GPU, for the static and
# the BiLSTM student, at batch 256 (the CPU table's batch) and 1024, on the CPU table's configuration.
#
# Runs on a GPU machine from the repository root, with three prepared folders beside the code (none tracked):
#   .whl/               wheels of the packages the machine's image lacks (datasets, model2vec, skeletoken, ...)
#   .gpu/teacher16/     the teacher (all-MiniLM-L6-v2), its weights as fp16 compressed by xz; widened back to fp32 here
#   .gpu/sample.txt.gz  40,000 lines: 20,000 of the Wikipedia slice and 20,000 of mixed_en, drawn with `shuf`
# Results: one JSON per run in $OUT (or ./gpu-results).
set -uo pipefail
source research/gpu/on_device.sh
gunzip -c .gpu/sample.txt.gz > .gpu/sample.txt
for batch in 256 1024; do
  for student in static bilstm; do
    echo "== $student, batch $batch"
    timeout 150 python3 -m bertdistill.cli benchmark-training --teacher .gpu/teacher32 --corpus .gpu/sample.txt \
      --max-sentences 30000 --embedding-dim 256 --embedding-init contextual --target-pca 256 --span-crops 0 \
      --batch-size "$batch" --steps 300 --warmup 30 --teacher-sentences 20000 --no-progress --student "$student" \
      --cache-dir .gpu/cache --json "$OUT/$student-$batch.json" 2>&1 | grep -v -i "warn" | tail -12
  done
done

#!/usr/bin/env bash
# The main job's BiLSTM (30k sentences, 1x256, residual static path, cosine on 256 PCA'd targets) started from
# the main job's trained static student (--init-student runs/main-job/general-static) instead of the contextual
# token table, for 1 and 2 epochs; each scored by the encoder benchmark (teacher and baselines from the cache).
set -euo pipefail
cd "$(dirname "$0")/../../../.."
. .venv/bin/activate
sra=(bertdistill distill sra --teacher minilm --corpus ../shared/data/corpus/wikipedia_en_slice.txt
     --max-sentences 30000 --max-length 64 --embedding-dim 256 --embedding-init contextual --target-pca 256
     --loss cosine --span-crops 0 --embedding-dim 256 --hidden-size 256 --num-layers 1 --residual-static
     --no-progress)
for epochs in 1 2; do
  out=runs/static-init/bilstm-30k-from-static-e$epochs
  [ -f "$out/metrics.json" ] || "${sra[@]}" --epochs "$epochs" --init-student runs/main-job/general-static \
    --output-dir "$out"
  [ -f "$out.json" ] || bertdistill evaluate-encoder --model "$out" --transfer-dir ../shared/data/transfer \
    --json "$out.json" --markdown "$out.md" --no-progress
done

#!/usr/bin/env bash
# 200k-sentence scaling point for issue 15 (static, then BiLSTM 1x256 residual), the main job's recipe.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
. .venv/bin/activate
export BERTDISTILL_DATA_DIR=../shared/data/glue
common=(--teacher minilm --corpus ../shared/data/corpus/wikipedia_en_slice.txt --max-sentences 200000
        --max-length 64 --epochs 2 --embedding-dim 256 --embedding-init contextual --target-pca 256 --loss cosine --span-crops 0)
date
[ -f runs/scale/static-200k/metrics.json ] || bertdistill distill sra "${common[@]}" --student static \
    --output-dir runs/scale/static-200k --no-progress $( [ -d runs/scale/static-200k ] && echo --resume )
date
[ -f runs/scale/static-200k.json ] || bertdistill evaluate-encoder --model runs/scale/static-200k \
    --transfer-dir ../shared/data/transfer --no-speed --no-progress \
    --json runs/scale/static-200k.json --markdown runs/scale/static-200k.md
date
[ -f runs/scale/bilstm-200k/metrics.json ] || bertdistill distill sra "${common[@]}" --hidden-size 256 --num-layers 1 \
    --residual-static --output-dir runs/scale/bilstm-200k --no-progress $( [ -d runs/scale/bilstm-200k ] && echo --resume )
date
[ -f runs/scale/bilstm-200k.json ] || bertdistill evaluate-encoder --model runs/scale/bilstm-200k \
    --transfer-dir ../shared/data/transfer --no-speed --no-progress \
    --json runs/scale/bilstm-200k.json --markdown runs/scale/bilstm-200k.md
date

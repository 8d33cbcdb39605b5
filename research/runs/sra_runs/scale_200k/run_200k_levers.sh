#!/usr/bin/env bash
# The 1x256 BiLSTM at 200k with both 30k levers (mean pooling, lr 3e-3); then the same pair at 30k.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
. .venv/bin/activate
export BERTDISTILL_DATA_DIR=../shared/data/glue
common=(--teacher minilm --corpus ../shared/data/corpus/wikipedia_en_slice.txt --max-sentences 200000
        --max-length 64 --epochs 2 --embedding-dim 256 --embedding-init contextual --target-pca 256 --loss cosine --span-crops 0)
date
[ -f runs/scale/bilstm-200k-meanpool-lr3e-3/metrics.json ] || bertdistill distill sra "${common[@]}" --hidden-size 256 \
    --num-layers 1 --residual-static --pooling mean --lr 3e-3 --output-dir runs/scale/bilstm-200k-meanpool-lr3e-3 \
    --no-progress $( [ -d runs/scale/bilstm-200k-meanpool-lr3e-3 ] && echo --resume )
date
bertdistill evaluate-encoder --model runs/scale/bilstm-200k-meanpool-lr3e-3 --transfer-dir ../shared/data/transfer \
    --no-speed --no-progress --json runs/scale/bilstm-200k-meanpool-lr3e-3.json \
    --markdown runs/scale/bilstm-200k-meanpool-lr3e-3.md
date

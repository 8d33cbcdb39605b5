#!/usr/bin/env bash
# One 1x256 residual BiLSTM at 200k sentences, the scale cells' recipe plus the flags given:
#   run_bilstm_200k_variant.sh NAME [extra distill sra flags...]
set -euo pipefail
cd /work/main
. .venv/bin/activate
export BERTDISTILL_DATA_DIR=../shared/data/glue
name=$1; shift
common=(--teacher minilm --corpus ../shared/data/corpus/wikipedia_en_slice.txt --max-sentences 200000
        --max-length 64 --epochs 2 --embedding-dim 256 --embedding-init contextual --target-pca 256 --loss cosine
        --hidden-size 256 --num-layers 1 --residual-static)
date
[ -f runs/relational/$name/metrics.json ] || bertdistill distill sra "${common[@]}" "$@" \
    --output-dir runs/relational/$name --no-progress $( [ -d runs/relational/$name ] && echo --resume )
date
[ -f runs/relational/$name.json ] || bertdistill evaluate-encoder --model runs/relational/$name \
    --transfer-dir ../shared/data/transfer --no-speed --no-progress \
    --json runs/relational/$name.json --markdown runs/relational/$name.md
date

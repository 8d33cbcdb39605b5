#!/usr/bin/env bash
# As run_static_init_200k.sh, without dropout (--dropout 0; see run_static_init_30k_dropout0.sh for why).
set -euo pipefail
cd "$(dirname "$0")/../../../.."
. .venv/bin/activate
export BERTDISTILL_DATA_DIR=../shared/data/glue
out=runs/static-init/bilstm-200k-from-static-dropout0
date
[ -f "$out/metrics.json" ] || bertdistill distill sra --teacher minilm \
    --corpus ../shared/data/corpus/wikipedia_en_slice.txt --max-sentences 200000 --max-length 64 --epochs 2 \
    --embedding-dim 256 --target-pca 256 --loss cosine --span-crops 0 --hidden-size 256 --num-layers 1 --residual-static \
    --dropout 0 --init-student runs/scale/static-200k --output-dir "$out" --no-progress \
    $( [ -d "$out" ] && echo --resume )
date
[ -f "$out.json" ] || bertdistill evaluate-encoder --model "$out" --transfer-dir ../shared/data/transfer \
    --no-speed --no-progress --json "$out.json" --markdown "$out.md"
date

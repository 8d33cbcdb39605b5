#!/usr/bin/env bash
# The 200k BiLSTM recipe (research/runs/sra_runs/scale_200k/run_200k.sh: 1x256, residual static path, cosine on 256
# PCA'd targets, 2 epochs) started from the trained 200k static student (runs/scale/static-200k) instead of the
# contextual token table; scored by the encoder benchmark without speed.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
. .venv/bin/activate
export BERTDISTILL_DATA_DIR=../shared/data/glue
out=runs/static-init/bilstm-200k-from-static
date
[ -f "$out/metrics.json" ] || bertdistill distill sra --teacher minilm \
    --corpus ../shared/data/corpus/wikipedia_en_slice.txt --max-sentences 200000 --max-length 64 --epochs 2 \
    --embedding-dim 256 --target-pca 256 --loss cosine --span-crops 0 --hidden-size 256 --num-layers 1 --residual-static \
    --init-student runs/scale/static-200k --output-dir "$out" --no-progress $( [ -d "$out" ] && echo --resume )
date
[ -f "$out.json" ] || bertdistill evaluate-encoder --model "$out" --transfer-dir ../shared/data/transfer \
    --no-speed --no-progress --json "$out.json" --markdown "$out.md"
date

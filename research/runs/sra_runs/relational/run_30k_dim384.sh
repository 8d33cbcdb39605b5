#!/usr/bin/env bash
# The main job's two general students (30k sentences: static 2 epochs, then the 1x256 residual BiLSTM started
# from it for 1 epoch) with 384-d token vectors and the raw 384-d targets (--embedding-dim 384 --target-pca 0)
# instead of 256 and 256 PCA'd targets: does the 200k gain of the 384-d shape hold at the main job's size?
# Same sentences and teacher-vector cache as the main job; each student scored by the encoder benchmark.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
. .venv/bin/activate
export BERTDISTILL_DATA_DIR=../shared/data/glue
sra=(bertdistill distill sra --teacher minilm --corpus ../shared/data/corpus/wikipedia_en_slice.txt
     --max-sentences 30000 --max-length 64 --embedding-dim 384 --embedding-init contextual --target-pca 0
     --loss cosine --span-crops 0 --no-progress)
static=runs/relational/static-30k-dim384-raw
bilstm=runs/relational/bilstm-30k-dim384-raw-from-static
[ -f "$static/metrics.json" ] || "${sra[@]}" --student static --epochs 2 --output-dir "$static"
[ -f "$bilstm/metrics.json" ] || "${sra[@]}" --hidden-size 256 --num-layers 1 --residual-static \
  --init-student "$static" --epochs 1 --output-dir "$bilstm"
for out in "$static" "$bilstm"; do
  [ -f "$out.json" ] || bertdistill evaluate-encoder --model "$out" --transfer-dir ../shared/data/transfer \
    --no-speed --json "$out.json" --markdown "$out.md" --no-progress
done

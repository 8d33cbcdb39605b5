#!/usr/bin/env bash
# As run_static_init_30k.sh, without dropout (--dropout 0): with dropout on the BiLSTM states before max pooling,
# the trained LSTM path is 3-5x larger in eval mode than in training (it stays small beside the static path in
# training) and lowers the held-out agreement; without dropout training and inference see the same network.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
. .venv/bin/activate
export BERTDISTILL_DATA_DIR=../shared/data/glue
for epochs in ${EPOCHS:-1 2}; do
  out=runs/static-init/bilstm-30k-from-static-dropout0-e$epochs
  [ -f "$out/metrics.json" ] || bertdistill distill sra --teacher minilm \
    --corpus ../shared/data/corpus/wikipedia_en_slice.txt --max-sentences 30000 --max-length 64 --epochs "$epochs" \
    --embedding-dim 256 --target-pca 256 --loss cosine --span-crops 0 --hidden-size 256 --num-layers 1 --residual-static \
    --dropout 0 --init-student runs/main-job/general-static --output-dir "$out" --no-progress
  [ -f "$out.json" ] || bertdistill evaluate-encoder --model "$out" --transfer-dir ../shared/data/transfer \
    --no-speed --no-progress --json "$out.json" --markdown "$out.md"
done

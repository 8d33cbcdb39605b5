#!/usr/bin/env bash
# Two more 200k BiLSTM 1x256 residual runs for issue 15 (the 95% bar), one after the other on 2 CPU cores,
# on the cached teacher vectors of run_200k.sh: (1) dropout 0 instead of 0.1; (2) dropout 0 plus token-level
# targets (--token-weight 1; the teacher runs beside the student for them).
set -euo pipefail
cd "$(dirname "$0")/../../../.."
. .venv/bin/activate
export BERTDISTILL_DATA_DIR=../shared/data/glue
common=(--teacher minilm --corpus ../shared/data/corpus/wikipedia_en_slice.txt --max-sentences 200000
        --max-length 64 --epochs 2 --embedding-dim 256 --embedding-init contextual --target-pca 256 --loss cosine --span-crops 0
        --hidden-size 256 --num-layers 1 --residual-static --dropout 0)
run() {  # name, extra flags...
  local name=$1; shift
  date
  [ -f runs/scale/$name/metrics.json ] || bertdistill distill sra "${common[@]}" "$@" --output-dir runs/scale/$name \
      --no-progress $( [ -d runs/scale/$name ] && echo --resume )
  date
  [ -f runs/scale/$name.json ] || bertdistill evaluate-encoder --model runs/scale/$name \
      --transfer-dir ../shared/data/transfer --no-speed --no-progress \
      --json runs/scale/$name.json --markdown runs/scale/$name.md
}
run bilstm-200k-dropout0
run bilstm-200k-dropout0-token1 --token-weight 1
date

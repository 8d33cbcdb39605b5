#!/usr/bin/env bash
# Relational loss (--similarity-weight) on the 200k static student, the scale cells' recipe otherwise.
set -euo pipefail
cd /work/main
. .venv/bin/activate
export BERTDISTILL_DATA_DIR=../shared/data/glue
common=(--teacher minilm --corpus ../shared/data/corpus/wikipedia_en_slice.txt --max-sentences 200000
        --max-length 64 --epochs 2 --embedding-dim 256 --embedding-init contextual --target-pca 256 --loss cosine)
for weight in "$@"; do
  name=static-200k-similarity$weight
  date
  [ -f runs/relational/$name/metrics.json ] || bertdistill distill sra "${common[@]}" --student static \
      --similarity-weight $weight --output-dir runs/relational/$name --no-progress \
      $( [ -d runs/relational/$name ] && echo --resume )
  [ -f runs/relational/$name.json ] || bertdistill evaluate-encoder --model runs/relational/$name \
      --transfer-dir ../shared/data/transfer --no-speed --no-progress \
      --json runs/relational/$name.json --markdown runs/relational/$name.md
done
date

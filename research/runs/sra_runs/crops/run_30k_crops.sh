#!/usr/bin/env bash
# Span crops at the main job's size: the static student (384-d token vectors, raw targets) on the main job's 30k
# sentences, with one crop per training sentence for 2 epochs, against the same student for 2 and 4 epochs
# without crops (4 epochs: as many steps as the crop run). Scored by evaluate-encoder into runs/crops/NAME.json.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
. .venv/bin/activate
export BERTDISTILL_DATA_DIR=../shared/data/glue
sra=(bertdistill distill sra --teacher minilm --corpus ../shared/data/corpus/wikipedia_en_slice.txt
     --max-sentences 30000 --max-length 64 --embedding-dim 384 --embedding-init contextual --target-pca 0
     --loss cosine --span-crops 0 --student static --no-progress)
run() {
  local name=$1; shift
  [ -f runs/crops/$name/metrics.json ] || "${sra[@]}" "$@" --output-dir runs/crops/$name
  [ -f runs/crops/$name.json ] || bertdistill evaluate-encoder --model runs/crops/$name \
    --transfer-dir ../shared/data/transfer --no-speed --no-progress --json runs/crops/$name.json
}
run static-30k-2epochs --epochs 2
run static-30k-4epochs --epochs 4
run static-30k-crops1 --epochs 2 --span-crops 1

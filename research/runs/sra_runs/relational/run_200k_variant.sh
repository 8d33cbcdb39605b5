#!/usr/bin/env bash
# One SRA student on the 200k-sentence selection: the scale cells' recipe plus the flags given (later flags win).
#   run_200k_variant.sh static|bilstm NAME [extra distill sra flags...]
# bilstm is the default 1x256 residual BiLSTM. Trains into runs/relational/NAME (resumes a killed run), then
# scores it with evaluate-encoder into runs/relational/NAME.json.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
. .venv/bin/activate
export BERTDISTILL_DATA_DIR=../shared/data/glue
student=$1 name=$2; shift 2
common=(--teacher minilm --corpus ../shared/data/corpus/wikipedia_en_slice.txt --max-sentences 200000
        --max-length 64 --epochs 2 --embedding-dim 256 --embedding-init contextual --target-pca 256 --loss cosine --span-crops 0)
case $student in
  static) shape=(--student static) ;;
  bilstm) shape=(--hidden-size 256 --num-layers 1 --residual-static) ;;
  *) echo "student must be static or bilstm, got $student" >&2; exit 2 ;;
esac
date
[ -f runs/relational/$name/metrics.json ] || bertdistill distill sra "${common[@]}" "${shape[@]}" "$@" \
    --output-dir runs/relational/$name --no-progress $( [ -d runs/relational/$name ] && echo --resume )
date
[ -f runs/relational/$name.json ] || bertdistill evaluate-encoder --model runs/relational/$name \
    --transfer-dir ../shared/data/transfer --no-speed --no-progress \
    --json runs/relational/$name.json --markdown runs/relational/$name.md
date

#!/usr/bin/env bash
# One factor at a time around the default recipe for the even-mix static student at 200k (results/sra.md,
# "The even mix's curve"): each variant is `distill sra` with the flags of recipes/domains-200k.yaml's
# static-even step plus its own, reusing that step's cached teacher vectors where the sentences and crops are the
# same; then one evaluate-encoder run scores them all on the transfer tasks and retrieval. The last two check the
# best lever (mse+cosine) against the recipe on a second training seed, on the same sentences and crops.
#   bash research/runs/domains_200k/static_levers.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."
. .venv/bin/activate
export BERTDISTILL_DATA_DIR=../shared/data/glue HF_HUB_OFFLINE=1
out=runs/domains-200k-levers
common=(--student static --corpus ../shared/data/corpus/wikipedia_en_slice.txt:0.5 '../shared/data/corpus/mixed_en/*.txt:0.5'
        --max-sentences 200000 --no-progress)
variants=(
  "lr3e-3 --lr 3e-3"
  "epochs4 --epochs 4"
  "loss-mse+cosine --loss mse+cosine"
  "crops-2-8 --crop-min-words 2 --crop-max-words 8"
  "crops-8-32 --crop-min-words 8 --crop-max-words 32"
  "seed1 --seed 1 --corpus-seed 42"
  "loss-mse+cosine-seed1 --loss mse+cosine --seed 1 --corpus-seed 42"
)
models=()
for variant in "${variants[@]}"; do
  read -r name flags <<< "$variant"
  # shellcheck disable=SC2086  # the variant's flags are words
  [ -f "$out/$name/metrics.json" ] || bertdistill distill sra "${common[@]}" $flags --output-dir "$out/$name" \
      $( [ -d "$out/$name" ] && echo --resume ) > "$out-$name.log" 2>&1
  models+=(--model "$out/$name")
done
bertdistill evaluate-encoder "${models[@]}" --model runs/domains-200k/static-even --baseline teacher \
  --transfer-dir ../shared/data/transfer --retrieval-dir ../shared/data/retrieval --no-speed --no-progress \
  --json results/domains_200k/static_levers.json --markdown results/domains_200k/static_levers.md

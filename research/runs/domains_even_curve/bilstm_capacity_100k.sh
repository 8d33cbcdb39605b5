#!/usr/bin/env bash
# The BiLSTM's capacity at 100k (results/sra.md, "The even mix's size curve"): the default recipe's BiLSTM with
# 512 LSTM units per direction instead of 256, on the 100,000 even-mix sentences (and crops) of
# `bertdistill run recipes/domains-even-curve.yaml --set sentences=100000 --output-dir runs/domains-even-100k`,
# whose cached teacher vectors it reuses; scored beside that run's 1x256 BiLSTM in one evaluate-encoder run.
#   bash research/runs/domains_even_curve/bilstm_capacity_100k.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."
. .venv/bin/activate
export BERTDISTILL_DATA_DIR=../shared/data/glue HF_HUB_OFFLINE=1
out=runs/domains-even-100k
[ -f $out/bilstm-512-even/metrics.json ] || bertdistill distill sra --student bilstm --hidden-size 512 \
  --corpus ../shared/data/corpus/wikipedia_en_slice.txt:0.5 '../shared/data/corpus/mixed_en/*.txt:0.5' \
  --max-sentences 100000 --no-progress --output-dir $out/bilstm-512-even $( [ -d $out/bilstm-512-even ] && echo --resume )
bertdistill evaluate-encoder --model $out/bilstm-512-even --model $out/bilstm-even --baseline teacher \
  --transfer-dir ../shared/data/transfer --retrieval-dir ../shared/data/retrieval --speed-batch-sizes 1 128 \
  --no-progress --json results/domains_even_curve/bilstm-capacity-100k.json \
  --markdown results/domains_even_curve/bilstm-capacity-100k.md

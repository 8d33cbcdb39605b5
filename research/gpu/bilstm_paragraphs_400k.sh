#!/usr/bin/env bash
# Two levers left open at 200k (results/sra.md, "Domains"), run side by side on one GPU from the 400k sample of
# `bash research/gpu/prepare.sh sra-400k`, then scored there on the 8 transfer tasks and Cranfield:
#   bilstm-even-400k        the size lever for the BiLSTM: the default recipe on 400,000 sentences of the even mix
#                           (the static student of sra_400k.sh was flat from 200k to 400k);
#   static-paragraphs-400k  the length lever for retrieval: the static student on the same sample's lines kept
#                           whole (--no-sentence-split, up to 256 word pieces), so it also learns the teacher's
#                           vector of paragraph-length text, as retrieval documents are (one crop each, as default).
# SENTENCES and PARAGRAPHS shrink the runs for a dry run on a CPU. Results in $OUT: each run's metrics.json and
# distill log, encoders.{json,md} (evaluate-encoder with the teacher and BM25 as baselines, no speed).
set -uo pipefail
source research/gpu/on_device.sh
mkdir -p .gpu/corpus
xz -dc .gpu/corpus400k.tar.xz | tar xf - -C .gpu/corpus
export BERTDISTILL_CACHE=$PWD/.gpu/cache
distill() {   # output name, then distill sra flags
  local name=$1; shift
  python3 -m bertdistill.cli distill sra --teacher .gpu/teacher32 --no-progress --output-dir ".gpu/$name" "$@" \
    > "$OUT/$name.log" 2>&1
  cp ".gpu/$name/metrics.json" "$OUT/$name.metrics.json"
}
start=$(date +%s)
distill bilstm-even-400k --student bilstm --corpus .gpu/corpus/wikipedia_en_slice.txt:0.5 \
  '.gpu/corpus/mixed_en/*.txt:0.5' --max-sentences "${SENTENCES:-400000}" &
bilstm=$!
distill static-paragraphs-400k --student static --corpus .gpu/corpus/wikipedia_en_slice.txt '.gpu/corpus/mixed_en/*.txt' \
  --no-sentence-split --max-length 256 --max-words 400 ${PARAGRAPHS:+--max-sentences $PARAGRAPHS}
echo "static-paragraphs-400k: $(( $(date +%s) - start )) s"
score() {   # output file stem, then models
  local stem=$1; shift
  python3 -m bertdistill.cli evaluate-encoder --teacher .gpu/teacher32 "${@/#/--model=}" --baseline teacher bm25 \
    --transfer-dir .gpu/data/transfer --retrieval-dir .gpu/data/retrieval --no-speed --no-progress \
    --json "$OUT/$stem.json" --markdown "$OUT/$stem.md" 2>&1 | grep -v -i "warn" | tail -20
}
score encoders-static .gpu/static-paragraphs-400k
wait $bilstm
echo "bilstm-even-400k: $(( $(date +%s) - start )) s"
tail -5 "$OUT/bilstm-even-400k.log"
score encoders-bilstm .gpu/bilstm-even-400k
ls -la "$OUT"

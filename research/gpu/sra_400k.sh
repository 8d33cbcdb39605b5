#!/usr/bin/env bash
# The even-mix static student at 400,000 sentences (results/sra.md, "At 200,000 sentences"): the default recipe
# (`distill sra --student static`, everything else default) on one GPU, from a sample the size of a device transfer.
#
# Prepared here by `bash research/gpu/prepare.sh sra-400k`: wheels, the fp16 teacher and the corpus sample
# (115,000 lines of the Wikipedia slice and 149,000 of mixed_en, each domain's file in proportion, drawn with
# `shuf --random-source=<(yes)`, as .gpu/corpus400k.tar.xz, 12 MB). The student comes back in 15 MB parts of a tar file in $OUT; put it together
# with `cat static-even-400k.tar.part-* | tar xf -` and score it with the command in results/sra.md.
set -uo pipefail
source research/gpu/on_device.sh
mkdir -p .gpu/corpus
xz -dc .gpu/corpus400k.tar.xz | tar xf - -C .gpu/corpus
distill() {
  python3 -m bertdistill.cli distill sra --teacher .gpu/teacher32 --corpus .gpu/corpus/wikipedia_en_slice.txt:0.5 \
    '.gpu/corpus/mixed_en/*.txt:0.5' --max-sentences "$1" --student static --no-progress \
    --cache-dir .gpu/cache --output-dir .gpu/static-even-400k 2>&1 | grep -v -i "warn" | tail -25
}
start=$(date +%s)
distill 400000
[ -f .gpu/static-even-400k/model.safetensors ] || { rm -rf .gpu/static-even-400k; distill 380000; }
echo "distill sra: $(( $(date +%s) - start )) s"
cp .gpu/static-even-400k/metrics.json "$OUT/static-even-400k.metrics.json"
tar cf - -C .gpu --exclude checkpoints --exclude logs static-even-400k | split -b 15M - "$OUT/static-even-400k.tar.part-"
ls -la "$OUT"

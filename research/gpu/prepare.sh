#!/usr/bin/env bash
# Prepares what research/gpu/*.sh need on a GPU machine that cannot reach a package index, in folders that git
# ignores (add `/.whl/` and `/.gpu/` to .git/info/exclude): wheels for Python 3.12 of the packages such a machine's
# image lacked, the teacher with fp16 weights compressed by xz (45 MB -> 41 MB, to fit a 64 MiB transfer), the
# transfer and retrieval sets (xz, 1.8 MB) for scoring there, and the corpus sample of one script (the two samples
# together would not fit): `benchmark` (training_speed.sh, 40,000 lines of the even Wikipedia + mixed_en mix) or
# `sra-400k` (sra_400k.sh and bilstm_paragraphs_400k.sh, 115,000 Wikipedia lines and 149,000 of mixed_en, each
# domain's file in proportion). Run from the repository root after `bash scripts/setup.sh`:
#   bash research/gpu/prepare.sh benchmark
set -euo pipefail
sample=${1:?"which sample: benchmark or sra-400k"}
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  --platform manylinux1_x86_64 -d .whl datasets==5.2.0 dill==0.4.1 multiprocess==0.70.19 model2vec==0.10.0 \
  skeletoken==0.6.1 bm25s==0.3.16 PyStemmer==3.1.0 pytrec-eval-terrier==0.5.11 pydantic==2.14.4 pydantic_core==2.50.5 annotated-types==0.8.0 typing-inspection==0.4.5
mkdir -p .gpu/teacher16
.venv/bin/python - <<'PY'
import shutil
from pathlib import Path
from safetensors.torch import load_file, save_file
from bertdistill.teachers.loading import resolve_model_path
source, target = Path(resolve_model_path("minilm")), Path(".gpu/teacher16")
shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("model.safetensors", "README.md"))
weights = load_file(source / "model.safetensors")
save_file({name: (tensor.half() if tensor.is_floating_point() else tensor).contiguous()
           for name, tensor in weights.items()}, target / "model.safetensors", metadata={"format": "pt"})
PY
xz -6 -T2 -f .gpu/teacher16/model.safetensors
rm -f .gpu/teacher16/vocab.txt   # tokenizer.json holds the vocabulary
tar cf - -C ../shared/data transfer retrieval | xz -9 -T2 > .gpu/eval-data.tar.xz
rm -f .gpu/sample.txt.gz .gpu/corpus400k.tar.xz
if [ "$sample" = benchmark ]; then
  { shuf -n 20000 --random-source=<(yes) ../shared/data/corpus/wikipedia_en_slice.txt
    cat ../shared/data/corpus/mixed_en/*.txt | shuf -n 20000 --random-source=<(yes); } | gzip > .gpu/sample.txt.gz
else
  folder=$(mktemp -d)
  mkdir -p "$folder/mixed_en"
  shuf -n 115000 --random-source=<(yes) ../shared/data/corpus/wikipedia_en_slice.txt > "$folder/wikipedia_en_slice.txt"
  for file in ../shared/data/corpus/mixed_en/*.txt; do   # 149,000 of mixed_en's 530,683 lines, file by file
    shuf -n $(( $(wc -l < "$file") * 149000 / 530683 + 1 )) --random-source=<(yes) "$file" > "$folder/mixed_en/$(basename "$file")"
  done
  tar cf - -C "$folder" . | xz -6 -T2 > .gpu/corpus400k.tar.xz
  rm -rf "$folder"
fi

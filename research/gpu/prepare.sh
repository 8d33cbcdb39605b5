#!/usr/bin/env bash
# Prepares what research/gpu/*.sh need on a GPU machine that cannot reach a package index, in folders that git
# ignores (add `/.whl/` and `/.gpu/` to .git/info/exclude): wheels for Python 3.12 of the packages such a machine's
# image lacked, the teacher with fp16 weights (half the size, to fit a 64 MiB transfer), and a 40,000-line sample
# of the even Wikipedia + mixed_en mix. Run from the repository root after `bash scripts/setup.sh`.
set -euo pipefail
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  --platform manylinux1_x86_64 -d .whl datasets==5.2.0 dill==0.4.1 multiprocess==0.70.19 model2vec==0.10.0 \
  skeletoken==0.6.1 bm25s==0.3.16 PyStemmer==3.1.0 pytrec-eval-terrier==0.5.11 textblob==0.20.1 nltk==3.10.4 \
  pydantic==2.14.4 pydantic_core==2.50.5 annotated-types==0.8.0 typing-inspection==0.4.5
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
{ shuf -n 20000 --random-source=<(yes) ../shared/data/corpus/wikipedia_en_slice.txt
  cat ../shared/data/corpus/mixed_en/*.txt | shuf -n 20000 --random-source=<(yes); } | gzip > .gpu/sample.txt.gz

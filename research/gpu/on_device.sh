# Sourced by the research/gpu scripts on the GPU machine: installs the carried wheels, sets the environment, widens
# the carried fp16 teacher back to fp32 (.gpu/teacher32), unpacks the scoring data when it came (.gpu/data) and
# records the machine in $OUT/gpu.txt.
OUT=${OUT:-gpu-results}
mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target .gpu/site .whl/*.whl || exit 1
export PYTHONPATH=$PWD/.gpu/site:$PWD/src HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 PYTHONUNBUFFERED=1
[ -f .gpu/teacher16/model.safetensors.xz ] && { xz -dc .gpu/teacher16/model.safetensors.xz > .gpu/teacher16/model.safetensors; rm .gpu/teacher16/model.safetensors.xz; }
[ -f .gpu/eval-data.tar.xz ] && { mkdir -p .gpu/data; xz -dc .gpu/eval-data.tar.xz | tar xf - -C .gpu/data; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/gpu.txt"
python3 - <<'PY' || exit 1
import shutil
from safetensors.torch import load_file, save_file
shutil.copytree(".gpu/teacher16", ".gpu/teacher32", dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.xz"))
weights = load_file(".gpu/teacher16/model.safetensors")
save_file({name: (tensor.float() if tensor.is_floating_point() else tensor) for name, tensor in weights.items()},
          ".gpu/teacher32/model.safetensors", metadata={"format": "pt"})
import torch, transformers, datasets, pyarrow
print("torch", torch.__version__, "transformers", transformers.__version__, "datasets", datasets.__version__,
      "pyarrow", pyarrow.__version__, "gpu", torch.cuda.get_device_name(0))
PY

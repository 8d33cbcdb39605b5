#!/usr/bin/env bash
# Create .venv (if needed) and install bertdistill with its test dependencies.
# torch is pinned to 2.13.0 in pyproject.toml: on a CPU machine pip takes the CPU wheel.
# Re-running is cheap: the install is skipped while pyproject.toml is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
stamp=.venv/.install-stamp
wanted=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ] || ! .venv/bin/python -c "import bertdistill" 2>/dev/null; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet torch==2.13.0
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  echo "$wanted" > "$stamp"
fi
.venv/bin/python -c "import torch, transformers, bertdistill; print(f'bertdistill {bertdistill.__version__}, torch {torch.__version__}, transformers {transformers.__version__}')"

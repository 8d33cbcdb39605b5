#!/usr/bin/env bash
# The test command (README, .ci/run): set up if needed, lint (ruff), then every test that needs no GPU. The slow
# tests (the real teacher, ../shared/data) are included; those that need ../shared/data skip cleanly without it.
# Extra arguments replace the default run and go to pytest, e.g. `bash scripts/test.sh -m "not slow"` (quick).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ $# -eq 0 ]; then
  .venv/bin/ruff check src tests scripts
  set -- -m "not gpu"
fi
exec .venv/bin/python -m pytest "$@"

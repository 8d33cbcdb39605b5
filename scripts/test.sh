#!/usr/bin/env bash
# The test command (README, .ci/run): set up if needed, then the default (not slow) test suite.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -m slow` for the real-teacher tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ $# -eq 0 ]; then
  set -- -m "not slow and not gpu"
fi
exec .venv/bin/python -m pytest "$@"

#!/usr/bin/env bash
# The research area's own checks, outside the product's test run: lint research/, then the tests that the
# committed result tables are what research/experiments/ makes from the committed raw files.
#   bash research/check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh > /dev/null
.venv/bin/ruff check research
exec .venv/bin/python -m pytest research/tests -p no:cacheprovider "$@"

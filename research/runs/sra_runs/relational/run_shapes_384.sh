#!/usr/bin/env bash
# CPU speed of the 384-d students beside the 256-d ones they extend and the teacher, in one quiet run (the
# transfer scores come from the score cache when the folders are unchanged).
set -euo pipefail
cd "$(dirname "$0")/../../../.."
. .venv/bin/activate
bertdistill evaluate-encoder --model runs/scale/static-200k --model runs/relational/static-200k-dim384-raw \
    --model runs/scale/bilstm-200k --model runs/relational/bilstm-200k-dim384-raw \
    --transfer-dir ../shared/data/transfer --no-progress \
    --json runs/relational/shapes_384.json --markdown runs/relational/shapes_384.md

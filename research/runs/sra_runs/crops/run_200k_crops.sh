#!/usr/bin/env bash
# Span crops at 200k (`--span-crops 1`: one random 4-16-word span of each training sentence, encoded by the teacher
# and added as an extra training text), on the 200k selection and the 384-d recipe of the best BiLSTM so far
# (75.3), then the static student with and without crops at an equal number of steps (2 epochs over sentences
# and crops against 4 epochs over the sentences alone). Each student trains into runs/relational/NAME and is
# scored by evaluate-encoder into runs/relational/NAME.json (run_200k_variant.sh).
set -euo pipefail
cd "$(dirname "$0")/../../../.."
variant=research/runs/sra_runs/relational/run_200k_variant.sh
wide=(--embedding-dim 384 --target-pca 0)
bash $variant bilstm bilstm-200k-dim384-raw-crops1 "${wide[@]}" --span-crops 1
bash $variant static static-200k-dim384-raw-crops1 "${wide[@]}" --span-crops 1
bash $variant static static-200k-dim384-raw-4epochs "${wide[@]}" --epochs 4

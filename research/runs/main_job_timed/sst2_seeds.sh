#!/usr/bin/env bash
# The main job's SST-2 comparison (general BiLSTM fine-tuned against its scratch twin, 8,000 sentences, 3 epochs)
# over more fine-tuning seeds, for both widths of the general student:
#   384-d  runs/main-job-timed/{general-bilstm,scratch-student}   (the main job with --embedding-dim 384 --target-pca 0)
#   256-d  runs/static-init/bilstm-30k-from-static-e1, runs/main-job/scratch-student   (the committed 256-d main
#          job's recipe: the same 30k sentences, 1 epoch from the static student; its scratch twin)
# Seed 42 (the default) is the main job's own run; this adds seeds 1 to 4. Writes results/main_job_timed/sst2_seeds.json.
set -euo pipefail
cd "$(dirname "$0")/../../.."
. .venv/bin/activate
export BERTDISTILL_DATA_DIR=../shared/data/glue
declare -A models=([sra-384]=runs/main-job-timed/general-bilstm [scratch-384]=runs/main-job-timed/scratch-student
                   [sra-256]=runs/static-init/bilstm-30k-from-static-e1 [scratch-256]=runs/main-job/scratch-student)
for seed in 1 2 3 4; do
  for name in sra-384 scratch-384 sra-256 scratch-256; do
    out=runs/sst2-seeds/$name-seed$seed
    [ -f "$out/metrics.json" ] || bertdistill finetune --model "${models[$name]}" --task sst2 --max-length 64 \
      --max-train-samples 8000 --epochs 3 --seed "$seed" --output-dir "$out" --no-progress
  done
done
python - <<'PY'
import json
from pathlib import Path

runs = {"sra-384": "runs/main-job-timed/student-sst2", "scratch-384": "runs/main-job-timed/scratch-sst2"}
rows = {}
for name in ("sra-384", "scratch-384", "sra-256", "scratch-256"):
    folders = ([runs[name]] if name in runs else []) + [f"runs/sst2-seeds/{name}-seed{seed}" for seed in (1, 2, 3, 4)]
    records = [json.loads(Path(folder, "metrics.json").read_text()) for folder in folders]
    rows[name] = [{"accuracy": record["primary"], "command": record["command"]} for record in records]
Path("results/main_job_timed/sst2_seeds.json").write_text(json.dumps(rows, indent=2) + "\n")
for name, records in rows.items():
    scores = [round(100 * record["accuracy"], 1) for record in records]
    print(name, scores, round(sum(scores) / len(scores), 2))
PY

"""results/main_job.json from a main-job output folder: each step's command, training seconds and environment,
the general students' checks, the encoder averages and the SST-2 report entries. Earlier recipes are kept
under their own keys.

    python research/runs/main_job_timed/assemble_main_job_json.py runs/main-job-timed
"""

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[3] / "results"
STEPS = ("general-static", "general-bilstm", "student-sst2", "scratch-sst2", "teacher-sst2")


def main(run: Path) -> None:
    previous = json.loads((RESULTS / "main_job.json").read_text())
    metrics = {step: json.loads((run / step / "metrics.json").read_text()) for step in STEPS}
    encoders = json.loads((run / "encoders.json").read_text())
    report = json.loads((run / "report.json").read_text())
    checks = ("train_sentences", "held_out_cosine", "stsb_zero_shot", "epochs", "train_seconds")
    result = {
        "entries": report["entries"],
        "report_command": report["command"],
        "general_students": {step: {key: metrics[step][key] for key in checks} for step in STEPS[:2]},
        "steps": {step: {"command": metrics[step]["command"], "train_seconds": metrics[step].get("train_seconds"),
                         "environment": metrics[step]["environment"]} for step in STEPS},
        "encoders": {row["model"]: row["average"] for row in encoders["results"] if row["average"]},
        "encoders_command": encoders["command"],
        "previous_recipe_contextual_2_epochs": {key: previous[key] for key in
                                                ("entries", "rows", "general_student", "steps", "encoders")},
        "previous_shape_2x300": previous["previous_shape_2x300"],
    }
    (RESULTS / "main_job.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))

"""Results table of task-specific KD (scripts/kd_results.sh): dev scores of the teacher and four BiLSTM
students per task, parameters, CPU speed ratios to the teacher, and the issue's acceptance checks.

    python scripts/kd_report.py runs/kd-results --teachers runs/teachers [--markdown results/kd.md]

Speed: `bertdistill benchmark` (synthetic inputs of 64 word pieces, batch 1 and 32, models interleaved,
median of repeats) for SST-2 (single sentences) and MRPC (pairs); only ratios are reported (CPU timings
are noisy). The result JSON carries `entries` for `bertdistill report`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from bertdistill.evaluation.benchmark import BenchmarkConfig, benchmark

TASKS = ("cola", "sst2", "mrpc", "stsb", "rte")
VARIANTS = {"scratch": "BiLSTM from scratch (gold labels)", "kd": "KD, no augmentation",
            "kd-aug": "KD + augmentation", "sra-kd-aug": "SRA student + KD + augmentation"}


def load_runs(root: Path) -> dict[str, dict[str, dict]]:
    runs: dict[str, dict[str, dict]] = {}
    for task in TASKS:
        for variant in VARIANTS:
            path = root / task / variant / "metrics.json"
            if path.is_file():
                runs.setdefault(task, {})[variant] = json.loads(path.read_text())
    return runs


def teacher_score(task_runs: dict[str, dict]) -> float:
    record = next(iter(task_runs.values()))
    return record["teacher_metrics"]["dev"][record["primary_metric"]]


def speed(root: Path, teachers: Path, task: str, repeats: int) -> dict:
    """`bertdistill benchmark` of the task's teacher and students (PyTorch, CPU, length 64, batch 1 and 32)."""
    models = tuple(str(root / task / variant) for variant in ("kd-aug", "sra-kd-aug")
                   if (root / task / variant / "config.json").is_file())
    return benchmark(BenchmarkConfig(models=models, teacher=str(teachers / task), batch_sizes=(1, 32),
                                     seq_lengths=(64,), repeats=repeats, bert_base=False))


def speedup(speeds: dict, task: str, variant: str, batch_size: int = 32) -> float | None:
    """The speed-up of the variant's architecture (scratch, kd and kd-aug share the Tang BiLSTM)."""
    measured = "sra-kd-aug" if variant == "sra-kd-aug" else "kd-aug"
    for row in speeds.get(task, {}).get("rows", []):
        if row["model"].endswith(f"{task}/{measured}") and row["batch_size"] == batch_size:
            return row["speedup_vs_teacher"]
    return None


def acceptance(runs: dict[str, dict[str, dict]]) -> dict:
    def primary(task: str, variant: str) -> float | None:
        return runs.get(task, {}).get(variant, {}).get("primary")

    complete = [task for task in TASKS if all(primary(task, variant) is not None for variant in VARIANTS)]
    aug_beats_scratch = [task for task in complete if primary(task, "kd-aug") > primary(task, "scratch")]
    sra_beats_aug = [task for task in complete if primary(task, "sra-kd-aug") > primary(task, "kd-aug")]
    result = {"tasks_complete": complete, "kd_aug_beats_scratch": aug_beats_scratch,
              "sra_kd_aug_beats_kd_aug": sra_beats_aug}
    if "sst2" in runs:
        best = max(record["primary"] for record in runs["sst2"].values())
        result["sst2_best_bilstm_over_teacher"] = round(best / teacher_score(runs["sst2"]), 4)
    return result


def markdown(runs: dict, speeds: dict, checks: dict) -> str:
    lines = ["| task (metric) | teacher | " + " | ".join(VARIANTS.values()) + " | synthetic examples |",
             "|---" * (len(VARIANTS) + 3) + "|"]
    for task, task_runs in runs.items():
        metric = next(iter(task_runs.values()))["primary_metric"]
        cells = [f"{100 * task_runs[v]['primary']:.1f}" if v in task_runs else "–" for v in VARIANTS]
        synthetic = task_runs.get("kd-aug", {}).get("transfer_examples", "–")
        lines.append(f"| {task} ({metric}) | {100 * teacher_score(task_runs):.1f} | " + " | ".join(cells)
                     + f" | {synthetic} |")
    lines += ["", "| task | model | batch | throughput vs teacher (PyTorch, CPU) |", "|---|---|---|---|"]
    for task, result in speeds.items():
        for row in result["rows"]:
            lines.append(f"| {task} | {row['model']} | {row['batch_size']} | {row['speedup_vs_teacher']:.1f}x |")
    lines += ["", "```json", json.dumps(checks, indent=2), "```"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path)
    parser.add_argument("--teachers", type=Path, required=True)
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    runs = load_runs(args.root)
    speeds = {task: speed(args.root, args.teachers, task, args.repeats) for task in ("sst2", "mrpc") if task in runs}
    checks = acceptance(runs)
    text = markdown(runs, speeds, checks)
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    if args.json:
        summary = {task: {variant: {"primary": record["primary"], "metrics": record["metrics"]["dev"],
                                    "teacher": record["teacher_metrics"]["dev"], "parameters": record["parameters"],
                                    "transfer_examples": record["transfer_examples"], "command": record["command"],
                                    "train_seconds": record["train_seconds"]}
                          for variant, record in task_runs.items()} for task, task_runs in runs.items()}
        entries = [{"method": variant, "label": VARIANTS[variant], "task": task, "metric": record["primary_metric"],
                    "score": record["primary"], "teacher_score": teacher_score(task_runs),
                    "parameters": record["parameters"], "speedup_vs_teacher": speedup(speeds, task, variant)}
                   for task, task_runs in runs.items() for variant, record in task_runs.items()]
        args.json.write_text(json.dumps({"entries": entries, "runs": summary, "speed": speeds, "acceptance": checks,
                                         "torch_threads": torch.get_num_threads()}, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""Results table of task-specific KD (scripts/kd_results.sh): dev scores of the teacher and four BiLSTM
students per task, parameters, CPU speed ratios to the teacher, and the issue's acceptance checks.

    python scripts/kd_report.py runs/kd-results --teachers runs/teachers [--markdown results/kd.md]

Speed: SST-2 dev sentences, batch 32, the models side by side in one process, interleaved repeats
(median); only ratios are reported (CPU timings are noisy). Pairs: MRPC dev pairs, same protocol.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from bertdistill.data.loading import DataConfig, load_task_data
from bertdistill.evaluation.speed import compare_throughput, count_parameters, make_batches
from bertdistill.teachers.loading import load_fine_tuned, load_tokenizer

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


def speed(root: Path, teachers: Path, task: str, data_dir: str | None, sentences: int, repeats: int) -> dict:
    models = {"teacher": load_fine_tuned(str(teachers / task))[0]}
    for variant in ("kd-aug", "sra-kd-aug"):
        if (root / task / variant / "config.json").is_file():
            models[variant] = load_fine_tuned(str(root / task / variant))[0]
    dev = load_task_data(DataConfig(task=task, data_dir=data_dir), splits=("dev",)).dev["dev"]
    dev = dev.select(range(min(sentences, len(dev))))
    pairs = dev["text_pair"] if "text_pair" in dev.column_names else None
    batches = make_batches(load_tokenizer(str(teachers / task)), dev["text"], 32, 128, pairs)
    throughput = compare_throughput(models, batches, repeats=repeats)
    return {name: {"sentences_per_second": round(value, 1), "speedup_vs_teacher": round(value / throughput["teacher"], 2),
                   **count_parameters(models[name])} for name, value in throughput.items()}


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
    lines += ["", "| task | model | parameters | without embeddings | CPU speed-up vs teacher |", "|---|---|---|---|---|"]
    for task, table in speeds.items():
        for name, row in table.items():
            lines.append(f"| {task} | {name} | {row['parameters']:,} | {row['parameters_without_embeddings']:,} | "
                         f"{row['speedup_vs_teacher']:.1f}x |")
    lines += ["", "```json", json.dumps(checks, indent=2), "```"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path)
    parser.add_argument("--teachers", type=Path, required=True)
    parser.add_argument("--data-dir")
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--sentences", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    runs = load_runs(args.root)
    speeds = {task: speed(args.root, args.teachers, task, args.data_dir, args.sentences, args.repeats)
              for task in ("sst2", "mrpc") if task in runs}
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
        args.json.write_text(json.dumps({"runs": summary, "speed": speeds, "acceptance": checks,
                                         "torch_threads": torch.get_num_threads()}, indent=2) + "\n")


if __name__ == "__main__":
    main()

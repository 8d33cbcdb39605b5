"""Results table of TinyBERT (scripts/tinybert_results.sh): dev scores of the teacher and the student per
task, retention, ablations, parameters, CPU speed ratios and the issue's acceptance checks.

    python scripts/tinybert_report.py runs/tinybert-results --teachers runs/teachers \
        [--markdown results/tinybert.md] [--json results/tinybert.json]

Speed: `bertdistill benchmark` (PyTorch on CPU, synthetic inputs of 64 and 128 word pieces, batch 1 and 32,
models interleaved, median of repeats) of the SST-2 and MRPC students against their teachers; only ratios
are reported (CPU timings are noisy). "Loads with plain transformers" is checked in a fresh interpreter that
imports nothing of bertdistill. The JSON carries `entries` for `bertdistill report`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import torch

from bertdistill.evaluation.benchmark import BenchmarkConfig, benchmark

TASKS = ("cola", "sst2", "mrpc", "stsb", "rte")
VARIANTS = {"full": "TinyBERT (general + task + augmentation)", "no-general": "TinyBERT without the general stage",
            "no-augment": "TinyBERT without augmentation",
            "full-long": "TinyBERT, step 1 for the default 10 epochs"}
PLAIN_LOAD = ("import sys; from transformers import AutoModelForSequenceClassification as A; "
              "m = A.from_pretrained(sys.argv[1]); assert 'bertdistill' not in sys.modules; print(m.config.model_type)")


def load_runs(root: Path) -> dict[str, dict[str, dict]]:
    runs: dict[str, dict[str, dict]] = {}
    for task in TASKS:
        for variant in VARIANTS:
            path = root / task / variant / "metrics.json"
            if path.is_file():
                runs.setdefault(task, {})[variant] = json.loads(path.read_text())
    return runs


def teacher_score(record: dict) -> float:
    return record["teacher_metrics"]["dev"][record["primary_metric"]]


def speed(root: Path, teachers: Path, task: str, repeats: int) -> dict:
    return benchmark(BenchmarkConfig(models=(str(root / task / "full"),), teacher=str(teachers / task),
                                     batch_sizes=(1, 32), seq_lengths=(64, 128), repeats=repeats, bert_base=False))


def speedup(speeds: dict, task: str, batch_size: int = 32, length: int = 64) -> float | None:
    for row in speeds.get(task, {}).get("rows", []):
        if row["model"].endswith(f"{task}/full") and row["batch_size"] == batch_size and row["seq_length"] == length:
            return row["speedup_vs_teacher"]
    return None


def loads_with_plain_transformers(folder: Path) -> bool:
    result = subprocess.run([sys.executable, "-c", PLAIN_LOAD, str(folder)], capture_output=True, text=True)
    return result.returncode == 0 and result.stdout.strip() == "bert"


def acceptance(root: Path, runs: dict, speeds: dict) -> dict:
    full = {task: task_runs["full"] for task, task_runs in runs.items() if "full" in task_runs}
    retention = {task: record["primary"] / teacher_score(record) for task, record in full.items()}
    speedups = {task: speedup(speeds, task) for task in speeds}
    longer = {task: task_runs["full-long"]["primary"] / teacher_score(task_runs["full-long"])
              for task, task_runs in runs.items() if "full-long" in task_runs}
    replaced = {**retention, **longer}  # the full-long run instead of the full one, where there is one
    return {
        "tasks_complete": sorted(full),
        "retention": {task: round(value, 4) for task, value in retention.items()},
        "average_retention": round(sum(retention.values()) / len(retention), 4) if retention else None,
        "average_retention_at_least_0.95": bool(retention) and sum(retention.values()) / len(retention) >= 0.95,
        "average_retention_using_full_long_where_run": round(sum(replaced.values()) / len(replaced), 4)
        if replaced else None,
        "speedup_batch32_length64": speedups,
        "at_least_2.5x_faster": bool(speedups) and all(value is not None and value >= 2.5 for value in speedups.values()),
        "loads_with_plain_transformers": {task: loads_with_plain_transformers(root / task / "full") for task in full},
    }


def percent(value: float) -> str:
    return f"{100 * value:.1f}"


HEADER = """# TinyBERT results (dev, one seed, 2 CPU cores)

Made by `BERTDISTILL_DATA_DIR=../shared/data/glue bash scripts/tinybert_results.sh runs/teachers
../shared/data/corpus/wikipedia_en_slice.txt runs/tinybert-results`, then `python scripts/tinybert_report.py
runs/tinybert-results --teachers runs/teachers --markdown results/tinybert.md --json results/tinybert.json`.
"""


def markdown(runs: dict, speeds: dict, checks: dict) -> str:
    lines = [HEADER,"| task (metric) | teacher | " + " | ".join(VARIANTS.values()) + " | % of teacher (full) "
             "| augmented examples |", "|---" * (len(VARIANTS) + 4) + "|"]
    for task, task_runs in runs.items():
        any_record = next(iter(task_runs.values()))
        cells = [percent(task_runs[v]["primary"]) if v in task_runs else "–" for v in VARIANTS]
        kept = checks["retention"].get(task)
        lines.append(f"| {task} ({any_record['primary_metric']}) | {percent(teacher_score(any_record))} | "
                     + " | ".join(cells) + f" | {percent(kept) if kept is not None else '–'} | "
                     + f"{task_runs.get('full', {}).get('augmented_examples', '–')} |")
    lines += ["", "| task | model | batch | length | throughput vs teacher (PyTorch, CPU) |", "|---|---|---|---|---|"]
    for task, result in speeds.items():
        for row in result["rows"]:
            lines.append(f"| {task} | {row['model']} | {row['batch_size']} | {row['seq_length']} | "
                         f"{row['speedup_vs_teacher']:.2f}x |")
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
    speeds = {task: speed(args.root, args.teachers, task, args.repeats) for task in ("sst2", "mrpc")
              if "full" in runs.get(task, {})}
    checks = acceptance(args.root, runs, speeds)
    text = markdown(runs, speeds, checks)
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    if args.json:
        keep = ("primary", "parameters", "augmented_examples", "original_examples", "layer_map", "init", "command",
                "step1", "step2", "max_length")
        summary = {task: {variant: {**{key: record.get(key) for key in keep}, "metrics": record["metrics"]["dev"],
                                    "teacher": record["teacher_metrics"]["dev"]}
                          for variant, record in task_runs.items()} for task, task_runs in runs.items()}
        entries = [{"method": f"tinybert-{variant}", "label": VARIANTS[variant], "task": task,
                    "metric": record["primary_metric"], "score": record["primary"],
                    "teacher_score": teacher_score(record), "parameters": record["parameters"],
                    "speedup_vs_teacher": speedup(speeds, task) if variant == "full" else None}
                   for task, task_runs in runs.items() for variant, record in task_runs.items()]
        general = args.root / "general" / "metrics.json"
        args.json.write_text(json.dumps({
            "entries": entries, "runs": summary, "speed": speeds, "acceptance": checks,
            "general": json.loads(general.read_text()) if general.is_file() else None,
            "torch_threads": torch.get_num_threads()}, indent=2) + "\n")


if __name__ == "__main__":
    main()

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
import csv
import json
import subprocess
import sys
from pathlib import Path

import torch

from bertdistill.evaluation.benchmark import BenchmarkConfig, benchmark
from bertdistill.evaluation.speed import count_parameters
from bertdistill.teachers.loading import load_fine_tuned

TASKS = ("cola", "sst2", "mrpc", "stsb", "rte")
VARIANTS = {"full": "TinyBERT (general + task + augmentation)", "no-general": "TinyBERT without the general stage",
            "no-augment": "TinyBERT without augmentation",
            "full-long": "TinyBERT, step 1 for the default 10 epochs",
            "full-na20": "TinyBERT, N_a 20 (the paper's and our default)",
            "alpha-0.5": "TinyBERT, step 2 half on gold labels (--alpha 0.5)",
            "full-general-100k": "TinyBERT from a general stage on 100,000 sentences",
            "no-general-3layers": "3 layers x 384, without the general stage",
            "full-seed-43": "TinyBERT, another seed (43)",
            **{f"no-general-layers{a}{b}": f"teacher layers {a} and {b} instead of 2 and 5, without the general stage"
               for a, b in ("01", "13", "15")},
            "full-lr1e-4": "TinyBERT, step 2 at learning rate 1e-4 (not 3e-5)",
            "full-lr1e-4-temperature-2": "step 2 at 1e-4 and temperature 2",
            "full-lr1e-4-temperature-4": "step 2 at 1e-4 and temperature 4",
            "full-lr1e-4-seed-43": "step 2 at 1e-4 with another seed (43) for step 2",
            "full-lr1e-4-epochs-6": "step 2 at 1e-4 for 6 epochs (not 3)",
            "full-na20-lr1e-4": "N_a 20 and step 2 at 1e-4",
            "full-lr2e-4": "TinyBERT, step 2 at learning rate 2e-4",
            "full-lr1e-4-mse": "step 2 at 1e-4 on logit MSE (Tang et al.), not soft cross-entropy",
            "tang-lr1e-4": "Tang et al.'s transfer set (`bertdistill augment`) instead of word replacement, "
                           "step 2 at 1e-4",
            **{f"general-finetuned-lr{lr}": f"no task distillation: the general student fine-tuned on gold labels, "
               f"lr {lr}" for lr in ("5e-5", "1e-4")}}
FINE_TUNED = "general-finetuned"  # `bertdistill finetune` runs: no teacher metrics, augmentation or parameter count
BENCHMARKED = {"sst2": ("full",), "mrpc": ("full",), "cola": ("no-general-3layers",)}  # against the teacher
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


def complete_fine_tuned(runs: dict, root: Path, teachers: Path) -> None:
    """Give the plain fine-tuning runs the fields of a distillation record: the teacher's dev metrics (from its
    folder), no augmented examples, the parameter count."""
    for task, task_runs in runs.items():
        for variant, record in task_runs.items():
            if variant.startswith(FINE_TUNED):
                teacher = json.loads((teachers / task / "metrics.json").read_text())
                record.update(teacher_metrics=teacher["metrics"], augmented_examples=0,
                              parameters=parameter_count(root / task / variant))


def parameter_count(folder: Path) -> int:
    return count_parameters(load_fine_tuned(str(folder))[0])["parameters"]


def add_agreement(runs: dict, root: Path, teachers: Path) -> None:
    for task, task_runs in runs.items():
        theirs = predictions(teachers / task)  # read once per task
        for variant, record in task_runs.items():
            record["agreement_with_teacher"] = agreement(theirs, root / task / variant, record)


def teacher_score(record: dict) -> float:
    return record["teacher_metrics"]["dev"][record["primary_metric"]]


def predictions(folder: Path) -> list[str] | None:
    path = folder / "predictions_dev.tsv"
    if not path.is_file():
        return None
    with path.open(encoding="utf-8", newline="") as handle:
        return [row["prediction"] for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)]


def agreement(theirs: list[str] | None, student: Path, record: dict) -> float | None:
    """Share of dev examples where the student predicts the teacher's class `theirs` (classification tasks)."""
    if record["primary_metric"] in ("spearman", "pearson"):
        return None
    ours = predictions(student)
    if not ours or not theirs or len(ours) != len(theirs):
        return None
    return sum(a == b for a, b in zip(ours, theirs)) / len(ours)


def speed(root: Path, teachers: Path, task: str, variants: list[str], repeats: int) -> dict:
    return benchmark(BenchmarkConfig(models=tuple(str(root / task / variant) for variant in variants),
                                     teacher=str(teachers / task), batch_sizes=(1, 32), seq_lengths=(64, 128),
                                     repeats=repeats, bert_base=False))


def speedup(speeds: dict, task: str, variant: str = "full", batch_size: int = 32, length: int = 64) -> float | None:
    for row in speeds.get(task, {}).get("rows", []):
        if (row["model"].endswith(f"{task}/{variant}") and row["batch_size"] == batch_size
                and row["seq_length"] == length):
            return row["speedup_vs_teacher"]
    return None


def loads_with_plain_transformers(folder: Path) -> bool:
    result = subprocess.run([sys.executable, "-c", PLAIN_LOAD, str(folder)], capture_output=True, text=True)
    return result.returncode == 0 and result.stdout.strip() == "bert"


def retention_with(runs: dict, retention: dict[str, float], variant: str) -> float | None:
    """Average retention with `variant` instead of the full run on the tasks where it was run."""
    other = {task: task_runs[variant]["primary"] / teacher_score(task_runs[variant])
             for task, task_runs in runs.items() if variant in task_runs}
    replaced = {**retention, **other}
    return round(sum(replaced.values()) / len(replaced), 4) if other else None


def acceptance(root: Path, runs: dict, speeds: dict) -> dict:
    full = {task: task_runs["full"] for task, task_runs in runs.items() if "full" in task_runs}
    retention = {task: record["primary"] / teacher_score(record) for task, record in full.items()}
    speedups = {task: value for task in speeds if (value := speedup(speeds, task)) is not None}
    return {
        "tasks_complete": sorted(full),
        "retention": {task: round(value, 4) for task, value in retention.items()},
        "average_retention": round(sum(retention.values()) / len(retention), 4) if retention else None,
        "average_retention_at_least_0.95": bool(retention) and sum(retention.values()) / len(retention) >= 0.95,
        **{f"average_retention_using_{variant.replace('-', '_')}_where_run": retention_with(runs, retention, variant)
           for variant in ("full-long", "full-na20", "full-lr1e-4")},
        "speedup_batch32_length64": speedups,
        "at_least_2.5x_faster": bool(speedups) and all(value >= 2.5 for value in speedups.values()),
        "loads_with_plain_transformers": {task: loads_with_plain_transformers(root / task / "full") for task in full},
    }


def percent(value: float) -> str:
    return f"{100 * value:.1f}"


HEADER = """# TinyBERT results (dev, one seed, 2 CPU cores)

Made by `BERTDISTILL_DATA_DIR=../shared/data/glue bash scripts/tinybert_results.sh runs/teachers
../shared/data/corpus/wikipedia_en_slice.txt runs/tinybert-results`, then `python scripts/tinybert_report.py
runs/tinybert-results --teachers runs/teachers --markdown results/tinybert.md --json results/tinybert.json`.
"""


def agreement_cell(record: dict) -> str:
    value = record.get("agreement_with_teacher")
    return percent(value) if value is not None else "–"


def markdown(runs: dict, speeds: dict, checks: dict) -> str:
    lines = [HEADER, "| task (metric) | teacher | TinyBERT | % of teacher | agreement with teacher "
             "| augmented examples | parameters |", "|---|---|---|---|---|---|---|"]
    for task, task_runs in runs.items():
        if "full" in task_runs:
            record = task_runs["full"]
            lines.append(f"| {task} ({record['primary_metric']}) | {percent(teacher_score(record))} | "
                         f"{percent(record['primary'])} | {percent(checks['retention'][task])} | "
                         f"{agreement_cell(record)} | {record['augmented_examples']} | "
                         f"{record['parameters'] / 1e6:.1f}M |")
    lines += ["", "Variants and ablations (the same settings as the full run unless named):", "",
              "| task | variant | student | % of teacher | vs full | agreement with teacher | augmented examples |",
              "|---|---|---|---|---|---|---|"]
    for task, task_runs in runs.items():
        for variant, record in task_runs.items():
            if variant == "full":
                continue
            full = task_runs.get("full")
            change = f"{100 * (record['primary'] - full['primary']):+.1f}" if full else "–"
            lines.append(f"| {task} | {VARIANTS[variant]} | {percent(record['primary'])} | "
                         f"{percent(record['primary'] / teacher_score(record))} | {change} | "
                         f"{agreement_cell(record)} | {record['augmented_examples']} |")
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
    complete_fine_tuned(runs, args.root, args.teachers)
    add_agreement(runs, args.root, args.teachers)
    benchmarked = {task: [variant for variant in variants if variant in runs.get(task, {})]
                   for task, variants in BENCHMARKED.items()}
    speeds = {task: speed(args.root, args.teachers, task, variants, args.repeats)
              for task, variants in benchmarked.items() if variants}
    checks = acceptance(args.root, runs, speeds)
    text = markdown(runs, speeds, checks)
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    if args.json:
        keep = ("primary", "agreement_with_teacher", "parameters", "augmented_examples", "original_examples",
                "layer_map", "init", "command", "step1", "step2", "max_length")
        summary = {task: {variant: {**{key: record.get(key) for key in keep}, "metrics": record["metrics"]["dev"],
                                    "teacher": record["teacher_metrics"]["dev"]}
                          for variant, record in task_runs.items()} for task, task_runs in runs.items()}
        entries = [{"method": f"tinybert-{variant}", "label": VARIANTS[variant], "task": task,
                    "metric": record["primary_metric"], "score": record["primary"],
                    "teacher_score": teacher_score(record), "parameters": record["parameters"],
                    "speedup_vs_teacher": speedup(speeds, task, variant)}
                   for task, task_runs in runs.items() for variant, record in task_runs.items()]
        general = {name.replace("-", "_"): json.loads((args.root / name / "metrics.json").read_text())
                   for name in ("general", "general-100k") if (args.root / name / "metrics.json").is_file()}
        args.json.write_text(json.dumps({
            "entries": entries, "runs": summary, "speed": speeds, "acceptance": checks,
            **{name: general.get(name) for name in ("general", "general_100k")},
            "torch_threads": torch.get_num_threads()}, indent=2) + "\n")


if __name__ == "__main__":
    main()

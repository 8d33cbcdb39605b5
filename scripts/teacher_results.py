"""Gather the fine-tuned teachers' metrics.json files into results/teachers.{json,md} and the README.

    python scripts/teacher_results.py runs/teachers [--results results] [--readme README.md]
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
from pathlib import Path

TASK_ORDER = ["cola", "sst2", "mrpc", "stsb", "qqp", "mnli", "qnli", "rte", "wnli"]
METRIC_LABEL = {"matthews_correlation": "MCC", "accuracy": "acc", "f1": "F1", "pearson": "Pearson",
                "spearman": "Spearman"}


def command_from_config(run_dir: Path) -> str:
    """The CLI line equivalent to a run's resolved config.yaml (for runs that predate command recording)."""
    from bertdistill.methods.finetune import FinetuneConfig

    config = FinetuneConfig.load(run_dir / "config.yaml")
    data, training = config.data, config.training
    parts = ["bertdistill", "finetune", "--model", config.model, "--task", data.task]
    if data.data_dir:
        parts += ["--data-dir", data.data_dir]
    parts += ["--output-dir", config.output_dir, "--max-length", str(data.max_length), "--epochs", f"{training.epochs:g}",
              "--batch-size", str(training.batch_size), "--lr", f"{training.lr:g}", "--seed", str(training.seed)]
    if data.max_train_samples:
        parts += ["--max-train-samples", str(data.max_train_samples)]
    return shlex.join(parts) + "   # rebuilt from config.yaml"


def load_runs(root: Path) -> list[dict]:
    runs = []
    for path in sorted(root.glob("*/metrics.json")):
        record = json.loads(path.read_text())
        record["run_dir"] = str(path.parent)
        record["command"] = record.get("command") or command_from_config(path.parent)
        runs.append(record)
    order = {name: index for index, name in enumerate(TASK_ORDER)}
    return sorted(runs, key=lambda record: order.get(record["task"], len(order)))


def format_metrics(metrics: dict[str, float]) -> str:
    return " / ".join(f"{METRIC_LABEL.get(name, name)} {100 * value:.1f}" for name, value in metrics.items())


def markdown_table(runs: list[dict]) -> str:
    lines = [
        "| task | dev metrics | primary | train examples | epochs | max length | steps | train time |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        metrics = next(iter(run["metrics"].values()))
        minutes = run["train_seconds"] / 60
        lines.append(
            f"| {run['task']} | {format_metrics(metrics)} | {100 * run['primary']:.1f} | {run['train_examples']:,} "
            f"| {run['epochs']:g} | {run['max_length']} | {run['global_steps']} | {minutes:.1f} min |"
        )
    return "\n".join(lines)


def machine_line(runs: list[dict]) -> str:
    environment = runs[0]["environment"]
    return (f"{environment['device']} ({environment['cpu_count']} CPU cores, {environment['torch_threads']} torch "
            f"threads), torch {environment['torch']}, transformers {environment['transformers']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path)
    parser.add_argument("--results", type=Path, default=Path("results"))
    parser.add_argument("--readme", type=Path, default=Path("README.md"))
    parser.add_argument("--note", action="append", default=[], help="a note to add to teachers.md (repeatable)")
    args = parser.parse_args()
    runs = load_runs(args.root)
    if not runs:
        raise SystemExit(f"no */metrics.json under {args.root}")
    args.results.mkdir(parents=True, exist_ok=True)
    keep = ("task", "primary_metric", "primary", "metrics", "train_examples", "epochs", "max_length",
            "global_steps", "train_seconds", "command", "environment")
    (args.results / "teachers.json").write_text(
        json.dumps([{key: run.get(key) for key in keep} for run in runs], indent=2) + "\n")
    table = markdown_table(runs)
    commands = "\n".join(run["command"] for run in runs)
    (args.results / "teachers.md").write_text(
        "# Fine-tuned teachers: all-MiniLM-L6-v2 on GLUE dev\n\n"
        f"Machine: {machine_line(runs)}.\n\n{table}\n\n"
        "Metrics in percent. The primary metric selects the best checkpoint (evaluated after each epoch).\n\n"
        + "".join(f"- {note}\n" for note in args.note) + ("\n" if args.note else "")
        + 
        "## Commands\n\nProduced by `bash scripts/train_teachers.sh runs/teachers ../shared/data/glue 20000`, "
        "which runs:\n\n```bash\n" + commands + "\n```\n\n"
        "Then `python scripts/teacher_results.py runs/teachers` wrote this file, `teachers.json` and the README table.\n"
    )
    if args.readme.is_file():
        readme = args.readme.read_text()
        summary = f"{table}\n\nMachine: {machine_line(runs)}."
        readme = re.sub(r"(<!-- teachers:start -->\n).*?(\n<!-- teachers:end -->)",
                        lambda match: match.group(1) + summary + match.group(2), readme, flags=re.S)
        args.readme.write_text(readme)
    print(table)


if __name__ == "__main__":
    main()

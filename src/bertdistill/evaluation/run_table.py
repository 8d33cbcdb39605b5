"""A table of runs themselves (`bertdistill report --table runs`): what each fine-tuning run reached and what it
took, with the machine it ran on. The teachers' table in the README is this table of the teacher runs."""

from __future__ import annotations

from typing import Any

METRIC_LABELS = {"matthews_correlation": "MCC", "accuracy": "acc", "f1": "F1", "pearson": "Pearson",
                 "spearman": "Spearman"}
KEPT = ("task", "primary_metric", "primary", "metrics", "train_examples", "epochs", "max_length", "global_steps",
        "train_seconds", "command", "environment")   # what the result file keeps of each run


def format_metrics(metrics: dict[str, float]) -> str:
    return " / ".join(f"{METRIC_LABELS.get(name, name)} {100 * value:.1f}" for name, value in metrics.items())


def machine_line(environment: dict[str, Any]) -> str:
    return (f"{environment['device']} ({environment['cpu_count']} CPU cores, {environment['torch_threads']} torch "
            f"threads), torch {environment['torch']}, transformers {environment['transformers']}")


def runs_table(records: list[dict[str, Any]]) -> str:
    """Markdown: one row per run (dev metrics of its first split), then the first run's machine."""
    lines = ["| task | dev metrics | primary | train examples | epochs | max length | steps | train time |",
             "|---|---|---|---|---|---|---|---|"]
    for record in records:
        metrics = next(iter(record["metrics"].values()))
        lines.append(f"| {record['task']} | {format_metrics(metrics)} | {100 * record['primary']:.1f} | "
                     f"{record.get('train_examples', 0):,} | {record.get('epochs', 0):g} | "
                     f"{record.get('max_length')} | {record.get('global_steps')} | "
                     f"{record.get('train_seconds', 0) / 60:.1f} min |")
    machine = f"\n\nMachine: {machine_line(records[0]['environment'])}." if records[0].get("environment") else ""
    return "\n".join(lines) + machine + "\n"


def kept(record: dict[str, Any]) -> dict[str, Any]:
    return {key: record.get(key) for key in KEPT}

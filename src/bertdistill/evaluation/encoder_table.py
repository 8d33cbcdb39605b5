"""Formatting the encoder benchmark: one markdown table, and `entries` for `bertdistill report`."""

from __future__ import annotations

from typing import Any

from bertdistill.evaluation.transfer import TRANSFER_TASKS

TASK_TITLES = {"sts12": "STS12", "sts13": "STS13", "sts14": "STS14", "sts15": "STS15", "sts16": "STS16",
               "stsb": "STS-B test", "mr": "MR", "subj": "SUBJ", "stsb-dev": "STS-B dev"}


def speedup(result: dict[str, Any], model: str, texts: str, batch_size: int) -> float | None:
    for row in result["speed"]:
        if (row["model"], row["texts"], row["batch_size"]) == (model, texts, batch_size):
            return row["speedup_vs_teacher"]
    return None


def teacher_average(result: dict[str, Any]) -> float | None:
    return next((row["average"] for row in result["results"] if row["model"] == result["teacher"]), None)


def cell(value: float | None, digits: int = 1, suffix: str = "") -> str:
    return "" if value is None else f"{value:.{digits}f}{suffix}"


def quality_table(result: dict[str, Any]) -> list[str]:
    tasks = result["tasks"]
    batch_sizes = sorted({row["batch_size"] for row in result["speed"]})
    speed_columns = [(texts, size) for texts in ("short", "long") for size in batch_sizes]
    header = (["encoder"] + [TASK_TITLES[task] for task in tasks] + ["average", "% of teacher"]
              + [f"speed {texts} b{size}" for texts, size in speed_columns] + ["parameters", "MB", "build (s)"])
    lines = ["| " + " | ".join(header) + " |", "|---" * len(header) + "|"]
    reference = teacher_average(result)
    for row in result["results"]:
        scores = [cell(row["scores"][task]["score"]) if task in row["scores"] else "" for task in tasks]
        percent = 100 * row["average"] / reference if row["average"] is not None and reference else None
        speeds = [cell(speedup(result, row["model"], texts, size), 2, "x") for texts, size in speed_columns]
        parameters = "" if row["parameters"] is None else f"{row['parameters'] / 1e6:.1f}M"
        lines.append("| " + " | ".join([row["model"], *scores, cell(row["average"]), cell(percent), *speeds,
                                        parameters, cell(row["size_mb"]), cell(row["build_seconds"], 0)]) + " |")
    return lines


def throughput_table(result: dict[str, Any]) -> list[str]:
    lines = ["| encoder | texts | batch | texts/s | vs teacher |", "|---|---|---|---|---|"]
    for row in result["speed"]:
        lines.append(f"| {row['model']} | {row['texts']} | {row['batch_size']} | {row['texts_per_second']:.1f} | "
                     f"{cell(row['speedup_vs_teacher'], 2, 'x')} |")
    return lines


def markdown(result: dict[str, Any]) -> str:
    environment = result["environment"]
    where = environment["gpu"] or f"CPU, {environment['torch_threads']} torch threads"
    lines = quality_table(result)
    note = ("STS columns: Spearman x 100 of cosine similarity (mean over a year's subsets); MR, SUBJ: "
            "5-fold logistic-regression accuracy x 100. Speed: texts per second as a ratio to the teacher, "
            f"measured in the same run ({where}); short = STS sentences, long = 200-250 word pieces.")
    lines += ["", note]
    if result["speed"]:
        lines += ["", *throughput_table(result)]
    return "\n".join(lines) + "\n"


def entries(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One `bertdistill report` entry per encoder with a full transfer average (the teacher is the reference)."""
    reference = teacher_average(result)
    if reference is None:
        return []
    batch = max((row["batch_size"] for row in result["speed"]), default=None)
    return [{"method": f"encoder:{row['model']}", "label": row["model"], "task": "transfer",
             "metric": f"average of {len(TRANSFER_TASKS)} transfer tasks", "score": row["average"] / 100,
             "teacher_score": reference / 100, "parameters": row["parameters"],
             "speedup_vs_teacher": speedup(result, row["model"], "short", batch) if batch else None}
            for row in result["results"] if row["average"] is not None and row["model"] != result["teacher"]]

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


def teacher_average(result: dict[str, Any], key: str = "average") -> float | None:
    return next((row.get(key) for row in result["results"] if row["model"] == result["teacher"]), None)


def percent_of(value: float | None, reference: float | None) -> float | None:
    return 100 * value / reference if value is not None and reference else None


def retrieval_columns(result: dict[str, Any]) -> list[str]:
    """nDCG@10 per set, then (with several sets) their average, then % of the teacher's."""
    names = result.get("retrieval_tasks", [])
    if not names:
        return []
    return [f"{name} nDCG@10" for name in names] + (["retrieval average"] if len(names) > 1 else []) + \
        ["retrieval % of teacher"]


def retrieval_cells(result: dict[str, Any], row: dict[str, Any]) -> list[str]:
    names = result.get("retrieval_tasks", [])
    if not names:
        return []
    average = row.get("retrieval_average")
    cells = [cell(row["scores"][name]["score"]) if name in row["scores"] else "" for name in names]
    return cells + ([cell(average)] if len(names) > 1 else []) + \
        [cell(percent_of(average, teacher_average(result, "retrieval_average")))]


def cell(value: float | None, digits: int = 1, suffix: str = "") -> str:
    return "" if value is None else f"{value:.{digits}f}{suffix}"


def quality_table(result: dict[str, Any]) -> list[str]:
    tasks = result["tasks"]
    batch_sizes = sorted({row["batch_size"] for row in result["speed"]})
    speed_columns = [(texts, size) for texts in ("short", "long") for size in batch_sizes]
    averages = ["average", "% of teacher"] if tasks else []
    header = (["encoder"] + [TASK_TITLES.get(task, task) for task in tasks] + averages
              + retrieval_columns(result) + [f"speed {texts} b{size}" for texts, size in speed_columns] + ["parameters", "MB", "build (s)"])
    lines = ["| " + " | ".join(header) + " |", "|---" * len(header) + "|"]
    reference = teacher_average(result)
    for row in result["results"]:
        scores = [cell(row["scores"][task]["score"]) if task in row["scores"] else "" for task in tasks]
        percent = percent_of(row["average"], reference)
        speeds = [cell(speedup(result, row["model"], texts, size), 2, "x") for texts, size in speed_columns]
        parameters = "" if row["parameters"] is None else f"{row['parameters'] / 1e6:.1f}M"
        average_cells = [cell(row["average"]), cell(percent)] if tasks else []
        lines.append("| " + " | ".join([row["model"], *scores, *average_cells,
                                        *retrieval_cells(result, row), *speeds,
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
            "5-fold logistic-regression accuracy x 100. "
            + ("Retrieval: nDCG@10 x 100 by exact cosine search over title + text (the average and % of teacher "
               "columns before it are of the 8 transfer tasks only). " if result.get("retrieval_tasks") else "")
            + "Speed: texts per second as a ratio to the teacher, "
            f"measured in the same run ({where}); short = STS sentences, long = 200-250 word pieces.")
    lines += ["", note]
    if result["speed"]:
        lines += ["", *throughput_table(result)]
    return "\n".join(lines) + "\n"


def entries(result: dict[str, Any]) -> list[dict[str, Any]]:
    """`bertdistill report` entries against the teacher: one per encoder with a full transfer average, and one
    per encoder with a retrieval average."""
    batch = max((row["batch_size"] for row in result["speed"]), default=None)
    found = []
    for key, task, metric in (("average", "transfer", f"average of {len(TRANSFER_TASKS)} transfer tasks"),
                              ("retrieval_average", "retrieval", "nDCG@10 (retrieval average)")):
        reference = teacher_average(result, key)
        if reference is None:
            continue
        found += [{"method": f"encoder:{row['model']}", "label": row["model"], "task": task, "metric": metric,
                   "score": row[key] / 100, "teacher_score": reference / 100, "parameters": row["parameters"],
                   "speedup_vs_teacher": speedup(result, row["model"], "short", batch) if batch else None}
                  for row in result["results"] if row.get(key) is not None and row["model"] != result["teacher"]]
    return found

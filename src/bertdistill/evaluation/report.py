"""One report from the committed result files: a method x task table and a quality/speed plot.

Every result file (`results/*.json`) that has an `entries` list contributes rows of this shape:

    {"method": "kd-aug", "label": "KD + augmentation", "task": "sst2", "metric": "accuracy",
     "score": 0.831, "teacher_score": 0.886, "parameters": 9759602, "speedup_vs_teacher": 26.7}

`speedup_vs_teacher` is a throughput ratio measured in the same run as the teacher (optional). The
plot takes one task (by default the one with the most measured speed-ups), puts each method at
(speed-up, % of teacher) and draws the Pareto front: the points, the teacher included, that no other
point beats on both quality and speed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bertdistill.errors import DataError

REQUIRED = ("method", "task", "metric", "score", "teacher_score")
START, END = "<!-- report:start -->", "<!-- report:end -->"


def collect_entries(results_dir: str | Path) -> list[dict[str, Any]]:
    entries = []
    for path in sorted(Path(results_dir).glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise DataError(f"{path}: not a readable JSON file ({error})") from None
        for index, entry in enumerate(data.get("entries", []) if isinstance(data, dict) else []):
            missing = [key for key in REQUIRED if entry.get(key) is None]
            if missing:
                raise DataError(f"{path}: entry {index} lacks {missing}")
            entries.append({**entry, "source": path.name})
    if not entries:
        raise DataError(f"{results_dir}: no result file with `entries`")
    return entries


def percent_of_teacher(entry: dict[str, Any]) -> float:
    return 100.0 * entry["score"] / entry["teacher_score"]


def pareto_front(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Points (speed, quality) not dominated by another point (faster-or-equal and better-or-equal),
    sorted by speed."""
    front = [p for p in points if not any(q != p and q[0] >= p[0] and q[1] >= p[1] for q in points)]
    return sorted(set(front))


def markdown_table(entries: list[dict[str, Any]]) -> str:
    tasks = list(dict.fromkeys(entry["task"] for entry in entries))
    methods = list(dict.fromkeys(entry["method"] for entry in entries))
    by_key = {(entry["method"], entry["task"]): entry for entry in entries}
    metric = {entry["task"]: entry["metric"] for entry in entries}
    header = ["method"] + [f"{task} ({metric[task]})" for task in tasks] + ["parameters", "speed-up vs teacher"]
    lines = ["| " + " | ".join(header) + " |", "|---" * len(header) + "|"]
    teacher_cells = []
    for task in tasks:
        scores = {round(100 * e["teacher_score"], 1) for e in entries if e["task"] == task}
        teacher_cells.append(" / ".join(f"{score:.1f}" for score in sorted(scores)))
    lines.append("| teacher | " + " | ".join(teacher_cells) + " | | 1.0x |")
    for method in methods:
        cells = []
        for task in tasks:
            entry = by_key.get((method, task))
            cells.append("–" if entry is None else f"{100 * entry['score']:.1f} ({percent_of_teacher(entry):.0f}%)")
        own = [entry for entry in entries if entry["method"] == method]
        label = next((entry.get("label") for entry in own if entry.get("label")), method)
        parameters = next((entry["parameters"] for entry in own if entry.get("parameters")), None)
        speedups = [entry["speedup_vs_teacher"] for entry in own if entry.get("speedup_vs_teacher")]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {'–' if parameters is None else f'{parameters / 1e6:.1f}M'}"
                     f" | {'–' if not speedups else f'{max(speedups):.1f}x'} |")
    return "\n".join(lines) + "\n"


def plot_task(entries: list[dict[str, Any]]) -> str | None:
    """The task with the most entries that have a measured speed-up."""
    counts: dict[str, int] = {}
    for entry in entries:
        if entry.get("speedup_vs_teacher"):
            counts[entry["task"]] = counts.get(entry["task"], 0) + 1
    return max(counts, key=counts.get) if counts else None


def plot(entries: list[dict[str, Any]], output: str | Path, task: str | None = None) -> int:
    """Quality (% of the teacher) against speed-up for one task, with the Pareto front (the teacher
    included); returns how many students it shows."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    task = task or plot_task(entries)
    points = [(entry["speedup_vs_teacher"], percent_of_teacher(entry), entry) for entry in entries
              if entry.get("speedup_vs_teacher") and entry["task"] == task]
    figure, axes = pyplot.subplots(figsize=(8, 5), dpi=120)
    for index, (speed, quality, entry) in enumerate(points):
        axes.scatter(speed, quality, s=36, zorder=3)
        axes.annotate(entry.get("label", entry["method"]), (speed, quality), fontsize=6.5, zorder=4,
                      xytext=(5, 4 if index % 2 == 0 else -9), textcoords="offset points")
    front = pareto_front([(speed, quality) for speed, quality, _ in points] + [(1.0, 100.0)])
    axes.plot([p[0] for p in front], [p[1] for p in front], linestyle="--", color="grey", label="Pareto front")
    axes.scatter([1.0], [100.0], marker="*", s=140, color="black", label="teacher", zorder=3)
    axes.set_xscale("log")
    axes.set_title(f"{task}: dev score against speed (each point from its result file's own run)", fontsize=9)
    axes.set_xlabel("throughput relative to the teacher's (PyTorch, CPU; log scale)")
    axes.set_ylabel("dev score, % of the teacher's")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=7, loc="lower left")
    figure.tight_layout()
    figure.savefig(output)
    pyplot.close(figure)
    return len(points)


def write_report(results_dir: str | Path, output: str | Path, plot_path: str | Path | None = None) -> str:
    """Write the table (into a README between the report markers, or as a whole file) and the plot."""
    entries = collect_entries(results_dir)
    section = markdown_table(entries)
    if plot_path is not None:
        plot(entries, plot_path)
        section += f"\n![quality against speed]({Path(plot_path).as_posix()})\n"
    section += (f"\nGenerated by `bertdistill report --results {results_dir}` from "
                f"{len({e['source'] for e in entries})} result files. Percentages are of the teacher in the same "
                "result file; speed-ups come from the run that produced each file (its JSON has the protocol), "
                "so compare them within a file first.\n")
    output = Path(output)
    if output.is_file() and START in output.read_text(encoding="utf-8"):
        text = output.read_text(encoding="utf-8")
        before, rest = text.split(START, 1)
        if END not in rest:
            raise DataError(f"{output}: has {START} but no {END}")
        text = before + START + "\n" + section + END + rest.split(END, 1)[1]
    else:
        text = section
    from bertdistill.io import atomic_write_text

    atomic_write_text(output, text)
    return section

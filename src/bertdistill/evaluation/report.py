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

import io
import json
import math
import os
from pathlib import Path
from typing import Any

from bertdistill.errors import DataError
from bertdistill.evaluation.sections import FOOTER, check_target, current_text, place_section
from bertdistill.io import atomic_write_bytes

REQUIRED = ("method", "task", "metric", "score", "teacher_score")


def collect_entries(results_dir: str | Path) -> list[dict[str, Any]]:
    entries = []
    for path in sorted(Path(results_dir).glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise DataError(f"{path}: not a readable JSON file ({error})") from None
        for index, entry in enumerate(data.get("entries", []) if isinstance(data, dict) else []):
            check_entry(entry, f"{path}: entry {index}")
            entries.append({**entry, "source": path.name})
    if not entries:
        raise DataError(f"{results_dir}: no result file with `entries`")
    return entries


def check_entry(entry: Any, where: str) -> None:
    if not isinstance(entry, dict):
        raise DataError(f"{where} is not an object")
    missing = [key for key in REQUIRED if entry.get(key) is None]
    if missing:
        raise DataError(f"{where} lacks {missing}")
    for key in ("score", "teacher_score", "speedup_vs_teacher", "parameters"):
        value = entry.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise DataError(f"{where}: {key} is {value!r}, not a number")
        if value is not None and not math.isfinite(value):
            raise DataError(f"{where}: {key} is {value!r}, not a finite number (a failed or degenerate run?)")
    if not entry["teacher_score"] > 0:
        raise DataError(f"{where}: teacher_score is {entry['teacher_score']}; a percentage of it means nothing")


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
    figure, axes = pyplot.subplots(figsize=(9, 5), dpi=120)
    for number, (speed, quality, entry) in enumerate(points, start=1):   # numbers on the points, names in the legend
        axes.scatter(speed, quality, s=36, zorder=3, color=pyplot.cm.tab20((number - 1) % 20),
                     label=f"{number}  {entry.get('label', entry['method'])}")
        axes.annotate(str(number), (speed, quality), fontsize=7, zorder=4, xytext=(4, 3 if number % 2 else -10),
                      textcoords="offset points")
    front = pareto_front([(speed, quality) for speed, quality, _ in points] + [(1.0, 100.0)])
    axes.plot([p[0] for p in front], [p[1] for p in front], linestyle="--", color="grey", label="Pareto front")
    axes.scatter([1.0], [100.0], marker="*", s=140, color="black", label="teacher", zorder=3)
    axes.set_xscale("log")
    axes.set_title(f"{task}: dev score against speed (each point from its result file's own run)", fontsize=9)
    axes.set_xlabel("throughput relative to the teacher's (PyTorch, CPU; log scale)")
    axes.set_ylabel("dev score, % of the teacher's")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    atomic_write_bytes(output, buffer.getvalue())
    pyplot.close(figure)
    return len(points)


def write_report(results_dir: str | Path | None, output: str | Path, plot_path: str | Path | None = None,
                 extra_entries: list[dict[str, Any]] | None = None, markers: str = "report") -> str:
    """Write the table (into a README between the report markers, or as a new file) and the plot, from the
    result files in `results_dir` and/or `extra_entries` (e.g. read from run folders)."""
    output = Path(output)
    plot_path = None if plot_path is None else Path(plot_path)
    check_target(plot_path, "--plot")
    current = current_text(output, markers)
    entries = collect_entries(results_dir) if results_dir is not None else []
    for index, entry in enumerate(extra_entries or []):
        check_entry(entry, f"run entry {index}")
        entries.append({**entry, "source": entry.get("run", "run folder")})
    if not entries:
        raise DataError("nothing to report: give --results with result files, or --run folders")
    section = markdown_table(entries)
    if plot_path is not None:
        plot(entries, plot_path)
        shown = Path(os.path.relpath(plot_path.resolve(), output.resolve().parent))   # as the page links it
        section += f"\n![quality against speed]({shown.as_posix()})\n"
    sources = f"--results {results_dir}" if results_dir is not None else "--run ..."
    section += (f"\n{FOOTER} {sources}` from {len({e['source'] for e in entries})} result files or runs. "
                "Percentages are of the teacher in the same result file; speed-ups come from the run that "
                "produced each file (its JSON has the protocol), so compare them within a file first.\n")
    place_section(output, section, markers, current)
    return section

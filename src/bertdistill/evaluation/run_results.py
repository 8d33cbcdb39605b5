"""Report entries read straight from run folders, so a results table needs no per-method collector.

Every fine-tuned or distilled run folder holds `metrics.json` (the layout of `scoring.splits.metrics_record`):
the task, its primary metric and score, and, for distillation runs, the teacher's dev metrics measured in
the same run. One run folder gives one entry of the shape `evaluation.report` reads:

    {"method": "kd:kd-aug", "label": "kd-aug", "task": "sst2", "metric": "accuracy", "score": 0.82,
     "teacher_score": 0.89, "parameters": 9759602, "speedup_vs_teacher": 26.7,
     "run": "runs/sst2/kd-aug"}

The teacher's score comes from the run's own `teacher_metrics` (distillation runs measure their teacher), or
else from the task's teacher run (its fine-tuning run folder, for plain fine-tuned students). Speed-ups, when
asked for, come from one protocol for every row: `bertdistill benchmark` (PyTorch, synthetic inputs of one
length, models interleaved, median of repeats) of the run folders beside the teacher.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bertdistill.errors import DataError

SPEED_BATCH_SIZE, SPEED_LENGTH = 32, 64   # the benchmark shape every report speed-up is read at


def read_metrics(run_dir: Path) -> dict[str, Any]:
    path = run_dir / "metrics.json"
    if not path.is_file():
        raise DataError(f"{run_dir}: not a finished run folder (no metrics.json)")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(f"{path}: not a readable JSON file ({error})") from None
    if not isinstance(record, dict) or "task" not in record or "primary" not in record:
        raise DataError(f"{path}: no task score (a general student is scored by `bertdistill evaluate-encoder`)")
    return record


def saved_parameters(run_dir: Path) -> int | None:
    """Parameter count from the safetensors header alone (no weights loaded)."""
    from safetensors import safe_open

    files = sorted(run_dir.glob("*.safetensors"))
    model_files = [path for path in files if path.name.startswith("model")]
    if not model_files:
        return None
    total = 0
    for path in model_files:
        with safe_open(str(path), framework="numpy") as weights:
            total += sum(math.prod(weights.get_slice(name).get_shape()) for name in weights.keys())  # noqa: SIM118
    return total


def teacher_score_of(record: dict[str, Any], teacher: dict[str, Any] | None, run_dir: Path) -> float:
    """The teacher's score as the run itself measured it (distillation runs), else the teacher run's."""
    measured = record.get("teacher_metrics")
    if measured:
        return float(next(iter(measured.values()))[record["primary_metric"]])
    if teacher is not None:
        return float(teacher["primary"])
    raise DataError(f"{run_dir}: no teacher score in metrics.json; pass the teacher's run folder for task "
                    f"{record['task']!r} (--teacher-run)")


def read_teachers(teacher_runs: Sequence[str]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Task -> (teacher run folder, its metrics.json): one teacher per task."""
    teachers: dict[str, tuple[str, dict[str, Any]]] = {}
    for teacher_run in teacher_runs:
        record = read_metrics(Path(teacher_run))
        if record["task"] in teachers:
            raise DataError(f"two teacher runs for task {record['task']!r}: {teachers[record['task']][0]} and "
                            f"{teacher_run}")
        teachers[record["task"]] = (teacher_run, record)
    return teachers


def run_entry(run_dir: str | Path, teachers: dict[str, tuple[str, dict[str, Any]]] | None = None,
              label: str | None = None) -> dict[str, Any]:
    """One report entry from a run folder (see the module docstring); `teachers` from `read_teachers`. The
    row is named by the method and the folder's name (runs of one recipe on several tasks share a row)."""
    run_dir = Path(run_dir)
    record = read_metrics(run_dir)
    teacher = (teachers or {}).get(record["task"])
    teacher_score = teacher_score_of(record, None if teacher is None else teacher[1], run_dir)
    if not teacher_score > 0:
        raise DataError(f"{run_dir}: the teacher's score is {teacher_score}; a percentage of it means nothing")
    method = record.get("method", "finetune")
    return {"method": f"{method}:{run_dir.name}", "label": label or run_dir.name, "task": record["task"],
            "metric": record["primary_metric"], "score": float(record["primary"]), "teacher_score": teacher_score,
            "parameters": record.get("parameters") or saved_parameters(run_dir), "speedup_vs_teacher": None,
            "run": str(run_dir)}


def export_entries(record_path: Path, teachers: dict[str, tuple[str, dict[str, Any]]],
                   label: str | None = None) -> list[dict[str, Any]]:
    """The rows of an ONNX export record (`export onnx --task` writes NAME.onnx.json): one per exported
    backend (onnx, onnx-int8), scored on the dev split as the record says, named after the exported run."""
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(f"{record_path}: not a readable export record ({error})") from None
    if not isinstance(record, dict) or "metrics" not in record or "model" not in record:
        raise DataError(f"{record_path}: not a scored export record (made by `export onnx --task`, which records "
                        "the model and each backend's dev metrics)")
    base = run_entry(record["model"], teachers, label)
    return [{**base, "method": f"{base['method']}-{backend}", "label": f"{base['label']} ({backend})",
             "backend": backend, "score": float(record["metrics"][backend][base["metric"]])}
            for backend in ("onnx", "onnx-int8") if backend in record["metrics"]]


def measured_speedups(run_dirs: Sequence[str], teacher_run: str, repeats: int = 5,
                      backend: str = "torch") -> dict[tuple[str, str], float | None]:
    """(run folder, backend) -> throughput relative to the teacher's PyTorch throughput, from one
    `bertdistill benchmark` run (`backend="all"` adds the ONNX fp32 and int8 rows)."""
    from bertdistill.evaluation.benchmark import BenchmarkConfig, benchmark

    result = benchmark(BenchmarkConfig(models=tuple(dict.fromkeys(run_dirs)), teacher=teacher_run,
                                       batch_sizes=(SPEED_BATCH_SIZE,), seq_lengths=(SPEED_LENGTH,), backend=backend,
                                       repeats=repeats, bert_base=False, cpu_memory=False))
    return {(row["model"], row["backend"]): row["speedup_vs_teacher"] for row in result["rows"]}


def add_speedups(entries: list[dict[str, Any]], teachers: dict[str, tuple[str, dict[str, Any]]],
                 repeats: int) -> None:
    """Speed-ups task by task against that task's teacher run, ONNX rows included when there are any."""
    missing = sorted({entry["task"] for entry in entries} - set(teachers))
    if missing:
        raise DataError(f"speed-ups are measured against the task's teacher: pass its run folder "
                        f"(--teacher-run) for {', '.join(missing)}")
    for task, (teacher_run, _) in teachers.items():
        rows = [entry for entry in entries if entry["task"] == task]
        if not rows:
            continue
        backend = "all" if any(entry.get("backend", "torch") != "torch" for entry in rows) else "torch"
        speedups = measured_speedups([entry["run"] for entry in rows], teacher_run, repeats, backend)
        for entry in rows:
            entry["speedup_vs_teacher"] = speedups.get((entry["run"], entry.get("backend", "torch")))


def entries_from_runs(run_dirs: Sequence[str], teacher_runs: Sequence[str] = (), speed: bool = False,
                      repeats: int = 5, labels: Sequence[str] = ()) -> dict[str, Any]:
    """A result file (`{"entries": [...], ...}`) built from run folders and ONNX export records
    (`NAME.onnx.json`); `labels`, if given, name them in order. Everything is read and checked before any
    speed is measured."""
    if labels and len(labels) != len(run_dirs):
        raise DataError(f"{len(labels)} labels for {len(run_dirs)} run folders: give one --label per --run, or none")
    teachers = read_teachers(teacher_runs)
    entries: list[dict[str, Any]] = []
    for index, run in enumerate(run_dirs):
        label = labels[index] if labels else None
        if run.endswith(".onnx.json"):
            entries += export_entries(Path(run), teachers, label)
        else:
            entries.append(run_entry(run, teachers, label))
    protocol = None
    if speed:
        add_speedups(entries, teachers, repeats)
        protocol = {"benchmark": "bertdistill benchmark (PyTorch; ONNX Runtime for export rows)",
                    "batch_size": SPEED_BATCH_SIZE, "seq_length": SPEED_LENGTH, "repeats": repeats}
    return {"entries": entries, "teacher_runs": {task: run for task, (run, _) in teachers.items()},
            "speed_protocol": protocol}

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


def measured_speedups(run_dirs: Sequence[str], teacher_run: str, repeats: int = 5) -> dict[str, float | None]:
    """Run folder -> throughput relative to the teacher's, from one `bertdistill benchmark` run."""
    from bertdistill.evaluation.benchmark import BenchmarkConfig, benchmark

    result = benchmark(BenchmarkConfig(models=tuple(run_dirs), teacher=teacher_run, batch_sizes=(SPEED_BATCH_SIZE,),
                                       seq_lengths=(SPEED_LENGTH,), repeats=repeats, bert_base=False,
                                       cpu_memory=False))
    return {row["model"]: row["speedup_vs_teacher"] for row in result["rows"] if row["backend"] == "torch"}


def entries_from_runs(run_dirs: Sequence[str], teacher_runs: Sequence[str] = (), speed: bool = False,
                      repeats: int = 5, labels: Sequence[str] = ()) -> dict[str, Any]:
    """A result file (`{"entries": [...], ...}`) built from run folders (`labels`, if given, name them in
    order). Every folder is read and checked before any speed is measured; speed-ups are measured task by
    task against that task's teacher run."""
    if labels and len(labels) != len(run_dirs):
        raise DataError(f"{len(labels)} labels for {len(run_dirs)} run folders: give one --label per --run, or none")
    teachers = read_teachers(teacher_runs)
    entries = [run_entry(run_dir, teachers, labels[index] if labels else None)
               for index, run_dir in enumerate(run_dirs)]
    protocol = None
    if speed:
        missing = sorted({entry["task"] for entry in entries} - set(teachers))
        if missing:
            raise DataError(f"speed-ups are measured against the task's teacher: pass its run folder "
                            f"(--teacher-run) for {', '.join(missing)}")
        for task, (teacher_run, _) in teachers.items():
            runs = [entry["run"] for entry in entries if entry["task"] == task]
            speedups = measured_speedups(runs, teacher_run, repeats) if runs else {}
            for entry in entries:
                if entry["task"] == task:
                    entry["speedup_vs_teacher"] = speedups.get(entry["run"])
        protocol = {"benchmark": "bertdistill benchmark (PyTorch)", "batch_size": SPEED_BATCH_SIZE,
                    "seq_length": SPEED_LENGTH, "repeats": repeats}
    return {"entries": entries, "teacher_runs": {task: run for task, (run, _) in teachers.items()},
            "speed_protocol": protocol}

"""The skeleton every method's run follows, so a method file holds only what is particular to it:

    with open_run(config.output_dir, config.resume, config) as folder:  # once every input has been checked
        phase = Phase(folder, config.resume)                             # checkpoints/ and logs/ in the folder
        trainer = SomeTrainer(args=phase.arguments(...), callbacks=phase.callbacks(extra), ...)
        outcome = phase.train(trainer)                  # resumes from the newest complete checkpoint
        ... save the model, evaluate it ...
        return record_run(folder, {...metrics..., **outcome}, command)  # metrics.json, written atomically

A run with several phases (TinyBERT's task stage) gives each phase its own sub-folder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import torch
import yaml
from transformers import Trainer, TrainerCallback, TrainingArguments

from bertdistill.config import Config
from bertdistill.data.cache import Shard
from bertdistill.distributed import (
    is_distributed,
    is_main_process,
    main_process_first,
    rank,
    wait_for_everyone,
    world_size,
)
from bertdistill.errors import ConfigError
from bertdistill.io import atomic_write_json
from bertdistill.training.arguments import TrainingConfig, make_training_arguments
from bertdistill.training.checkpoints import COMPLETE_MARKER
from bertdistill.training.outputs import environment_info, prepare_output_dir
from bertdistill.training.trainer import checkpoint_to_resume, logging_callbacks

METRICS_FILE = "metrics.json"
CONFIG_FILE = "config.yaml"


# settings that may change when a run is resumed: they do not change what is computed
RESUMABLE_CHANGES = ("resume", "training.progress_bar", "training.dataloader_workers",   # how, not what,
                     "vectors_in_memory", "teacher_batch_size", "teacher_runtime")                                               # is computed


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(data, dict):
        return {prefix: data}
    flat: dict[str, Any] = {}
    for key, value in data.items():
        flat.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def check_resumed_settings(saved: Path, config: Config) -> None:
    """A resumed run continues with the settings it started with: any other difference is refused, so the
    recorded config.yaml always describes what was computed."""
    if not saved.is_file():
        return
    before = flatten(yaml.safe_load(saved.read_text(encoding="utf-8")) or {})
    now = flatten(yaml.safe_load(config.to_yaml()))
    changed = sorted(key for key in set(before) | set(now)
                     if before.get(key) != now.get(key) and not key.startswith(RESUMABLE_CHANGES))
    if changed:
        details = "; ".join(f"{key}: {before.get(key)!r} -> {now.get(key)!r}" for key in changed[:6])
        raise ConfigError(f"--resume with other settings than the run started with ({details}); resume with the "
                          f"same flags (see {saved}), or start a new run in another folder")


@contextlib.contextmanager
def open_run(output_dir: str | Path, resume: bool, config: Config) -> Iterator[Path]:
    """Create (or, with `resume`, reopen) the run folder and record the resolved configuration in it.
    Enter it only after every input has been read and checked. A new run that fails before its first
    complete checkpoint (a NaN at step 0, a crash while setting up) takes its folder away again, so the
    corrected rerun needs no --resume; once a checkpoint exists, the folder stays for --resume."""
    if resume:
        check_resumed_settings(Path(output_dir) / CONFIG_FILE, config)
    existed = Path(output_dir).exists()
    main = is_main_process()   # in a multi-process run, the main process alone writes the folder
    if main:
        prepare_output_dir(output_dir, resume)
        config.save(Path(output_dir) / CONFIG_FILE)
    wait_for_everyone()
    folder = Path(output_dir)
    try:
        yield folder
    except BaseException:
        if main and not resume and not any(folder.rglob(COMPLETE_MARKER)):
            remove_new_run(folder, existed)
        raise


def remove_new_run(folder: Path, existed: bool) -> None:
    """Everything a new run wrote (its folder was new, or empty: `prepare_output_dir` allows no other)."""
    if not existed:
        shutil.rmtree(folder, ignore_errors=True)
        return
    for child in folder.iterdir():
        shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink(missing_ok=True)


@dataclasses.dataclass(frozen=True)
class Phase:
    """One resumable training phase: checkpoints in FOLDER/checkpoints, TensorBoard logs in FOLDER/logs."""

    folder: Path
    resume: bool

    @property
    def checkpoints(self) -> Path:
        return self.folder / "checkpoints"

    def arguments(self, training: TrainingConfig, best_metric: str | None,
                  label_names: list[str] | None = None) -> TrainingArguments:
        return make_training_arguments(training, self.checkpoints, best_metric, label_names=label_names)

    def callbacks(self, extra: Sequence[TrainerCallback] = ()) -> list[TrainerCallback]:
        return [*logging_callbacks(self.folder), *extra]

    def train(self, trainer: Trainer) -> dict[str, Any]:
        """Train (from the newest complete checkpoint with `resume`); returns what metrics.json records."""
        with main_process_first():   # the main process sets incomplete checkpoints aside before the others look
            checkpoint = checkpoint_to_resume(self.checkpoints, self.resume)
        start = time.perf_counter()
        trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
        return {"global_steps": trainer.state.global_step, "train_seconds": round(time.perf_counter() - start, 1),
                "resumed_from": str(checkpoint) if checkpoint else None}


def record_run(folder: Path, record: dict[str, Any], command: str | None) -> dict[str, Any]:
    """Write FOLDER/metrics.json: the method's record, the command that started the run and the
    environment (versions, hardware); returns what was written. In a multi-process run only the main
    process records; the others are waiting in `recorded_run`."""
    record = {**record, "command": command}
    record.setdefault("environment", environment_info())
    atomic_write_json(folder / METRICS_FILE, record)
    wait_for_everyone()
    return record


def recorded_run(folder: Path) -> dict[str, Any]:
    """What the main process recorded (the other processes of a multi-process run return this: the
    evaluation after training is the main process's alone)."""
    wait_for_everyone()
    return json.loads((folder / METRICS_FILE).read_text(encoding="utf-8"))


# Which process does what in a multi-process run lives here, so that a method never asks for its rank.

@contextlib.contextmanager
def built_once() -> Iterator[bool]:
    """Inputs every process reads (caches, a transfer set): the main process builds them first while the
    others wait, then they read what it wrote. Yields whether this process is the one that builds."""
    with main_process_first():
        yield is_main_process()


def this_shard() -> Shard:
    """This process's share of a cache every process builds together (the whole of it without a launcher)."""
    return Shard(rank(), world_size())


def written_once(write: Callable[[], None]) -> None:
    """A shared output (the final model) written by the main process alone; every process waits for it."""
    if is_main_process():
        write()
    wait_for_everyone()


def finish_run(folder: Path, command: str | None, make_record: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The end of a run: the main process evaluates and records (`make_record`, then metrics.json); the other
    processes wait and return what it recorded."""
    if not is_main_process():
        return recorded_run(folder)
    return record_run(folder, make_record(), command)


def mean_over_processes(values: torch.Tensor) -> torch.Tensor:
    """The mean of `values` over the processes of a multi-process run (all-reduced); `values` without a launcher.
    A loss whose denominator counts the whole batch divides by this when each process holds a share."""
    if not is_distributed():
        return values
    total = values.clone()
    torch.distributed.all_reduce(total)
    return total / world_size()

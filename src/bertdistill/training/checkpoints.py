"""Crash-safe checkpoint bookkeeping.

Hugging Face `Trainer` writes `checkpoint-N/` file by file, so a run killed while saving leaves a
half-written folder that `resume_from_checkpoint` would happily load. We add a commit marker:
a checkpoint counts only once `COMPLETE` has been written into it (atomically, last), and resume
picks the newest complete checkpoint and renames incomplete ones out of the way.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from bertdistill.io import atomic_write_text

COMPLETE_MARKER = "COMPLETE"
_CHECKPOINT_PATTERN = re.compile(r"^checkpoint-(\d+)$")


def mark_complete(checkpoint_dir: str | Path) -> None:
    atomic_write_text(Path(checkpoint_dir) / COMPLETE_MARKER, "ok\n")


def is_complete(checkpoint_dir: str | Path) -> bool:
    return (Path(checkpoint_dir) / COMPLETE_MARKER).is_file()


def list_checkpoints(run_dir: str | Path) -> list[tuple[int, Path]]:
    """All `checkpoint-N` folders under `run_dir`, sorted by step."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        return []
    found = []
    for child in run_dir.iterdir():
        match = _CHECKPOINT_PATTERN.match(child.name)
        if match and child.is_dir():
            found.append((int(match.group(1)), child))
    return sorted(found)


def last_complete_checkpoint(run_dir: str | Path) -> Path | None:
    complete = [path for _, path in list_checkpoints(run_dir) if is_complete(path)]
    return complete[-1] if complete else None


def quarantine_incomplete_checkpoints(run_dir: str | Path) -> list[Path]:
    """Rename checkpoints without a commit marker to `incomplete-checkpoint-N` (kept for inspection,
    never loaded; the name must not match Trainer's `checkpoint-*` rotation glob)."""
    moved = []
    for _, path in list_checkpoints(run_dir):
        if not is_complete(path):
            target = path.with_name(f"incomplete-{path.name}")
            if target.exists():
                shutil.rmtree(target)
            path.rename(target)
            moved.append(target)
    return moved

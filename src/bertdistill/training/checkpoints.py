"""Atomic file writes and crash-safe checkpoint bookkeeping.

Hugging Face `Trainer` writes `checkpoint-N/` file by file, so a run killed while saving leaves a
half-written folder that `resume_from_checkpoint` would happily load. We add a commit marker:
a checkpoint counts only once `COMPLETE` has been written into it (atomically, last), and resume
picks the newest complete checkpoint and renames incomplete ones out of the way.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

COMPLETE_MARKER = "COMPLETE"
_CHECKPOINT_PATTERN = re.compile(r"^checkpoint-(\d+)$")


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never a mix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)  # mkstemp creates 0600; results are meant to be shared
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")


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


def publish_directory(staging_dir: str | Path, target_dir: str | Path) -> None:
    """Move every file of `staging_dir` into `target_dir`, each with an atomic rename.

    Used for the final model: it is written completely into a staging folder first, so a crash
    while serialising leaves the target untouched. `config.json` goes last, so a folder that
    `from_pretrained` recognises always has its weights in place.
    """
    staging_dir, target_dir = Path(staging_dir), Path(target_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    files = sorted(staging_dir.rglob("*"), key=lambda path: path.name == "config.json")
    for source in files:
        if source.is_file():
            destination = target_dir / source.relative_to(staging_dir)
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(source, 0o644)
            os.replace(source, destination)
    shutil.rmtree(staging_dir, ignore_errors=True)

"""Atomic file writes: a reader sees the old file or the new one, never a mix, and a crash leaves no
half-written output. Every file bertdistill writes for a user goes through here."""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


@contextlib.contextmanager
def atomic_writer(path: str | Path, mode: str = "w") -> Iterator[IO]:
    """A stream whose content replaces `path` only when the block ends without an error (written in pieces:
    a large file never has to be held in memory)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)  # mkstemp creates 0600; results are meant to be shared
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never a mix."""
    with atomic_writer(path, "wb") as stream:
        stream.write(data)


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def finite_or_null(data: Any, where: str = "") -> tuple[Any, list[str]]:
    """`data` with every NaN or infinite float replaced by None (JSON has no such numbers), and the paths
    (`metrics.dev.pearson`) where that happened."""
    if isinstance(data, float) and not math.isfinite(data):
        return None, [where or "(value)"]
    if isinstance(data, dict):
        pairs = [(key, finite_or_null(value, f"{where}.{key}" if where else str(key))) for key, value in data.items()]
        return {key: value for key, (value, _) in pairs}, [path for _, (_, paths) in pairs for path in paths]
    if isinstance(data, list | tuple):
        items = [finite_or_null(value, f"{where}[{index}]") for index, value in enumerate(data)]
        return [value for value, _ in items], [path for _, paths in items for path in paths]
    return data, []


def atomic_write_json(path: str | Path, data: Any) -> None:
    """Strict JSON: a NaN or infinite value (a correlation of constant predictions, say) is written as null,
    and a dict gets a `non_finite_values` note that names where."""
    data, replaced = finite_or_null(data)
    if replaced and isinstance(data, dict):
        data["non_finite_values"] = {"note": "NaN or infinite values, written as null", "fields": replaced}
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=False, allow_nan=False) + "\n")


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


def check_output_file(path: str | Path, flag: str, create_folders: bool = True) -> None:
    """Before any work: `path` can be written as a file. Refused: an existing folder, a path below a file,
    and (with `create_folders=False`) a folder that does not exist yet; otherwise missing folders are made
    when the file is written."""
    from bertdistill.errors import ConfigError

    target = Path(path)
    if target.is_dir():
        raise ConfigError(f"{flag} {path}: is a folder; give a file name")
    existing = next(folder for folder in target.absolute().parents if folder.exists())
    if not existing.is_dir():
        raise ConfigError(f"{flag} {path}: {existing} is a file, not a folder")
    if not create_folders and existing != target.absolute().parent:
        raise ConfigError(f"{flag} {path}: folder {target.parent} does not exist")
    probe_writable(existing, flag, path)


def check_output_folder(path: str | Path, flag: str = "--output-dir") -> None:
    """Before any work: `path` is, or can be made, a folder this process can write in (nothing is created)."""
    from bertdistill.errors import ConfigError

    target = Path(path)
    if target.exists() and not target.is_dir():
        raise ConfigError(f"{flag} {path}: exists and is not a folder")
    existing = next(folder for folder in (target.absolute(), *target.absolute().parents) if folder.exists())
    if not existing.is_dir():
        raise ConfigError(f"{flag} {path}: {existing} is a file, not a folder")
    probe_writable(existing, flag, path)


def probe_writable(folder: Path, flag: str, path: str | Path) -> None:
    """A file can be created (and is removed again) in `folder`, the nearest existing folder of `path`: a
    read-only or full location is refused in one line before any work, not with a traceback after it."""
    from bertdistill.errors import ConfigError

    try:
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".bertdistill-probe-")
    except OSError as error:
        raise ConfigError(f"{flag} {path}: cannot write in {folder} ({error.strerror or error})") from None
    os.close(handle)
    os.unlink(probe)

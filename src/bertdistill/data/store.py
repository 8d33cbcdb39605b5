"""One store behind every cache bertdistill keeps on disk.

Every cache lives under one root (`--cache-dir`, else $BERTDISTILL_CACHE, else ~/.cache/bertdistill), one folder
per kind, one entry per key: `root/<kind>/<key>/`. The key is a hash of everything the contents depend on (the
teacher's weights, the corpus's content, the settings), so a changed input can never find stale contents.
Inside an entry:
- `.lock`, a file lock a writer holds while it builds or adds to the entry: a second run on the same entry waits,
  then finds it complete (or continues it), and `cache clear` never removes an entry whose lock is held;
- `manifest.json`, replaced atomically: the kind, a readable description, the builder's resumable `state`,
  whether the entry is `complete`, and for every file it vouches for the SHA-256 of each 16 MiB block;
- the files.
A built entry is trusted only when it is complete and every file it lists has the bytes its digests vouch for
(`Entry.problem` says why not, so the caller builds it again). Kinds that grow file by file (the teacher's
logits, kept scores) `commit` each file with its digest and `read` it back only when the bytes match.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from bertdistill.errors import ConfigError
from bertdistill.io import atomic_write_bytes, atomic_write_json

logger = logging.getLogger(__name__)

CACHE_VARIABLE = "BERTDISTILL_CACHE"
MANIFEST = "manifest.json"
LOCK = ".lock"
DIGEST_BLOCK_BYTES = 16 * 2**20   # digests per block: a check streams the file, and names the damaged part

KINDS = {
    "teacher-vectors": "SRA: the teacher's sentence vectors of a corpus (and of its span crops)",
    "corpora": "cleaned, sampled corpora as Arrow datasets (SRA, TinyBERT general stage)",
    "teacher-logits": "KD and TinyBERT: a fine-tuned teacher's logits, by example",
    "model2vec": "static token tables distilled from a teacher (the baseline, contextual init)",
    "teacher-onnx": "a teacher's encoder exported to ONNX, for ONNX Runtime to build caches on a CPU",
    "tinybert-augmented": "TinyBERT task stage: word-replacement augmented examples",
    "transfer-sets": "KD and TinyBERT: transfer-set files read into Arrow datasets",
    "encoder-scores": "evaluate-encoder: scores of unchanged local encoders, by task",
    "zero-shot-teacher": "SRA runs: the teacher's zero-shot STS-B score",
}


def default_cache_root() -> Path:
    return Path(os.environ.get(CACHE_VARIABLE, Path.home() / ".cache" / "bertdistill"))


def cache_key(**parts: Any) -> str:
    """A short hash of what an entry's contents depend on (JSON, keys sorted)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:20]


def file_digests(path: Path) -> list[str]:
    """The SHA-256 of every 16 MiB block of a file, read a block at a time."""
    digests = []
    with open(path, "rb") as stream:
        while block := stream.read(DIGEST_BLOCK_BYTES):
            digests.append(hashlib.sha256(block).hexdigest())
    return digests or [hashlib.sha256(b"").hexdigest()]


def digest_problem(path: Path, expected: list[str]) -> str | None:
    """Why a file does not have the bytes its digests vouch for, or None."""
    try:
        found = file_digests(path)
    except OSError as error:
        return f"{path.name} unreadable ({error.strerror or error})"
    for number, (have, want) in enumerate(zip(found, expected)):
        if have != want:
            start = number * DIGEST_BLOCK_BYTES
            return f"{path.name}: bytes {start}-{start + DIGEST_BLOCK_BYTES - 1} differ from the digest stored when it was written"
    if len(found) != len(expected):
        return f"{path.name}: {len(found)} blocks, {len(expected)} digests stored (truncated or extended?)"
    return None


class Entry:
    """One keyed entry of the store (see the module docstring). Build with `Store.entry`."""

    def __init__(self, kind: str, key: str, folder: Path, description: dict[str, Any] | None = None) -> None:
        self.kind, self.key, self.folder = kind, key, folder
        self.description = description or {}
        # one lock object per path in this process: re-entrant, so a holder can call methods that lock again
        self._lock = FileLock(str(folder / LOCK), is_singleton=True)

    def __repr__(self) -> str:
        return f"Entry({self.kind}/{self.key})"

    def path(self, name: str) -> Path:
        return self.folder / name

    @contextmanager
    def writing(self) -> Iterator[Entry]:
        """Hold the entry's lock (re-entrant) while building or adding to it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with self._lock:
            yield self

    def manifest(self) -> dict[str, Any]:
        """The manifest as last committed; {} when there is none (or it is unreadable: built again)."""
        try:
            return json.loads(self.path(MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _write_manifest(self, **fields: Any) -> None:
        atomic_write_json(self.path(MANIFEST), {"kind": self.kind, "key": self.key, "description": self.description,
                                               **fields})

    @property
    def state(self) -> dict[str, Any]:
        return self.manifest().get("state", {})

    def save_state(self, state: dict[str, Any]) -> None:
        """Commit a builder's progress (its data first: the state vouches for it); the entry is not complete."""
        with self.writing():
            self._write_manifest(state=state, complete=False, files={})

    def finish(self, files: list[str], state: dict[str, Any] | None = None) -> None:
        """Mark the entry complete, vouching for `files` (names inside the folder) by their digests."""
        with self.writing():
            digests = {name: file_digests(self.path(name)) for name in files}
            self._write_manifest(state=state or {}, complete=True, files=digests, finished=time.time())

    def problem(self) -> str | None:
        """Why the entry cannot be used as built, or None: not built, unfinished, or a file it vouches for is
        missing or has other bytes than when it was written."""
        manifest = self.manifest()
        if not manifest:
            return "not built"
        if not manifest.get("complete"):
            return "unfinished"
        for name, digests in manifest.get("files", {}).items():
            problem = digest_problem(self.path(name), digests)
            if problem is not None:
                return problem
        return None

    @property
    def complete(self) -> bool:
        return self.problem() is None

    def commit(self, name: str, data: bytes) -> None:
        """Add (or replace) one file and vouch for it: the file first, then the manifest, both atomic."""
        with self.writing():
            atomic_write_bytes(self.path(name), data)
            manifest = self.manifest()
            files = {**manifest.get("files", {}), name: file_digests(self.path(name))}
            self._write_manifest(state=manifest.get("state", {}), complete=True, files=files)

    def committed(self) -> list[str]:
        """The files committed so far, in commit order."""
        return list(self.manifest().get("files", {}))

    def read(self, name: str) -> bytes | None:
        """A committed file's bytes, or None (with a warning when it is damaged: the caller computes it again)."""
        expected = self.manifest().get("files", {}).get(name)
        if expected is None:
            return None
        try:
            data = self.path(name).read_bytes()
        except OSError as error:
            logger.warning("%s/%s is unreadable (%s); computed again", self.folder, name, error)
            return None
        problem = digest_problem_of_bytes(data, expected)
        if problem is not None:
            logger.warning("%s/%s is damaged (%s); computed again", self.folder, name, problem)
            return None
        return data

    def reset(self) -> None:
        """Remove the entry's contents (kept: the folder and its lock), under the lock."""
        with self.writing():
            for item in self.folder.iterdir():
                if item.name == LOCK:
                    continue
                shutil.rmtree(item) if item.is_dir() else item.unlink()


def digest_problem_of_bytes(data: bytes, expected: list[str]) -> str | None:
    found = [hashlib.sha256(data[start : start + DIGEST_BLOCK_BYTES]).hexdigest()
             for start in range(0, max(len(data), 1), DIGEST_BLOCK_BYTES)]
    return None if found == expected else "its bytes differ from the digest stored when it was written"


@dataclasses.dataclass(frozen=True)
class EntryInfo:
    """What `cache list` shows of one entry."""

    kind: str
    key: str
    path: Path
    size_bytes: int
    modified: float
    status: str           # complete, unfinished, or "no manifest" (a folder from an earlier layout)
    description: dict

    @property
    def in_use(self) -> bool:
        """Whether a running job holds the entry's lock (inside the entry, or beside it in an earlier layout)."""
        for path in (self.path / LOCK, self.path.with_name(self.path.name + ".lock")):
            if not path.exists():
                continue
            lock = FileLock(str(path))
            try:
                lock.acquire(timeout=0)
            except Timeout:
                return True
            lock.release()
        return False


def folder_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())


class Store:
    """The cache root: `entry(kind, **parts)` for a builder or reader, `entries()` and `clear()` for people."""

    def __init__(self, root: str | Path | None = None) -> None:
        # absolute: libraries such as datasets hand back absolute paths of the files written under it
        self.root = (Path(root) if root else default_cache_root()).expanduser().absolute()

    def entry(self, kind: str, description: dict[str, Any] | None = None, **parts: Any) -> Entry:
        """The entry of `kind` whose contents depend on `parts` (JSON values), described for people by
        `description`."""
        if kind not in KINDS:
            raise ValueError(f"no cache kind {kind!r}; kinds: {', '.join(KINDS)}")
        key = cache_key(**parts)
        return Entry(kind, key, self.root / kind / key, description)

    def entries(self) -> list[EntryInfo]:
        """Every entry under the root, by kind then key (lock files are not entries)."""
        found: list[EntryInfo] = []
        if not self.root.is_dir():
            return found
        for kind in sorted(folder for folder in self.root.iterdir() if folder.is_dir()):
            for item in sorted(kind.iterdir()):
                if item.name.endswith(".lock") or item.name.startswith("."):
                    continue
                found.append(self.info(kind.name, item))
        return found

    def info(self, kind: str, item: Path) -> EntryInfo:
        manifest = Entry(kind, item.name, item).manifest() if item.is_dir() else {}
        status = ("no manifest" if not manifest else "complete" if manifest.get("complete") else "unfinished")
        return EntryInfo(kind, item.name, item, folder_size(item), item.stat().st_mtime, status,
                         manifest.get("description", {}))

    def clear(self, kinds: list[str], keys: list[str], older_than_days: float | None = None) -> list[EntryInfo]:
        """Remove the entries of `kinds` (all kinds when empty), only `keys` when given, only those untouched
        for `older_than_days` when given; entries in use are kept. Returns what was removed."""
        entries = self.entries()
        unknown = sorted(set(kinds) - {entry.kind for entry in entries} - set(KINDS))
        if unknown:
            raise ConfigError(f"no cache kind {unknown} under {self.root}; kinds: {', '.join(sorted(KINDS))}")
        cutoff = time.time() - older_than_days * 86_400 if older_than_days is not None else None
        chosen = [entry for entry in entries if (not kinds or entry.kind in kinds) and (not keys or entry.key in keys)
                  and (cutoff is None or entry.modified < cutoff)]
        removed = []
        for entry in chosen:
            if entry.in_use:
                continue
            shutil.rmtree(entry.path) if entry.path.is_dir() else entry.path.unlink()
            entry.path.with_name(entry.path.name + ".lock").unlink(missing_ok=True)
            removed.append(entry)
        return removed

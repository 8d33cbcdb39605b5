"""What the cache root holds, and clearing it safely.

Every cache lives under one root (`--cache-dir`, else $BERTDISTILL_CACHE, else ~/.cache/bertdistill), one
folder per kind, one entry per key inside it. An entry a running job holds (its file lock, inside the entry
or beside it) is never removed; nothing else is touched outside the root.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from pathlib import Path

from filelock import FileLock, Timeout

from bertdistill.errors import ConfigError

CACHE_KINDS = {
    "teacher-vectors": "SRA: the teacher's sentence vectors of a corpus (and its span crops)",
    "corpora": "cleaned, sampled corpora (SRA, TinyBERT general stage)",
    "teacher-logits": "KD and TinyBERT: a fine-tuned teacher's logits on the transfer set",
    "model2vec": "static token tables distilled from a teacher (the baseline, contextual init)",
    "tinybert-augmented": "TinyBERT task stage: word-replacement augmented examples",
    "transfer-sets": "KD: generated transfer sets as Arrow datasets",
    "encoder-scores": "evaluate-encoder: scores of unchanged local encoders",
}


@dataclasses.dataclass(frozen=True)
class CacheEntry:
    kind: str
    key: str
    path: Path
    size_bytes: int
    modified: float

    @property
    def in_use(self) -> bool:
        """Whether a running job holds the entry's lock."""
        for path in (self.path / ".lock", self.path.with_name(self.path.name + ".lock")):
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


def cache_entries(root: Path) -> list[CacheEntry]:
    """Every entry under `root`, by kind then key (lock files are not entries)."""
    entries = []
    if not root.is_dir():
        return entries
    for kind in sorted(folder for folder in root.iterdir() if folder.is_dir()):
        for item in sorted(kind.iterdir()):
            if item.name.endswith(".lock") or item.name.startswith("."):
                continue
            entries.append(CacheEntry(kind.name, item.name, item, folder_size(item), item.stat().st_mtime))
    return entries


def clear_cache(root: Path, kinds: list[str], keys: list[str], older_than_days: float | None = None) -> list[CacheEntry]:
    """Remove the entries of `kinds` (all kinds when empty), only `keys` when given, only those untouched
    for `older_than_days` when given; entries in use are kept. Returns what was removed."""
    entries = cache_entries(root)
    unknown = sorted(set(kinds) - {entry.kind for entry in entries} - set(CACHE_KINDS))
    if unknown:
        raise ConfigError(f"no cache kind {unknown} under {root}; kinds: {', '.join(sorted(CACHE_KINDS))}")
    cutoff = time.time() - older_than_days * 86_400 if older_than_days is not None else None
    chosen = [entry for entry in entries if (not kinds or entry.kind in kinds) and (not keys or entry.key in keys)
              and (cutoff is None or entry.modified < cutoff)]
    removed = []
    for entry in chosen:
        if entry.in_use:
            continue
        if entry.path.is_dir():
            shutil.rmtree(entry.path)
        else:
            entry.path.unlink()
        entry.path.with_name(entry.path.name + ".lock").unlink(missing_ok=True)
        removed.append(entry)
    return removed

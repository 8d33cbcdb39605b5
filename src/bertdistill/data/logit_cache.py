"""Teacher logits (or regression scores) cached on disk, keyed by a hash of each example's text.

Keys are content hashes, not row numbers: a shuffled, subsampled or augmented dataset looks up the
same example under the same key, so cached outputs can never be paired with the wrong example (the
failure of caches keyed by position, docs/methods.md section 4.3). The folder for one teacher and
max length holds `keys.npy` (16-byte BLAKE2b digests) and `logits.npy` (float32, one row per key);
new outputs are appended after every chunk, atomically, so an interrupted run keeps what it computed.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from datasets import Dataset

from bertdistill.io import atomic_write_bytes, atomic_write_json

logger = logging.getLogger(__name__)

KEY_BYTES = 16
CHUNK = 8192


def example_key(text: str, text_pair: str | None = None) -> bytes:
    """The cache key of one example: BLAKE2b of its texts (a pair's two texts are kept apart)."""
    payload = json.dumps([text, text_pair], ensure_ascii=False).encode("utf-8")
    return hashlib.blake2b(payload, digest_size=KEY_BYTES).digest()


def dataset_keys(dataset: Dataset) -> list[bytes]:
    pairs = dataset["text_pair"] if "text_pair" in dataset.column_names else [None] * len(dataset)
    return [example_key(text, pair) for text, pair in zip(dataset["text"], pairs, strict=True)]


class LogitCache:
    """Append-only key -> logits store in one folder."""

    def __init__(self, directory: str | Path, num_outputs: int, description: dict | None = None) -> None:
        self.directory = Path(directory)
        self.num_outputs = num_outputs
        self.directory.mkdir(parents=True, exist_ok=True)
        keys_file, logits_file = self.directory / "keys.npy", self.directory / "logits.npy"
        if keys_file.is_file() and logits_file.is_file():
            self.keys = np.load(keys_file, allow_pickle=False)
            self.logits = np.load(logits_file, allow_pickle=False)
            if self.logits.shape[1:] != (num_outputs,) or len(self.keys) != len(self.logits):
                raise ValueError(f"{self.directory}: cached logits have shape {self.logits.shape}, "
                                 f"expected (N, {num_outputs}); delete the folder to recompute")
        else:
            self.keys = np.empty((0,), dtype=f"S{KEY_BYTES}")
            self.logits = np.empty((0, num_outputs), dtype=np.float32)
        self.index = {bytes(key): row for row, key in enumerate(self.keys)}
        if description is not None:
            atomic_write_json(self.directory / "description.json", description)

    def __len__(self) -> int:
        return len(self.keys)

    def missing(self, keys: Sequence[bytes]) -> list[bytes]:
        """Keys not cached yet, each once, in first-seen order."""
        return list(dict.fromkeys(key for key in keys if key not in self.index))

    def add(self, keys: Sequence[bytes], logits: np.ndarray) -> None:
        logits = np.asarray(logits, dtype=np.float32).reshape(len(keys), self.num_outputs)  # (N, C)
        start = len(self.keys)
        self.keys = np.concatenate([self.keys, np.array(keys, dtype=f"S{KEY_BYTES}")])
        self.logits = np.concatenate([self.logits, logits])
        self.index.update({key: start + offset for offset, key in enumerate(keys)})
        # logits first, then keys: a crash in between leaves extra logit rows, detected on load
        _save_npy(self.directory / "logits.npy", self.logits)
        _save_npy(self.directory / "keys.npy", self.keys)

    def lookup(self, keys: Sequence[bytes]) -> np.ndarray:
        """Logits in the order of `keys` (every key must be cached)."""
        return self.logits[[self.index[key] for key in keys]]  # (N, C)


def _save_npy(path: Path, array: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    atomic_write_bytes(path, buffer.getvalue())


def cached_teacher_logits(dataset: Dataset, cache: LogitCache,
                          predict: Callable[[Dataset], np.ndarray], chunk: int = CHUNK) -> np.ndarray:
    """Teacher outputs for every row of `dataset` (`text`, optional `text_pair`), computing only the
    examples the cache lacks, `chunk` at a time (each chunk is saved before the next starts)."""
    keys = dataset_keys(dataset)
    missing = set(cache.missing(keys))
    if missing:
        rows = [row for row, key in enumerate(keys) if key in missing]
        rows = list({keys[row]: row for row in reversed(rows)}.values())[::-1]  # first row of each key
        logger.info("teacher outputs: %d cached, computing %d", len(keys) - len(missing), len(rows))
        for start in range(0, len(rows), chunk):
            selected = rows[start : start + chunk]
            cache.add([keys[row] for row in selected], predict(dataset.select(selected)))
    return cache.lookup(keys)

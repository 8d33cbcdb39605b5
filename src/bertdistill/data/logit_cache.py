"""Teacher logits (or regression scores) cached on disk, keyed by a hash of each example's text.

Keys are content hashes, not row numbers: a shuffled, subsampled or augmented dataset looks up the
same example under the same key, so cached outputs can never be paired with the wrong example (the
failure of caches keyed by position, docs/methods.md section 4.3). The folder for one teacher and
max length is one entry of the store (`teacher-logits`): append-only chunk files (`chunk-NNNNNN.npz`: 16-byte
BLAKE2b digests as uint8 rows and float32 logits, one row per key), each committed with its SHA-256 in the entry's
manifest; a chunk whose file is damaged (or differs from its digest) is skipped with a warning and its examples
computed again. Writing costs only the new rows (never a rewrite of what is stored); readers see committed chunks
only; and writers take a file lock, so two runs on one teacher add each example once and never pair an
example with another's outputs. A folder in the earlier layout (`keys.npy` + `logits.npy`) is read as
its first chunk.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from datasets import Dataset

from bertdistill.data.cache import WHOLE, Shard
from bertdistill.data.store import Entry
from bertdistill.errors import DataError

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


def key_bytes(keys: np.ndarray) -> list[bytes]:
    """Stored keys -> the digests: rows of 16 bytes, or (the earlier layout) numpy `S16` strings, which drop
    trailing zero bytes and so are padded back."""
    if keys.dtype == np.uint8:
        return [row.tobytes() for row in keys]
    return [bytes(key).ljust(KEY_BYTES, b"\0") for key in keys]


class LogitCache:
    """Append-only key -> logits store in one folder (see the module docstring)."""

    def __init__(self, entry: Entry | str | Path, num_outputs: int) -> None:
        self.entry = entry if isinstance(entry, Entry) else Entry("teacher-logits", Path(entry).name, Path(entry))
        self.directory = self.entry.folder
        self.num_outputs = num_outputs
        self.directory.mkdir(parents=True, exist_ok=True)
        self.parts: list[np.ndarray] = []   # the chunks' logits, joined only when looked up (linear memory work)
        self.rows = 0
        self.index: dict[bytes, int] = {}
        self.chunks: list[str] = []
        self.legacy_read = False
        self.adopt_legacy_manifest()
        self.refresh()

    def adopt_legacy_manifest(self) -> None:
        """A manifest of the layout before the store (`chunks` and one SHA-256 per chunk) becomes the entry's:
        the chunks whose bytes still match are vouched for, the others are left out (computed again)."""
        with self.lock:
            manifest = self.entry.manifest()
            if "chunks" not in manifest:
                return
            digests = manifest.get("digests", {})
            kept = [name for name in manifest["chunks"] if (self.directory / name).is_file() and (
                name not in digests or hashlib.sha256((self.directory / name).read_bytes()).hexdigest() == digests[name])]
            self.entry.finish(kept)

    def __len__(self) -> int:
        return self.rows

    @property
    def lock(self):
        """The entry's lock (re-entrant): held while adding, so two writers add each example once."""
        return self.entry.writing()

    @property
    def logits(self) -> np.ndarray:
        """(N, C) float32, every stored row in order."""
        if len(self.parts) != 1:
            self.parts = [np.concatenate(self.parts) if self.parts else np.empty((0, self.num_outputs), np.float32)]
        return self.parts[0]

    def committed(self) -> list[str]:
        """The committed chunks, in order."""
        return [name for name in self.entry.committed() if name.startswith("chunk-")]

    def read_chunk(self, name: str) -> tuple[np.ndarray, np.ndarray] | None:
        """A committed chunk's keys and logits, or None (with a warning) when its file is damaged: missing,
        truncated, not the bytes its digest vouches for. Its examples are then computed again."""
        data = self.entry.read(name)
        if data is None:
            logger.warning("%s/%s is damaged; its examples are computed again", self.directory, name)
            return None
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as chunk:
                return chunk["keys"], chunk["logits"]
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
            logger.warning("%s/%s is damaged (%s); its examples are computed again", self.directory, name, error)
            return None

    def refresh(self) -> None:
        """Load the chunks other writers committed since this cache last looked."""
        parts = []
        if not self.legacy_read and (self.directory / "keys.npy").is_file():
            keys = np.load(self.directory / "keys.npy", allow_pickle=False)
            parts.append((keys, np.load(self.directory / "logits.npy", allow_pickle=False)[: len(keys)]))
            self.legacy_read = True
        for name in self.committed()[len(self.chunks):]:
            chunk = self.read_chunk(name)
            if chunk is not None:
                parts.append(chunk)
            self.chunks.append(name)
        for keys, logits in parts:
            if logits.shape[1:] != (self.num_outputs,) or len(keys) != len(logits):
                raise DataError(f"{self.directory}: cached logits have shape {logits.shape}, expected "
                                f"(N, {self.num_outputs}); delete the folder to compute them again")
            self.index.update({key: self.rows + offset for offset, key in enumerate(key_bytes(keys))})
            self.parts.append(logits.astype(np.float32))
            self.rows += len(logits)

    def missing(self, keys: Sequence[bytes]) -> list[bytes]:
        """Keys not cached yet, each once, in first-seen order."""
        return list(dict.fromkeys(key for key in keys if key not in self.index))

    def add(self, keys: Sequence[bytes], logits: np.ndarray) -> None:
        """Commit one chunk: its file first, then the manifest that lists it (both atomic), under the lock
        (re-entrant), after loading what other writers committed."""
        logits = np.asarray(logits, dtype=np.float32).reshape(len(keys), self.num_outputs)  # (N, C)
        with self.lock:
            self.refresh()
            name = f"chunk-{len(self.chunks):06d}.npz"
            buffer = io.BytesIO()
            stored = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), KEY_BYTES)   # (N, 16)
            np.savez(buffer, keys=stored, logits=logits)
            self.entry.commit(name, buffer.getvalue())
            self.refresh()

    def lookup(self, keys: Sequence[bytes]) -> np.ndarray:
        """Logits in the order of `keys` (every key must be cached)."""
        return self.logits[[self.index[key] for key in keys]]  # (N, C)


def key_shard(key: bytes, count: int) -> int:
    """Which of `count` processes computes an example: by its key, so every process agrees whenever it starts."""
    return int.from_bytes(key[:8], "little") % count


def cached_teacher_logits(dataset: Dataset, cache: LogitCache, predict: Callable[[Dataset], np.ndarray],
                          chunk: int = CHUNK, shard: Shard = WHOLE, wait_seconds: float = 0.5) -> np.ndarray:
    """Teacher outputs for every row of `dataset` (`text`, optional `text_pair`), computing only the
    examples the cache lacks, `chunk` at a time (each chunk is saved before the next starts). Under a launcher
    each process computes the missing examples of its `shard` (chosen by key) and then waits for the others'."""
    keys = dataset_keys(dataset)
    missing = set(cache.missing(keys))
    if missing:
        rows = [row for row, key in enumerate(keys) if key in missing]
        rows = list({keys[row]: row for row in reversed(rows)}.values())[::-1]  # first row of each key
        rows = [row for row in rows if key_shard(keys[row], shard.count) == shard.rank]
        logger.info("teacher outputs: %d cached, computing %d", len(keys) - len(missing), len(rows))
        for start in range(0, len(rows), chunk):
            with cache.lock:   # another run may have added some of these meanwhile: compute only the rest
                cache.refresh()
                selected = [row for row in rows[start : start + chunk] if keys[row] not in cache.index]
                if selected:
                    cache.add([keys[row] for row in selected], predict(dataset.select(selected)))
    while True:
        with cache.lock:
            cache.refresh()
            if not cache.missing(keys):
                return cache.lookup(keys)
        logger.info("waiting for the other processes' teacher outputs in %s", cache.directory)
        time.sleep(wait_seconds)

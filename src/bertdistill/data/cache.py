"""Teacher sentence vectors computed once and kept in the store (`teacher-vectors` entries).

Vectors are an fp16 `.npy` file read and written by rows (`VectorFile`), so a corpus larger than RAM works, a
run's memory does not grow with the corpus, and a second run (another student, loss or seed) reuses them. The
entry's key is a hash of everything the vectors depend on: the teacher (its config and weight files), the
corpus content, the representation and the max length.

Rows are encoded in length-sorted chunks (little padding). Which chunks are done is a byte per chunk in
`done.bin` (1 + the rank of the process that encoded it), written after the vectors it vouches for reach the
disk, so a killed run continues where it stopped. Several processes (`torchrun`, `accelerate launch`, on one machine or several sharing a file system)
fill one entry together: process r of w encodes the pending chunks r, r + w, ... straight into the shared
file; whichever finds every chunk done vouches for the file by its digests, and the others wait for that.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from datasets import Dataset
from tqdm.auto import tqdm

from bertdistill.data.store import (  # noqa: F401  (cache_key, default_cache_root: imported from here too)
    CACHE_VARIABLE,
    Entry,
    cache_key,
    default_cache_root,
)
from bertdistill.data.token_table import TokenTable
from bertdistill.data.vector_file import VectorFile
from bertdistill.errors import ModelError

logger = logging.getLogger(__name__)

VECTORS, DONE, LEGACY_PROGRESS = "vectors.npy", "done.bin", "progress.json"
VALUE_BLOCK = 65_536   # rows per read when checking values: memory stays flat


@dataclass(frozen=True)
class Shard:
    """This process's part of a cache built by several: process `rank` of `count`."""

    rank: int = 0
    count: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.rank < self.count:
            raise ValueError(f"shard {self.rank} of {self.count}")


WHOLE = Shard()   # one process builds all of it


def texts_fingerprint(texts: Dataset, column: str = "text") -> str:
    digest = hashlib.sha256()
    for batch in texts.iter(batch_size=10_000):
        for text in batch[column]:
            digest.update(text.encode("utf-8"))
            digest.update(b"\0")
    return digest.hexdigest()


def value_problem(vectors_path, count: int, width: int) -> str | None:
    """Why a vector file cannot hold a teacher's vectors, or None: a wrong shape or size, non-finite values or
    rows of zeros (a teacher's sentence vector is never all zeros). Read in blocks; never raises."""
    try:
        vectors = VectorFile(vectors_path)
        if vectors.shape != (count, width):
            return f"shape {vectors.shape}, expected {(count, width)}"
        expected_size = vectors.offset + count * vectors.row_bytes
        if os.path.getsize(vectors_path) != expected_size:
            return f"{os.path.getsize(vectors_path)} bytes, expected {expected_size} (truncated?)"
        for start, rows in vectors.blocks(VALUE_BLOCK):
            rows = rows.astype(np.float32)                                              # (b, width)
            if not np.isfinite(rows).all():
                return f"non-finite values from row {start}"
            zero = np.flatnonzero(~rows.any(axis=1))
            if zero.size:
                return f"{zero.size} rows of zeros from row {start + int(zero[0])}"
    except (OSError, ValueError, EOFError) as error:
        return f"unreadable: {error}"
    return None


def compute_vector_cache(
    entry: Entry,
    token_ids: Dataset,
    encode: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    width: int,
    pad_token_id: int,
    batch_size: int = 256,
    commit_every_seconds: float = 20.0,
    shard: Shard = WHOLE,
    wait_seconds: float = 0.5,
) -> VectorFile:
    """Fill (or reuse) the entry's (N, width) fp16 vectors, row i for row i of `token_ids`.

    `encode(input_ids, attention_mask) -> (B, width)` is the teacher. Returns the file, read-only, once every
    shard's chunks are done and the file is vouched for.
    """
    count = len(token_ids)
    tokens = TokenTable.of(token_ids)
    chunks = length_sorted_chunks(tokens, batch_size)
    with entry.writing():   # one process at a time checks, creates or adopts the file
        if trusted(entry, count, width):
            logger.info("reusing cached teacher vectors in %s", entry.folder)
            return VectorFile(entry.path(VECTORS))
        done = prepared(entry, count, width, batch_size, len(chunks))
        if shard.count == 1:   # alone: the lock stays held, so a second run waits, then reuses the vectors
            encode_pending(entry, tokens, chunks, done, encode, pad_token_id, commit_every_seconds, shard)
            finish(entry, count, width, batch_size, len(chunks))
            return VectorFile(entry.path(VECTORS))
    encode_pending(entry, tokens, chunks, done, encode, pad_token_id, commit_every_seconds, shard)
    while True:   # the lock is free while shards encode: each its own chunks, into the one file
        with entry.writing():
            if entry.manifest().get("complete"):
                return VectorFile(entry.path(VECTORS))
            if read_done(entry, len(chunks)).all():
                finish(entry, count, width, batch_size, len(chunks))
                return VectorFile(entry.path(VECTORS))
        logger.info("waiting for the other processes' teacher vectors in %s", entry.folder)
        time.sleep(wait_seconds)


def length_sorted_chunks(tokens: TokenTable, batch_size: int) -> list[np.ndarray]:
    order = np.argsort(tokens.lengths, kind="stable")                                  # grouped by length
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]


def trusted(entry: Entry, count: int, width: int) -> bool:
    """Complete, every byte as when it was finished, and values a teacher gives; else (logged) not trusted."""
    manifest = entry.manifest()
    if not manifest.get("complete") and entry.path(LEGACY_PROGRESS).is_file():
        adopt_legacy(entry, count, width)
        manifest = entry.manifest()
    if not manifest.get("complete"):
        return False
    problem = entry.problem() or value_problem(entry.path(VECTORS), count, width)
    if problem is None and manifest.get("state", {}).get("rows") == count:
        return True
    logger.warning("the teacher-vector cache in %s is damaged (%s); computing it again", entry.folder,
                   problem or "another row count")
    entry.reset()
    return False


def adopt_legacy(entry: Entry, count: int, width: int) -> None:
    """A cache from the layout before the store (progress.json): a finished one is checked by its values and
    vouched for from now on; an unfinished one is computed again."""
    progress = json.loads(entry.path(LEGACY_PROGRESS).read_text())
    entry.path(LEGACY_PROGRESS).unlink()
    if progress.get("complete") and value_problem(entry.path(VECTORS), count, width) is None:
        entry.finish([VECTORS], {"rows": count, "width": width, "batch_size": progress.get("batch_size")})


def prepared(entry: Entry, count: int, width: int, batch_size: int, chunks: int) -> np.ndarray:
    """The done flag of every chunk, creating the vector file and flags when absent or of another layout."""
    state = {"rows": count, "width": width, "batch_size": batch_size, "chunks": chunks}
    if entry.state == state and entry.path(VECTORS).is_file() and entry.path(DONE).is_file():
        done = read_done(entry, chunks)
        if done.any():
            logger.info("resuming the teacher-vector cache: %d of %d chunks done", int(done.sum()), chunks)
        return done
    entry.reset()
    VectorFile.create(entry.path(VECTORS), (count, width), np.float16)
    entry.path(DONE).write_bytes(bytes(chunks))
    entry.save_state(state)
    return np.zeros(chunks, dtype=bool)


def read_done(entry: Entry, chunks: int) -> np.ndarray:
    flags = np.frombuffer(entry.path(DONE).read_bytes(), dtype=np.uint8)
    return flags[:chunks].astype(bool) if len(flags) >= chunks else np.zeros(chunks, dtype=bool)


def encode_pending(entry: Entry, tokens: TokenTable, chunks: list[np.ndarray], done: np.ndarray, encode: Callable,
                   pad_token_id: int, commit_every_seconds: float, shard: Shard) -> None:
    """Encode this shard's pending chunks, marking them done (after their rows are on disk) every few seconds."""
    # chunk i belongs to shard i mod count: the same split whenever a shard starts, whatever is done already
    mine = [index for index in range(shard.rank, len(chunks), shard.count) if not done[index]]
    vectors = VectorFile(entry.path(VECTORS), writable=True)
    flags = os.open(entry.path(DONE), os.O_RDWR)
    unmarked: list[int] = []
    last_commit = time.monotonic()
    try:
        for position, index in enumerate(tqdm(mine, desc="teacher vectors", disable=None)):  # a bar on a terminal
            rows = chunks[index]                                                        # (B,)
            vectors.write(rows, encode(*tokens.padded(rows, pad_token_id)).cpu().numpy())
            unmarked.append(int(index))
            if time.monotonic() - last_commit > commit_every_seconds or position == len(mine) - 1:
                vectors.sync()   # the rows first, then the flags that vouch for them
                for chunk in unmarked:   # the flag names who encoded it: 1 + rank (255 for ranks from 254)
                    os.pwrite(flags, bytes([min(shard.rank + 1, 255)]), chunk)
                os.fsync(flags)
                unmarked, last_commit = [], time.monotonic()
    finally:
        os.close(flags)


def finish(entry: Entry, count: int, width: int, batch_size: int, chunks: int) -> None:
    problem = value_problem(entry.path(VECTORS), count, width)
    if problem is not None:
        raise ModelError(f"the teacher vectors just computed in {entry.folder} are unusable: {problem}")
    encoded_by = np.bincount(np.frombuffer(entry.path(DONE).read_bytes(), np.uint8)[:chunks], minlength=2)[1:]
    entry.finish([VECTORS], {"rows": count, "width": width, "batch_size": batch_size, "chunks": chunks,
                             "chunks_by_process": encoded_by.tolist()})
    entry.path(DONE).unlink(missing_ok=True)

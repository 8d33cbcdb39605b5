"""Teacher outputs computed once and kept on disk.

Sentence vectors for SRA are stored as an fp16 `.npy` file, read and written by rows (`VectorFile`), so a
corpus larger than RAM works, a run's memory does not grow with the corpus, and a second run (another student,
loss or seed) reuses them. The folder name is a hash of
everything the vectors depend on: the teacher (its config and weight files), the corpus content, the
representation and the max length. Vectors are computed in length-sorted chunks (little padding);
progress is committed atomically every few chunks, so a killed run continues where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from datasets import Dataset
from filelock import FileLock
from tqdm.auto import tqdm

from bertdistill.data.features import streamed_column
from bertdistill.data.vector_file import VectorFile
from bertdistill.io import atomic_write_json

logger = logging.getLogger(__name__)

CACHE_VARIABLE = "BERTDISTILL_CACHE"


def default_cache_root() -> Path:
    return Path(os.environ.get(CACHE_VARIABLE, Path.home() / ".cache" / "bertdistill"))


def texts_fingerprint(texts: Dataset, column: str = "text") -> str:
    digest = hashlib.sha256()
    for batch in texts.iter(batch_size=10_000):
        for text in batch[column]:
            digest.update(text.encode("utf-8"))
            digest.update(b"\0")
    return digest.hexdigest()


def cache_key(**parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:20]


DIGEST_BLOCK = 65_536   # rows per digest: the check streams, and a damaged block is named


def block_digests(vectors: VectorFile, block: int = DIGEST_BLOCK) -> list[str]:
    """The SHA-256 of every block of rows, as stored when a cache is finished."""
    return [hashlib.sha256(rows.tobytes()).hexdigest() for _, rows in vectors.blocks(block)]


def cache_problem(vectors_path: Path, count: int, width: int, digests: list[str] | None = None,
                  block: int = DIGEST_BLOCK) -> tuple[str | None, list[str]]:
    """(why a finished vector cache cannot be trusted, or None; its per-block SHA-256 digests). Untrusted: a
    wrong shape or size, non-finite values or rows of zeros (a teacher's sentence vector is never all zeros),
    or any block whose bytes differ from the digest stored when the cache was finished (values changed in
    place, however plausible). Read in blocks, so memory stays flat; never raises."""
    found: list[str] = []
    try:
        vectors = VectorFile(vectors_path)
        if vectors.shape != (count, width):
            return f"shape {vectors.shape}, expected {(count, width)}", found
        expected_size = vectors.offset + count * vectors.row_bytes
        if vectors_path.stat().st_size != expected_size:
            return f"{vectors_path.stat().st_size} bytes, expected {expected_size} (truncated?)", found
        for number, (start, rows) in enumerate(vectors.blocks(block)):
            found.append(hashlib.sha256(rows.tobytes()).hexdigest())
            if digests is not None and (number >= len(digests) or digests[number] != found[-1]):
                return f"rows {start}-{start + len(rows) - 1} differ from the digest stored when it was finished", found
            rows = rows.astype(np.float32)                                              # (b, width)
            if not np.isfinite(rows).all():
                return f"non-finite values from row {start}", found
            zero = np.flatnonzero(~rows.any(axis=1))
            if zero.size:
                return f"{zero.size} rows of zeros from row {start + int(zero[0])}", found
    except (OSError, ValueError, EOFError) as error:
        return f"unreadable: {error}", found
    if digests is not None and len(digests) != len(found):
        return f"{len(found)} blocks, {len(digests)} digests stored", found
    return None, found


def sequence_lengths(token_ids: Dataset) -> np.ndarray:
    """(N,) word pieces per row, read a block at a time (the column as Python lists would grow with the corpus)."""
    return np.fromiter((len(ids) for ids in streamed_column(token_ids, "input_ids")), dtype=np.int64,
                       count=len(token_ids))


def padded_batch(sequences: list[list[int]], pad_token_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Token id lists -> right-padded (B, T) ids and attention mask, in one scatter (no Python loop per row)."""
    lengths = np.fromiter((len(sequence) for sequence in sequences), dtype=np.int64, count=len(sequences))  # (B,)
    width = int(lengths.max()) if len(sequences) else 0
    mask = np.arange(width) < lengths[:, None]                                        # (B, T)
    input_ids = np.full((len(sequences), width), pad_token_id, dtype=np.int64)        # (B, T)
    input_ids[mask] = np.fromiter((token for sequence in sequences for token in sequence), dtype=np.int64,
                                  count=int(lengths.sum()))
    return torch.from_numpy(input_ids), torch.from_numpy(mask.astype(np.int64))


def compute_vector_cache(
    directory: Path,
    token_ids: Dataset,
    encode: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    width: int,
    pad_token_id: int,
    batch_size: int = 256,
    description: dict[str, Any] | None = None,
    commit_every_seconds: float = 20.0,
) -> VectorFile:
    """Fill (or reuse) `directory/vectors.npy`, (N, width) fp16, row i for row i of `token_ids`.

    `encode(input_ids, attention_mask) -> (B, width)` is the teacher. Returns the file, read-only.
    """
    directory.mkdir(parents=True, exist_ok=True)
    # one writer at a time: a second run on the same corpus waits, then finds the cache complete (a run
    # that found it half-done continues it), instead of truncating the first run's work
    with FileLock(str(directory / ".lock")):
        return fill_vector_cache(directory, token_ids, encode, width, pad_token_id, batch_size, description,
                                 commit_every_seconds)


def fill_vector_cache(directory: Path, token_ids: Dataset, encode: Callable, width: int, pad_token_id: int,
                      batch_size: int, description: dict[str, Any] | None, commit_every_seconds: float) -> VectorFile:
    """`compute_vector_cache`'s work, done under its lock."""
    vectors_path, progress_path = directory / "vectors.npy", directory / "progress.json"
    count = len(token_ids)
    progress = json.loads(progress_path.read_text()) if progress_path.is_file() else None
    if progress and progress.get("complete") and progress.get("rows") == count:
        problem, digests = cache_problem(vectors_path, count, width, progress.get("digests"))
        if problem is None:
            if "digests" not in progress:   # finished before digests were kept: vouched for from now on
                atomic_write_json(progress_path, {**progress, "digests": digests})
            logger.info("reusing cached teacher vectors in %s", directory)
            return VectorFile(vectors_path)
        logger.warning("the teacher-vector cache in %s is damaged (%s); computing it again", directory, problem)
        progress = None

    lengths = sequence_lengths(token_ids)
    order = np.argsort(lengths, kind="stable")                       # grouped by length: little padding
    chunks = [order[start : start + batch_size] for start in range(0, count, batch_size)]
    resuming = (progress is not None and progress.get("rows") == count and progress.get("width") == width
                and vectors_path.is_file())
    done = progress["chunks_done"] if resuming else 0
    vectors = (VectorFile(vectors_path, writable=True) if resuming
               else VectorFile.create(vectors_path, (count, width), np.float16))
    if resuming and done:
        logger.info("resuming the teacher-vector cache at chunk %d of %d", done, len(chunks))
    state = {"rows": count, "width": width, "batch_size": batch_size, "chunks": len(chunks),
             "chunks_done": done, "complete": False, **(description or {})}
    last_commit = time.monotonic()
    for index in tqdm(range(done, len(chunks)), initial=done, total=len(chunks), desc="teacher vectors",
                      disable=None):  # a bar on a terminal, quiet in logs
        rows = chunks[index]
        input_ids, attention_mask = padded_batch(token_ids[[int(row) for row in rows]]["input_ids"], pad_token_id)
        vectors.write(rows, encode(input_ids, attention_mask).cpu().numpy())             # rows: (B,)
        if time.monotonic() - last_commit > commit_every_seconds or index == len(chunks) - 1:
            vectors.sync()  # data first, then the progress that vouches for it
            state["chunks_done"] = index + 1
            if index == len(chunks) - 1:
                state["digests"] = block_digests(VectorFile(vectors_path))
            state["complete"] = index == len(chunks) - 1
            atomic_write_json(progress_path, state)
            last_commit = time.monotonic()
    if not chunks:
        atomic_write_json(progress_path, {**state, "complete": True, "digests": []})
    del vectors
    return VectorFile(vectors_path)

"""A `.npy` matrix on disk, read and written by rows with positional file I/O instead of a memory map.

Why not `np.load(mmap_mode=...)`: every page of a memory map that a run touches stays in its resident set, so a
training run that visits every row of a 400k x 384 cache shows the whole file in its memory; reads and writes
by offset go through the page cache without mapping it, and the run's memory stays flat as the corpus grows.
The file is a standard `.npy` file (`np.load` reads it).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np


class VectorFile:
    """Rows of a 2-D `.npy` file. Index with a row number, a slice or an array of row numbers, like an array."""

    def __init__(self, path: str | Path, writable: bool = False) -> None:
        self.path = Path(path)
        self.writable = writable
        with open(self.path, "rb") as stream:
            version = np.lib.format.read_magic(stream)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, fortran_order, dtype = read_header(stream)
            self.offset = stream.tell()
        if len(shape) != 2 or fortran_order:
            raise ValueError(f"{self.path}: expected a C-ordered 2-D array, found shape {shape}")
        self.shape: tuple[int, int] = shape
        self.dtype = np.dtype(dtype)
        self.row_bytes = self.dtype.itemsize * shape[1]
        self._descriptor: int | None = None
        self._process: int | None = None

    @classmethod
    def create(cls, path: str | Path, shape: tuple[int, int], dtype: np.dtype | type = np.float16) -> VectorFile:
        """A new file of zeros (sparse on disk until written)."""
        np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=shape).flush()
        return cls(path, writable=True)

    def __len__(self) -> int:
        return self.shape[0]

    def _file(self) -> int:
        # a descriptor per process: data-loader workers and forked processes open their own
        if self._descriptor is None or self._process != os.getpid():
            self._descriptor = os.open(self.path, os.O_RDWR if self.writable else os.O_RDONLY)
            self._process = os.getpid()
        return self._descriptor

    def _row_numbers(self, key) -> np.ndarray:
        if isinstance(key, slice):
            return np.arange(*key.indices(len(self)))
        rows = np.atleast_1d(np.asarray(key, dtype=np.int64))
        if rows.size and (rows.min() < -len(self) or rows.max() >= len(self)):
            raise IndexError(f"row out of range for {len(self)} rows")
        return np.where(rows < 0, rows + len(self), rows)

    def __getitem__(self, key) -> np.ndarray:
        rows = self._row_numbers(key)
        out = np.empty((rows.size, self.shape[1]), dtype=self.dtype)                   # (R, d)
        descriptor = self._file()
        start = 0
        while start < rows.size:  # one read per run of consecutive rows
            stop = start + 1
            while stop < rows.size and rows[stop] == rows[stop - 1] + 1:
                stop += 1
            data = os.pread(descriptor, self.row_bytes * (stop - start), self.offset + int(rows[start]) * self.row_bytes)
            out[start:stop] = np.frombuffer(data, dtype=self.dtype).reshape(stop - start, self.shape[1])
            start = stop
        return out[0] if np.ndim(key) == 0 and not isinstance(key, slice) else out

    def write(self, rows: np.ndarray, values: np.ndarray) -> None:
        """values[i] -> row rows[i]; values: (R, d)."""
        values = np.ascontiguousarray(values, dtype=self.dtype)
        descriptor = self._file()
        for row, value in zip(np.asarray(rows, dtype=np.int64), values, strict=True):
            os.pwrite(descriptor, value.tobytes(), self.offset + int(row) * self.row_bytes)

    def sync(self) -> None:
        """Written rows reach the disk before anything that vouches for them."""
        if self._descriptor is not None and self._process == os.getpid():
            os.fsync(self._descriptor)

    def blocks(self, block: int = 65_536):
        """(start, rows (b, d)) over the whole file, a block at a time."""
        for start in range(0, len(self), block):
            yield start, self[start : start + block]

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        whole = self[:]
        return whole if dtype is None else whole.astype(dtype)

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_descriptor": None, "_process": None}

    def __del__(self) -> None:
        if getattr(self, "_descriptor", None) is not None and self._process == os.getpid():
            os.close(self._descriptor)


def machine_memory() -> int:
    """Bytes of physical memory (Linux and macOS: sysconf)."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def held_in_memory(vectors: VectorFile | StackedVectors, share: float) -> np.ndarray | VectorFile | StackedVectors:
    """The rows read into RAM when they take at most `share` of the machine's memory (a batch's targets are then
    a gather, not one read per row); else the file, read by rows, so memory stays flat for any corpus."""
    size = len(vectors) * vectors.shape[1] * vectors.dtype.itemsize
    if size == 0 or size > share * machine_memory():
        return vectors
    return vectors[np.arange(len(vectors))]                                              # (N, d)


class StackedVectors:
    """Row files of one width read as one, end to end: row i is row i - start of the file that holds it."""

    def __init__(self, parts: list[VectorFile]) -> None:
        if not parts or len({part.shape[1] for part in parts}) != 1:
            raise ValueError(f"need one or more row files of one width, got shapes {[part.shape for part in parts]}")
        self.parts = parts
        self.starts = np.cumsum([0] + [len(part) for part in parts])                    # (P + 1,)
        self.shape: tuple[int, int] = (int(self.starts[-1]), parts[0].shape[1])
        self.dtype = parts[0].dtype

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key) -> np.ndarray:
        rows = np.arange(len(self))[key] if isinstance(key, slice) else np.atleast_1d(np.asarray(key, dtype=np.int64))
        if rows.size and (rows.min() < -len(self) or rows.max() >= len(self)):
            raise IndexError(f"row out of range for {len(self)} rows")
        rows = np.where(rows < 0, rows + len(self), rows)                                 # (R,)
        part_of_row = np.searchsorted(self.starts, rows, side="right") - 1               # (R,)
        out = np.empty((rows.size, self.shape[1]), dtype=self.dtype)                     # (R, d)
        for part in np.unique(part_of_row):
            chosen = part_of_row == part
            out[chosen] = self.parts[part][rows[chosen] - self.starts[part]]
        return out[0] if np.ndim(key) == 0 and not isinstance(key, slice) else out

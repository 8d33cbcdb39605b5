"""The token ids of a tokenised corpus as one flat array and row offsets, and padded batches gathered from them.

Arrow already stores a list column this way (values + offsets); reading rows through `datasets` instead builds a
Python dict and list per row, which at a few hundred rows a batch costs more than a small student's step. Here a
batch of row numbers becomes its (B, T) ids and mask in a handful of numpy operations. The table holds the ids in
memory, about 4 bytes per word piece (30M for a million sentences of 30 pieces); the teacher's vectors of the
same rows take 25x that.
"""

from __future__ import annotations

import numpy as np
import torch
from datasets import Dataset


class TokenTable:
    """Row i's ids are `values[offsets[i]:offsets[i + 1]]`."""

    def __init__(self, values: np.ndarray, offsets: np.ndarray) -> None:
        self.values = values                                      # (total word pieces,)
        self.offsets = offsets.astype(np.int64, copy=False)       # (N + 1,)
        self.lengths = np.diff(self.offsets)                      # (N,) word pieces per row

    @classmethod
    def of(cls, dataset: Dataset, column: str = "input_ids") -> TokenTable:
        """The column of every row of `dataset`, in its row order (a `select`ed dataset's rows included)."""
        ids = dataset.with_format("arrow")[:][column].combine_chunks()   # one ListArray, offsets into its values
        return cls(ids.values.to_numpy(zero_copy_only=False), ids.offsets.to_numpy(zero_copy_only=False))

    def __len__(self) -> int:
        return len(self.lengths)

    def padded(self, rows: np.ndarray, pad_token_id: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Rows -> right-padded (B, T) ids and attention mask (int64), T the longest row of the batch."""
        rows = np.asarray(rows, dtype=np.int64)                                        # (B,)
        starts, lengths = self.offsets[rows], self.lengths[rows]                       # (B,) each
        width = int(lengths.max()) if len(rows) else 0
        steps = np.arange(width)                                                       # (T,)
        mask = steps < lengths[:, None]                                                # (B, T)
        positions = np.where(mask, starts[:, None] + steps, 0)                         # (B, T) into values
        input_ids = np.where(mask, self.values[positions] if len(self.values) else 0, pad_token_id)
        return torch.from_numpy(input_ids.astype(np.int64)), torch.from_numpy(mask.astype(np.int64))


class TableRows(torch.utils.data.Dataset):
    """Some rows of a `TokenTable` as a training or evaluation set: an item is a row number, and a batch of them
    (`__getitems__`, which the data loader calls) is one array for the collator to gather."""

    def __init__(self, table: TokenTable, rows: np.ndarray) -> None:
        self.table = table
        self.rows = np.asarray(rows, dtype=np.int64)              # (n,) rows of the table

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> int:
        return int(self.rows[index])

    def __getitems__(self, indices: list[int]) -> np.ndarray:
        return self.rows[np.asarray(indices, dtype=np.int64)]                         # (B,)

    @property
    def lengths(self) -> np.ndarray:
        """(n,) word pieces of each row: what length-grouped batching sorts by."""
        return self.table.lengths[self.rows]

    def select(self, positions) -> TableRows:
        return TableRows(self.table, self.rows[np.asarray(positions, dtype=np.int64)])

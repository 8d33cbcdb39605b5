"""Tokenisation of task datasets into model inputs (padding is left to the collator, per batch)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from datasets import Dataset, Value
from transformers import PreTrainedTokenizerBase


def tokenize_dataset(dataset: Dataset, tokenizer: PreTrainedTokenizerBase, max_length: int) -> Dataset:
    """`text` (+ `text_pair`) -> `input_ids`, `attention_mask`, `token_type_ids`; `label` -> `labels`.

    Over-long inputs are truncated to `max_length` pieces (pairs: the longer side first).
    """
    is_pair = "text_pair" in dataset.column_names

    def encode(batch: dict[str, list]) -> dict[str, list]:
        return tokenizer(
            batch["text"],
            batch["text_pair"] if is_pair else None,
            truncation="longest_first",
            max_length=max_length,
        )

    text_columns = [column for column in ("text", "text_pair") if column in dataset.column_names]
    encoded = dataset.map(encode, batched=True, remove_columns=text_columns, desc="tokenizing")
    if "label" in encoded.column_names:
        encoded = encoded.rename_column("label", "labels")
        if encoded.features["labels"].dtype.startswith("float"):
            encoded = encoded.cast_column("labels", Value("float32"))  # regression targets match fp32 logits
    return encoded


def with_lengths(features: Dataset) -> Dataset:
    """Adds `length` (word pieces per row), which `group_by_length` batching reads."""
    return features.map(lambda batch: {"length": [len(ids) for ids in batch["input_ids"]]}, batched=True)


def streamed_column(dataset: Dataset, column: str, block: int = 10_000) -> Iterator[Any]:
    """The values of one column, read from disk a block at a time (memory does not grow with the corpus)."""
    for batch in dataset.select_columns([column]).iter(batch_size=block):
        yield from batch[column]

"""Validated examples -> a `datasets.Dataset` with columns `text`, `text_pair` (pairs) and `label`.

Every source (GLUE TSV, the hub, custom files) goes through `build_dataset`, so the same checks
apply everywhere: no empty text, labels inside the task's label set, numeric regression targets.
Problems are reported with the record's location ("file, line N").
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable

from datasets import Dataset

from bertdistill.data.tasks import TaskSpec
from bertdistill.errors import DataError


@dataclasses.dataclass(frozen=True)
class Record:
    """One raw example and where it came from (used in error messages)."""

    where: str
    text: str | None
    pair: str | None = None
    label: str | int | float | None = None


def build_dataset(
    records: Iterable[Record],
    spec: TaskSpec,
    source: str,
    label_values: tuple[str, ...] | None = None,
    with_labels: bool = True,
) -> Dataset:
    """Check every record and build the dataset.

    `label_values` are the label spellings used by the source, aligned with `spec.labels`
    (GLUE's CoLA writes "0"/"1" for "unacceptable"/"acceptable"); they default to the names.
    Integer labels (as the hub gives them) are taken as indices into `spec.labels`.
    """
    label_values = label_values or spec.labels
    label_index = None if label_values is None else {value: index for index, value in enumerate(label_values)}
    columns: dict[str, list] = {"text": []}
    if spec.is_pair:
        columns["text_pair"] = []
    if with_labels:
        columns["label"] = []
    for record in records:
        columns["text"].append(_clean_text(record.text, record.where, spec.text_column))
        if spec.is_pair:
            columns["text_pair"].append(_clean_text(record.pair, record.where, spec.pair_column))
        if with_labels:
            columns["label"].append(_label(record, spec, label_index))
    if not columns["text"]:
        raise DataError(f"{source}: no examples")
    return Dataset.from_dict(columns)


def _clean_text(text: str | None, where: str, column: str | None) -> str:
    if text is None:
        raise DataError(f"{where}: missing column {column!r}")
    text = text.strip()
    if not text:
        raise DataError(f"{where}: empty or whitespace-only text in column {column!r}")
    return text


def _label(record: Record, spec: TaskSpec, label_index: dict[str, int] | None) -> int | float:
    value = record.label
    if value is None or (isinstance(value, str) and not value.strip()):
        raise DataError(f"{record.where}: missing label (column {spec.label_column!r})")
    if spec.is_regression:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise DataError(f"{record.where}: label {value!r} is not a number (regression task)") from None
        if not math.isfinite(number):
            raise DataError(f"{record.where}: label {value!r} is not a finite number")
        return number
    assert label_index is not None and spec.labels is not None
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value < len(spec.labels):
            return value
        raise DataError(f"{record.where}: label index {value} outside the label set {list(spec.labels)}")
    key = str(value).strip()
    if key not in label_index:
        raise DataError(f"{record.where}: unknown label {key!r}; the label set is {list(label_index)}")
    return label_index[key]

"""User data in CSV, TSV or JSONL files: one text column, an optional pair column and a label column."""

from __future__ import annotations

from pathlib import Path

from datasets import Dataset

from bertdistill.data.examples import Record, build_dataset
from bertdistill.data.readers import Table, read_table
from bertdistill.data.tasks import TaskSpec, custom_task
from bertdistill.data.text_check import check_text
from bertdistill.errors import DataError


def infer_labels(table: Table, label_column: str) -> list[str]:
    """The label set of a classification task: the distinct values of the training file, sorted
    (numerically when every value is an integer, so "2" comes before "10")."""
    values = {row.fields.get(label_column, "").strip() for row in table.rows}
    values.discard("")
    if len(values) < 2:
        raise DataError(f"{table.path}: column {label_column!r} has {len(values)} distinct label(s); need at least 2")
    integers = {value for value in values if value.lstrip("-").isdigit()}
    if integers == values:
        return sorted(values, key=int)
    odd = values - integers
    if len(integers) >= 2 and len(odd) <= max(1, len(values) // 5):
        # integer classes with a stray word among them ("positive" among 0/1) is a typo, not a new class
        rows = [row for row in table.rows if row.fields.get(label_column, "").strip() in odd]
        raise DataError(f"{table.path}, line {rows[0].line}: label {rows[0].fields[label_column].strip()!r} among "
                        f"integer labels {sorted(integers, key=int)}; fix the label (or use words for every class)")
    return sorted(values)


def custom_spec_from_train_file(
    train_file: str | Path,
    text_column: str,
    pair_column: str | None,
    label_column: str,
    regression: bool,
    name: str = "custom",
) -> tuple[TaskSpec, Table]:
    table = read_table(train_file)
    table.require_columns(text_column, pair_column, label_column)
    labels = None if regression else infer_labels(table, label_column)
    return custom_task(labels, text_column, pair_column, label_column, name=name), table


def dataset_from_table(table: Table, spec: TaskSpec, with_labels: bool = True) -> Dataset:
    columns = (spec.text_column, spec.pair_column, spec.label_column if with_labels else None)
    table.require_columns(*columns)
    check_text(((row.line, row.fields.get(spec.text_column, "")) for row in table.rows),
               f"{table.path}, column {spec.text_column!r}")
    records = (
        Record(
            where=f"{table.path}, line {row.line}",
            text=row.fields.get(spec.text_column),
            pair=row.fields.get(spec.pair_column) if spec.pair_column else None,
            label=row.fields.get(spec.label_column) if with_labels else None,
        )
        for row in table.rows
    )
    return build_dataset(records, spec, str(table.path), with_labels=with_labels)


def load_custom_file(path: str | Path, spec: TaskSpec, with_labels: bool = True) -> Dataset:
    return dataset_from_table(read_table(path), spec, with_labels=with_labels)  # columns checked there

"""Strict readers for TSV, CSV and JSONL files that report problems by file and line.

Every reader decodes UTF-8 itself (so a bad byte is reported with its line number instead of a
UnicodeDecodeError from deep inside a library) and returns `Row`s that remember their line.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from bertdistill.errors import DataError

FileFormat = Literal["tsv", "csv", "jsonl"]


@dataclasses.dataclass(frozen=True)
class Row:
    """One record of a file: its 1-based line number and its fields by column name."""

    line: int
    fields: dict[str, str]


@dataclasses.dataclass(frozen=True)
class Table:
    path: Path
    columns: tuple[str, ...]
    rows: list[Row]

    def require_columns(self, *columns: str | None) -> None:
        missing = [column for column in columns if column is not None and column not in self.columns]
        if missing:
            raise DataError(
                f"{self.path}: missing column(s) {missing}; the file has columns {list(self.columns)}"
            )


def detect_format(path: str | Path) -> FileFormat:
    suffixes = [suffix.lower() for suffix in Path(path).suffixes]
    for suffix in reversed(suffixes):
        if suffix in (".tsv", ".tab"):
            return "tsv"
        if suffix == ".csv":
            return "csv"
        if suffix in (".jsonl", ".json", ".ndjson"):
            return "jsonl"
    raise DataError(f"{path}: cannot tell the format from the file name; use .csv, .tsv or .jsonl")


def read_utf8(path: str | Path) -> str:
    """Read a whole file as UTF-8 (a leading BOM is dropped); bad bytes name their line."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise DataError(
            f"{path}, line {line}: not valid UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start}); "
            "re-encode the file as UTF-8"
        ) from None


def read_delimited_lines(path: str | Path) -> list[tuple[int, list[str]]]:
    """Split a tab-separated file with quoting off (as GLUE's own readers do): (line, fields) pairs.

    Blank lines are kept as `[""]`; callers decide whether they are an error.
    """
    text = read_utf8(path)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the trailing newline
    return [(number, line.rstrip("\r").split("\t")) for number, line in enumerate(lines, start=1)]


def read_table(path: str | Path, file_format: FileFormat | None = None) -> Table:
    """Read a CSV, TSV (quoting off) or JSONL file whose first line (or every object) names the columns."""
    path = Path(path)
    file_format = file_format or detect_format(path)
    if file_format == "jsonl":
        return _read_jsonl(path)
    spans: dict[int, int] = {}   # a CSV record's first line -> its last (quoted fields may hold newlines)
    numbered = read_delimited_lines(path) if file_format == "tsv" else read_csv_records(path, spans)
    if not numbered:
        raise DataError(f"{path}: the file is empty")
    header_line, header = numbered[0]
    header = [name.strip() for name in header]
    if any(not name for name in header) or len(set(header)) != len(header):
        raise DataError(f"{path}, line {header_line}: bad header {header}; expected unique, non-empty column names")
    rows = []
    for line, fields in numbered[1:]:
        if fields == [""]:
            raise DataError(f"{path}, line {line}: empty line")
        if len(fields) != len(header):
            spanned = (f"; the record runs on to line {spans[line]}: is a quote on line {line} left open?"
                       if spans.get(line, line) != line else "")
            raise DataError(f"{path}, line {line}: expected {len(header)} fields ({header}), found {len(fields)}"
                            + spanned)
        rows.append(Row(line, dict(zip(header, fields))))
    if not rows:
        raise DataError(f"{path}: only a header line ({header}), no examples")
    return Table(path, tuple(header), rows)


def read_csv_records(path: Path, spans: dict[int, int]) -> list[tuple[int, list[str]]]:
    """(first line, fields) per CSV record; `spans` gets each record's last line. An error names the line the
    broken record starts on (an unclosed quote runs on to the end of the file)."""
    reader = csv.reader(io.StringIO(read_utf8(path), newline=""))
    numbered = []
    start = 1
    try:
        for fields in reader:
            numbered.append((start, fields if fields else [""]))
            spans[start] = reader.line_num
            start = reader.line_num + 1
    except csv.Error as error:
        raise DataError(f"{path}, line {start}: malformed CSV ({error}); is a quote on line {start} left "
                        "open?") from None
    return numbered


def _read_jsonl(path: Path) -> Table:
    rows, columns = [], []
    for row in iterate_jsonl(path):
        columns.extend(key for key in row.fields if key not in columns)
        rows.append(row)
    if not rows:
        raise DataError(f"{path}: the file is empty")
    return Table(path, tuple(columns), rows)


def iterate_jsonl(path: str | Path) -> Iterator[Row]:
    """The objects of a JSONL file one line at a time (memory does not grow with the file); the same checks
    as `read_table`: UTF-8, no blank line inside the file, one JSON object per line."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    blank = None
    with open(path, "rb") as stream:
        for line, raw in enumerate(stream, start=1):
            try:
                text = raw.decode("utf-8-sig" if line == 1 else "utf-8")
            except UnicodeDecodeError as error:
                raise DataError(f"{path}, line {line}: not valid UTF-8 (byte 0x{raw[error.start]:02x}); "
                                "re-encode the file as UTF-8") from None
            if not text.strip():
                blank = blank or line   # an error only if a record follows (trailing blank lines are fine)
                continue
            if blank is not None:
                raise DataError(f"{path}, line {blank}: empty line")
            try:
                record = json.loads(text)
            except json.JSONDecodeError as error:
                raise DataError(f"{path}, line {line}: invalid JSON ({error.msg})") from None
            if not isinstance(record, dict):
                raise DataError(f"{path}, line {line}: expected a JSON object, got {type(record).__name__}")
            yield Row(line, {key: _json_field(value) for key, value in record.items()})


def _json_field(value: object) -> str:
    """JSON values as the strings the other readers produce (numbers keep their JSON spelling)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value)

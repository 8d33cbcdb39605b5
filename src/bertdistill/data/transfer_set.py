"""A transfer set on disk: JSONL (`text`, `text_pair` for pairs, `source`) plus a `.meta.json` beside it
that records how it was made (augmentation settings, tagger, task, counts), so it can be reused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bertdistill.data.augmentation import TransferExample
from bertdistill.data.readers import read_table
from bertdistill.errors import DataError
from bertdistill.io import atomic_write_json, atomic_write_text


def metadata_path(path: str | Path) -> Path:
    path = Path(path)
    return path.with_name(path.name.removesuffix(".jsonl") + ".meta.json")


def write_transfer_set(path: str | Path, examples: list[TransferExample], metadata: dict[str, Any]) -> None:
    """Both files are written atomically; the metadata last, so its presence marks a complete set."""
    lines = []
    for example in examples:
        row: dict[str, Any] = {"text": example.text}
        if example.text_pair is not None:
            row["text_pair"] = example.text_pair
        row["source"] = example.source
        lines.append(json.dumps(row, ensure_ascii=False))
    atomic_write_text(path, "".join(line + "\n" for line in lines))
    atomic_write_json(metadata_path(path), {**metadata, "examples": len(examples)})


def read_transfer_set(path: str | Path, is_pair: bool) -> list[TransferExample]:
    """Read a transfer set written by `bertdistill augment` (or by hand: `text`, `text_pair`, `source`)."""
    table = read_table(path, "jsonl")
    if not table.rows:
        raise DataError(f"{path}: the transfer set is empty")
    table.require_columns("text", "text_pair" if is_pair else None)
    examples = []
    for row in table.rows:
        text, pair = row.fields.get("text", ""), row.fields.get("text_pair") if is_pair else None
        if not text.strip() or (is_pair and not (pair or "").strip()):
            raise DataError(f"{path}, line {row.line}: empty text in the transfer set")
        try:
            source = int(row.fields.get("source", -1))
        except ValueError:
            raise DataError(f"{path}, line {row.line}: `source` must be an integer row number") from None
        examples.append(TransferExample(text, pair, source))
    return examples


def read_metadata(path: str | Path) -> dict[str, Any] | None:
    meta = metadata_path(path)
    return json.loads(meta.read_text(encoding="utf-8")) if meta.is_file() else None

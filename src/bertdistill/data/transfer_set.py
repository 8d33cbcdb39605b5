"""A transfer set on disk: JSONL (`text`, `text_pair` for pairs, `source`) plus a `.meta.json` beside it
that records how it was made (augmentation settings, tagger, task, counts), so it can be reused."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from datasets import Dataset, Features, Value

from bertdistill.data.augmentation import TransferExample
from bertdistill.data.readers import iterate_jsonl
from bertdistill.data.store import Store
from bertdistill.data.text_check import check_text
from bertdistill.errors import DataError
from bertdistill.io import atomic_write_json, atomic_writer


def metadata_path(path: str | Path) -> Path:
    path = Path(path)
    return path.with_name(path.name.removesuffix(".jsonl") + ".meta.json")


def write_transfer_set(path: str | Path, examples: Iterable[TransferExample], metadata: dict[str, Any],
                       when_empty: str | None = None) -> int:
    """Stream `examples` into `path` (atomically: nothing appears unless every example was written), then the
    metadata, whose presence marks a complete set; returns the count. With `when_empty`, an empty set is
    that error instead of a file."""
    count = 0
    with atomic_writer(path) as stream:
        for example in examples:
            row: dict[str, Any] = {"text": example.text}
            if example.text_pair is not None:
                row["text_pair"] = example.text_pair
            row["source"] = example.source
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
        if count == 0 and when_empty:
            raise DataError(when_empty)
    atomic_write_json(metadata_path(path), {**metadata, "examples": count})
    return count


def checked_examples(path: str | Path, is_pair: bool) -> Iterator[dict[str, Any]]:
    """The rows of a transfer set file, one line at a time, each checked (text, pair, integer source)."""
    for row in iterate_jsonl(path):
        text, pair = row.fields.get("text", ""), row.fields.get("text_pair") if is_pair else None
        if "text" not in row.fields or (is_pair and "text_pair" not in row.fields):
            missing = "text" if "text" not in row.fields else "text_pair"
            raise DataError(f"{path}, line {row.line}: no `{missing}` field; a transfer set has `text`"
                            f"{', `text_pair`' if is_pair else ''} and `source`")
        if not text.strip() or (is_pair and not (pair or "").strip()):
            raise DataError(f"{path}, line {row.line}: empty text in the transfer set")
        try:
            source = int(row.fields.get("source", -1))
        except ValueError:
            raise DataError(f"{path}, line {row.line}: `source` must be an integer row number") from None
        yield {"text": text, "text_pair": pair, "source": source}


def read_transfer_set(path: str | Path, is_pair: bool, cache_root: str | Path | None = None) -> Dataset:
    """A transfer set written by `bertdistill augment` (or by hand: `text`, `text_pair`, `source`), every line
    checked first, as an Arrow dataset on disk (memory-mapped: it may be many times the training set), kept in
    the store (`transfer-sets`, keyed by the file's path, size and modification time) and digest-checked when
    reused."""
    if sum(1 for _ in checked_examples(path, is_pair)) == 0:   # every line checked before anything is built
        raise DataError(f"{path}: the transfer set is empty")
    check_text(((row.line, row.fields.get("text", "")) for row in iterate_jsonl(path)), str(path))
    stat = Path(path).stat()
    stamp = (stat.st_size, stat.st_mtime_ns)
    entry = Store(cache_root).entry("transfer-sets", description={"file": str(path)},
                                    path=str(Path(path).resolve()), stamp=stamp, is_pair=is_pair)
    features = Features({"text": Value("string"), "text_pair": Value("string"), "source": Value("int64")})
    with entry.writing():
        if entry.manifest() and not entry.complete:
            entry.reset()   # damaged or unfinished: read the file again
        dataset = Dataset.from_generator(_rows, features=features, cache_dir=str(entry.folder),
                                         gen_kwargs={"path": str(path), "is_pair": is_pair, "stamp": stamp})
        if not entry.manifest().get("complete"):
            entry.finish([str(Path(item["filename"]).relative_to(entry.folder)) for item in dataset.cache_files])
    return dataset if is_pair else dataset.remove_columns("text_pair")


def _rows(path: str, is_pair: bool, stamp: tuple) -> Iterator[dict[str, Any]]:
    yield from checked_examples(path, is_pair)   # `stamp` keys datasets' cache to this version of the file


def read_metadata(path: str | Path) -> dict[str, Any] | None:
    meta = metadata_path(path)
    return json.loads(meta.read_text(encoding="utf-8")) if meta.is_file() else None

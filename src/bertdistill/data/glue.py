"""The nine GLUE tasks: columns, label sets, official metrics, and their two sources.

* Hugging Face hub: `datasets.load_dataset("nyu-mll/glue", config)`, when online.
* A local folder in the original `glue_data` layout (`CoLA/train.tsv`, `MNLI/dev_matched.tsv`, ...),
  read with quoting off as GLUE's own processors do. CoLA has no header; MRPC's header starts with a
  BOM; MNLI has matched and mismatched dev files; QQP has a few malformed rows, skipped with a count.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from datasets import Dataset

from bertdistill.data.examples import Record, build_dataset
from bertdistill.data.readers import read_delimited_lines
from bertdistill.data.tasks import TaskSpec
from bertdistill.errors import DataError

logger = logging.getLogger(__name__)

HUB_DATASET = "nyu-mll/glue"


@dataclasses.dataclass(frozen=True)
class GlueTask:
    """A GLUE task and how to read it. Local fields are header names, or column indices (CoLA)."""

    spec: TaskSpec
    folder: str
    local_text: str | int
    local_pair: str | int | None
    local_label: str | int
    local_label_values: tuple[str, ...] | None
    hub_text: str
    hub_pair: str | None
    dev_splits: tuple[tuple[str, str, str], ...] = (("dev", "dev.tsv", "validation"),)
    has_header: bool = True
    headerless_width: int = 0
    skip_malformed: bool = False


def _spec(name: str, labels, pair: bool, metrics: tuple[str, ...], primary: str) -> TaskSpec:
    return TaskSpec(
        name=name,
        labels=labels,
        is_pair=pair,
        metrics=metrics,
        primary_metric=primary,
        text_column="sentence1" if pair else "sentence",
        pair_column="sentence2" if pair else None,
        label_column="label",
    )


ENTAILMENT = ("entailment", "not_entailment")

GLUE_TASKS: dict[str, GlueTask] = {
    "cola": GlueTask(
        _spec("cola", ("unacceptable", "acceptable"), False, ("matthews_correlation",), "matthews_correlation"),
        folder="CoLA", local_text=3, local_pair=None, local_label=1, local_label_values=("0", "1"),
        hub_text="sentence", hub_pair=None, has_header=False, headerless_width=4,
    ),
    "sst2": GlueTask(
        _spec("sst2", ("negative", "positive"), False, ("accuracy",), "accuracy"),
        folder="SST-2", local_text="sentence", local_pair=None, local_label="label", local_label_values=("0", "1"),
        hub_text="sentence", hub_pair=None,
    ),
    "mrpc": GlueTask(
        _spec("mrpc", ("not_equivalent", "equivalent"), True, ("f1", "accuracy"), "f1"),
        folder="MRPC", local_text="#1 String", local_pair="#2 String", local_label="Quality",
        local_label_values=("0", "1"), hub_text="sentence1", hub_pair="sentence2",
    ),
    "stsb": GlueTask(
        _spec("stsb", None, True, ("pearson", "spearman"), "spearman"),
        folder="STS-B", local_text="sentence1", local_pair="sentence2", local_label="score",
        local_label_values=None, hub_text="sentence1", hub_pair="sentence2",
    ),
    "qqp": GlueTask(
        _spec("qqp", ("not_duplicate", "duplicate"), True, ("f1", "accuracy"), "f1"),
        folder="QQP", local_text="question1", local_pair="question2", local_label="is_duplicate",
        local_label_values=("0", "1"), hub_text="question1", hub_pair="question2", skip_malformed=True,
    ),
    "mnli": GlueTask(
        _spec("mnli", ("entailment", "neutral", "contradiction"), True, ("accuracy",), "accuracy"),
        folder="MNLI", local_text="sentence1", local_pair="sentence2", local_label="gold_label",
        local_label_values=None, hub_text="premise", hub_pair="hypothesis",
        dev_splits=(
            ("dev_matched", "dev_matched.tsv", "validation_matched"),
            ("dev_mismatched", "dev_mismatched.tsv", "validation_mismatched"),
        ),
    ),
    "qnli": GlueTask(
        _spec("qnli", ENTAILMENT, True, ("accuracy",), "accuracy"),
        folder="QNLI", local_text="question", local_pair="sentence", local_label="label",
        local_label_values=None, hub_text="question", hub_pair="sentence",
    ),
    "rte": GlueTask(
        _spec("rte", ENTAILMENT, True, ("accuracy",), "accuracy"),
        folder="RTE", local_text="sentence1", local_pair="sentence2", local_label="label",
        local_label_values=None, hub_text="sentence1", hub_pair="sentence2",
    ),
    "wnli": GlueTask(
        _spec("wnli", ("not_entailment", "entailment"), True, ("accuracy",), "accuracy"),
        folder="WNLI", local_text="sentence1", local_pair="sentence2", local_label="label",
        local_label_values=("0", "1"), hub_text="sentence1", hub_pair="sentence2",
    ),
}

_ALIASES = {"sst-2": "sst2", "sts-b": "stsb", "mnli-m": "mnli"}


def get_glue_task(name: str) -> GlueTask:
    key = _ALIASES.get(name.lower(), name.lower())
    if key not in GLUE_TASKS:
        raise DataError(f"unknown task {name!r}; GLUE tasks are {sorted(GLUE_TASKS)} (or give --train-file for custom data)")
    return GLUE_TASKS[key]


def split_names(task: GlueTask, split: str) -> list[str]:
    """`dev` means every dev split (MNLI: matched and mismatched)."""
    if split == "train":
        return ["train"]
    if split == "dev":
        return [name for name, _, _ in task.dev_splits]
    known = [name for name, _, _ in task.dev_splits]
    if split in known:
        return [split]
    raise DataError(f"task {task.spec.name}: unknown split {split!r}; use train, dev or one of {known}")


def load_glue_split(task: GlueTask, split: str, data_dir: str | Path | None) -> Dataset:
    """One split (`train`, `dev`, or a named dev split) from `data_dir`, or from the hub when it is None."""
    if data_dir is None:
        return _load_hub(task, split)
    return _load_local(task, split, Path(data_dir))


def _file_name(task: GlueTask, split: str) -> str:
    if split == "train":
        return "train.tsv"
    for name, file_name, _ in task.dev_splits:
        if name == split:
            return file_name
    raise DataError(f"task {task.spec.name}: unknown split {split!r}")


def _load_local(task: GlueTask, split: str, data_dir: Path) -> Dataset:
    if not data_dir.is_dir():
        raise DataError(f"--data-dir {data_dir}: no such directory (it should hold the glue_data task folders)")
    path = data_dir / task.folder / _file_name(task, split)
    if not path.is_file():
        raise DataError(
            f"{path}: not found; --data-dir must point at a glue_data folder with {task.folder}/{path.name}"
        )
    lines = read_delimited_lines(path)
    if task.has_header:
        if not lines:
            raise DataError(f"{path}: the file is empty")
        _, header = lines[0]
        header = [name.strip() for name in header]
        lines = lines[1:]
        wanted = [field for field in (task.local_text, task.local_pair, task.local_label) if field is not None]
        missing = [field for field in wanted if field not in header]
        if missing:
            raise DataError(
                f"{path}, line 1: wrong header {header}; expected columns {wanted} for GLUE {task.spec.name}"
            )
        width = len(header)
        positions = {field: header.index(field) for field in wanted}
    else:
        width = task.headerless_width
        positions = {field: field for field in (task.local_text, task.local_pair, task.local_label) if field is not None}
    records, skipped = [], 0
    for line, fields in lines:
        if len(fields) != width:
            if task.skip_malformed:
                skipped += 1
                continue
            raise DataError(f"{path}, line {line}: expected {width} tab-separated fields, found {len(fields)}")
        where = f"{path}, line {line}"
        pair = fields[positions[task.local_pair]] if task.local_pair is not None else None
        records.append(Record(where, fields[positions[task.local_text]], pair, fields[positions[task.local_label]]))
    if skipped:
        logger.warning("%s: skipped %d malformed rows (a known quirk of GLUE %s)", path, skipped, task.spec.name)
    return build_dataset(records, task.spec, str(path), label_values=task.local_label_values)


def _load_hub(task: GlueTask, split: str) -> Dataset:
    import datasets

    hub_split = "train" if split == "train" else next(hub for name, _, hub in task.dev_splits if name == split)
    config = task.spec.name
    try:
        rows = datasets.load_dataset(HUB_DATASET, config, split=hub_split)
    except Exception as error:  # offline, hub down, renamed dataset: one actionable message
        raise DataError(
            f"could not load GLUE {config} ({hub_split}) from the Hugging Face hub ({type(error).__name__}: "
            f"{str(error)[:200]}). Offline? Pass --data-dir pointing at a local glue_data folder "
            "(or set BERTDISTILL_DATA_DIR)."
        ) from None
    source = f"{HUB_DATASET}/{config} {hub_split}"
    texts = rows[task.hub_text]
    pairs = rows[task.hub_pair] if task.hub_pair else [None] * len(texts)
    labels = rows["label"]
    records = (
        Record(f"{source} row {index}", text, pair, label)
        for index, (text, pair, label) in enumerate(zip(texts, pairs, labels))
    )
    return build_dataset(records, task.spec, source)

"""One entry point for task data: `load_task_data(DataConfig)` -> validated train and dev sets."""

from __future__ import annotations

import dataclasses
import os

from datasets import Dataset

from bertdistill.config import Config, setting
from bertdistill.data.custom import custom_spec_from_train_file, dataset_from_table, load_custom_file
from bertdistill.data.glue import get_glue_task, load_glue_split, split_names
from bertdistill.data.readers import Table
from bertdistill.data.tasks import TaskSpec
from bertdistill.errors import ConfigError
from bertdistill.model_config import DEFAULT_MAX_LENGTH

DATA_DIR_VARIABLE = "BERTDISTILL_DATA_DIR"


@dataclasses.dataclass
class DataConfig(Config):
    """Where the examples come from: a GLUE task (hub or `data_dir`) or custom files."""

    task: str | None = setting(None, help="GLUE task: cola, sst2, mrpc, stsb, qqp, mnli, qnli, rte, wnli")
    data_dir: str | None = setting(None, help=f"local glue_data folder (unset: ${DATA_DIR_VARIABLE}, else the "
                                   "Hugging Face hub)")
    train_file: str | None = setting(None, help="custom training file (.csv, .tsv or .jsonl)")
    dev_file: str | None = setting(None, help="custom dev file, same columns")
    text_column: str = setting("text", help="custom data: the text column")
    pair_column: str | None = setting(None, help="custom data: second text column, for sentence-pair tasks")
    label_column: str = setting("label", help="custom data: the label column")
    regression: bool = setting(False, help="custom data: numeric labels (scores)")
    task_name: str = setting("custom", help="custom data: a name for the task")
    max_train_samples: int | None = setting(None, help="use a seeded random subset of the training set", minimum=1)
    max_length: int = setting(DEFAULT_MAX_LENGTH, help="max word pieces per example", minimum=1)

    def __post_init__(self) -> None:
        if self.task is None and self.train_file is None and self.dev_file is None:
            raise ConfigError("give a GLUE task (--task) or custom files (--train-file/--dev-file)")
        if self.task is not None and (self.train_file or self.dev_file):
            raise ConfigError("give either --task or --train-file/--dev-file, not both")
        if self.max_train_samples is not None and self.max_train_samples < 1:
            raise ConfigError(f"max_train_samples must be >= 1, got {self.max_train_samples}")
        if self.max_length < 8:
            raise ConfigError(f"max_length must be >= 8, got {self.max_length}")

    @property
    def is_glue(self) -> bool:
        return self.task is not None

    def resolved(self) -> DataConfig:
        """A copy with `data_dir` filled from $BERTDISTILL_DATA_DIR when unset (what a run records)."""
        if self.data_dir is None and self.is_glue and os.environ.get(DATA_DIR_VARIABLE):
            return dataclasses.replace(self, data_dir=os.environ[DATA_DIR_VARIABLE])
        return self


@dataclasses.dataclass
class TaskData:
    spec: TaskSpec
    train: Dataset | None
    dev: dict[str, Dataset]


def _custom_spec(config: DataConfig) -> tuple[TaskSpec, Table]:
    """A custom task's spec, with the training file it was read from (its labels define the set)."""
    if config.train_file is None:
        raise ConfigError("a custom task needs --train-file to define its label set")
    return custom_spec_from_train_file(
        config.train_file, config.text_column, config.pair_column, config.label_column,
        config.regression, config.task_name,
    )


def task_spec_for(config: DataConfig) -> TaskSpec:
    """The task spec alone (for a custom task this reads the training file for its labels)."""
    return get_glue_task(config.task).spec if config.is_glue else _custom_spec(config)[0]


def load_task_data(config: DataConfig, splits: tuple[str, ...] = ("train", "dev")) -> TaskData:
    """Read and validate everything first, so bad input fails before any output is written."""
    config = config.resolved()
    if config.is_glue:
        task = get_glue_task(config.task)
        spec = task.spec
        train = load_glue_split(task, "train", config.data_dir) if "train" in splits else None
        dev = {}
        if "dev" in splits:
            dev = {name: load_glue_split(task, name, config.data_dir) for name in split_names(task, "dev")}
    else:
        spec, table = _custom_spec(config)
        train = dataset_from_table(table, spec) if "train" in splits else None
        dev = {}
        if "dev" in splits:
            if config.dev_file is None:
                raise ConfigError("a custom task needs --dev-file for evaluation")
            dev = {"dev": load_custom_file(config.dev_file, spec)}
    if train is not None and config.max_train_samples is not None and config.max_train_samples < len(train):
        train = train.shuffle(seed=0).select(range(config.max_train_samples))
    return TaskData(spec, train, dev)


def load_eval_split(config: DataConfig, spec: TaskSpec, split: str) -> dict[str, Dataset]:
    """Evaluation data for a model that already knows its task (`spec` comes from its config)."""
    config = config.resolved()
    if config.is_glue:
        task = get_glue_task(config.task)
        return {name: load_glue_split(task, name, config.data_dir) for name in split_names(task, split)}
    path = config.dev_file if split != "train" else config.train_file
    if path is None:
        raise ConfigError(f"give --{'train' if split == 'train' else 'dev'}-file to evaluate a custom task")
    return {split: load_custom_file(path, spec)}

"""`bertdistill evaluate`: score a fine-tuned model on a task split: metrics, `metrics.json` and a
predictions file."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from datasets import Dataset

from bertdistill.config import Config, setting
from bertdistill.data.glue import get_glue_task
from bertdistill.data.loading import DataConfig, load_eval_split
from bertdistill.data.tasks import TaskSpec
from bertdistill.devices import resolve_device
from bertdistill.encoding import ENCODE_BATCH_SIZE
from bertdistill.errors import ConfigError, DataError
from bertdistill.io import atomic_write_json, check_output_folder
from bertdistill.model_config import check_positions, resolve_max_length
from bertdistill.scoring.splits import evaluate_splits, metrics_record
from bertdistill.teachers.loading import load_fine_tuned, load_tokenizer


@dataclasses.dataclass
class EvaluateConfig(Config):
    model: str = setting(help="a folder written by finetune or distill")
    data: DataConfig = setting(help="the examples to score", skip=("max_length", "max_train_samples"))
    split: str = setting("dev", help="dev (MNLI: matched and mismatched), or train")
    output_dir: str | None = setting(None, help="where metrics.json goes (unset: MODEL/eval-TASK-SPLIT)")
    batch_size: int = setting(ENCODE_BATCH_SIZE, help="examples per batch", minimum=1)
    max_length: int | None = setting(None, help="max word pieces per example (unset: the length the model was "
                                     "trained with)", minimum=1)


def labelled_splits(model: str, spec: TaskSpec, data: DataConfig, split: str) -> dict[str, Dataset]:
    """The labelled split(s) to score a fine-tuned model on: a GLUE task must be the model's own; a custom
    file is read with the model's columns and label set (no training file needed)."""
    data = data.resolved()
    if data.is_glue and get_glue_task(data.task).spec.name != spec.name:   # aliases: sst-2, sts-b, mnli-m
        raise ConfigError(f"{model} was fine-tuned on {spec.name!r}, not {data.task!r}")
    if not data.is_glue:
        data = dataclasses.replace(data, text_column=spec.text_column, pair_column=spec.pair_column,
                                   label_column=spec.label_column)
    splits = load_eval_split(data, spec, split)
    for name, dataset in splits.items():
        if "label" not in dataset.column_names:
            raise DataError(f"split {name} has no labels to evaluate against")
    return splits


def run_evaluate(config: EvaluateConfig) -> dict[str, Any]:
    if config.output_dir:   # before the model loads (the default one, in the model's folder, needs its task)
        check_output_folder(config.output_dir, "--output-dir")
    model, spec = load_fine_tuned(config.model)
    splits = labelled_splits(config.model, spec, config.data, config.split)  # checked before anything is written
    max_length = resolve_max_length(config.max_length, model.config)
    if config.max_length is not None:   # a length asked for explicitly must fit the model
        check_positions(max_length, model.config, config.model)
    output_dir = Path(config.output_dir or Path(config.model) / f"eval-{spec.name}-{config.split}")
    check_output_folder(output_dir, "--output-dir")
    model.to(resolve_device())
    start = time.perf_counter()
    results = evaluate_splits(model, load_tokenizer(config.model), spec, splits, max_length,
                              config.batch_size, predictions_dir=output_dir)
    record = metrics_record(spec, results, model=config.model, split=config.split, max_length=max_length,
                            examples={name: len(dataset) for name, dataset in splits.items()},
                            eval_seconds=round(time.perf_counter() - start, 2))
    atomic_write_json(output_dir / "metrics.json", record)
    config.save(output_dir / "config.yaml")
    return record

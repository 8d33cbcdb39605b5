"""Score a fine-tuned model on task splits: metrics, `metrics.json` and a predictions file."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from datasets import Dataset
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from bertdistill.config import Config
from bertdistill.data.loading import DataConfig, load_eval_split
from bertdistill.data.tasks import TaskSpec
from bertdistill.errors import ConfigError, DataError
from bertdistill.evaluation.metrics import compute_metrics
from bertdistill.evaluation.predict import default_device, predict_logits, write_predictions
from bertdistill.teachers.loading import load_fine_tuned, load_tokenizer
from bertdistill.training.checkpoints import atomic_write_json
from bertdistill.training.outputs import environment_info

MAX_LENGTH_CONFIG_KEY = "bertdistill_max_length"


def evaluate_splits(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    spec: TaskSpec,
    splits: dict[str, Dataset],
    max_length: int,
    batch_size: int,
    predictions_dir: Path | None = None,
    progress: bool = True,
) -> dict[str, dict[str, float]]:
    """Metrics per split; with `predictions_dir`, also `predictions_<split>.tsv` there."""
    results = {}
    for name, dataset in splits.items():
        logits = predict_logits(model, tokenizer, dataset, max_length, batch_size, progress=progress)
        results[name] = compute_metrics(spec, logits, dataset["label"])
        if predictions_dir is not None:
            write_predictions(predictions_dir / f"predictions_{name}.tsv", dataset, logits, spec)
    return results


def metrics_record(spec: TaskSpec, results: dict[str, dict[str, float]], **extra: Any) -> dict[str, Any]:
    """The `metrics.json` layout shared by every command."""
    first = next(iter(results))
    return {
        "task": spec.name,
        "primary_metric": spec.primary_metric,
        "primary": results[first][spec.primary_metric],
        "metrics": results,
        **extra,
        "environment": environment_info(),
    }


@dataclasses.dataclass
class EvaluateConfig(Config):
    model: str
    data: DataConfig
    split: str = "dev"
    output_dir: str | None = None  # default: <model>/eval-<task>-<split>
    batch_size: int = 128
    max_length: int | None = None  # default: the length the model was trained with


def run_evaluate(config: EvaluateConfig) -> dict[str, Any]:
    model, spec = load_fine_tuned(config.model)
    data = config.data.resolved()
    if data.is_glue and data.task.lower().replace("-", "") != spec.name:
        raise ConfigError(f"{config.model} was fine-tuned on {spec.name!r}, not {data.task!r}")
    if not data.is_glue:
        data = dataclasses.replace(data, text_column=spec.text_column, pair_column=spec.pair_column,
                                   label_column=spec.label_column)
    splits = load_eval_split(data, spec, config.split)  # validated before anything is written
    for name, dataset in splits.items():
        if "label" not in dataset.column_names:
            raise DataError(f"split {name} has no labels to evaluate against")
    max_length = config.max_length or getattr(model.config, MAX_LENGTH_CONFIG_KEY, None) or 128
    output_dir = Path(config.output_dir or Path(config.model) / f"eval-{spec.name}-{config.split}")
    model.to(default_device())
    start = time.perf_counter()
    results = evaluate_splits(model, load_tokenizer(config.model), spec, splits, max_length,
                              config.batch_size, predictions_dir=output_dir)
    record = metrics_record(spec, results, model=config.model, split=config.split, max_length=max_length,
                            examples={name: len(dataset) for name, dataset in splits.items()},
                            eval_seconds=round(time.perf_counter() - start, 2))
    atomic_write_json(output_dir / "metrics.json", record)
    config.save(output_dir / "config.yaml")
    return record

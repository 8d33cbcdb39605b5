"""Score a model on task splits: the official metrics per split, optionally a predictions file, and the
metrics record that `metrics.json` holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from datasets import Dataset
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from bertdistill.data.tasks import TaskSpec
from bertdistill.scoring.metrics import compute_metrics
from bertdistill.scoring.predict import predict_logits, write_predictions
from bertdistill.training.outputs import environment_info


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

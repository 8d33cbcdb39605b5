"""What a model needs to know about a task: its inputs, its label set and how it is scored."""

from __future__ import annotations

import dataclasses
from typing import Any

from bertdistill.errors import ConfigError

METRIC_NAMES = ("accuracy", "f1", "matthews_correlation", "pearson", "spearman")


@dataclasses.dataclass(frozen=True)
class TaskSpec:
    """A sentence or sentence-pair task, classification (`labels` set) or regression (`labels` None).

    The spec is stored in a fine-tuned model's `config.json` (key `bertdistill_task`), so
    `evaluate` and `predict` know the label names and input columns without being told again.
    """

    name: str
    labels: tuple[str, ...] | None
    is_pair: bool
    metrics: tuple[str, ...]
    primary_metric: str
    text_column: str = "text"
    pair_column: str | None = None
    label_column: str = "label"

    def __post_init__(self) -> None:
        unknown = [metric for metric in self.metrics if metric not in METRIC_NAMES]
        if unknown:
            raise ConfigError(f"task {self.name!r}: unknown metric(s) {unknown}; known: {list(METRIC_NAMES)}")
        if self.primary_metric not in self.metrics:
            raise ConfigError(f"task {self.name!r}: primary metric {self.primary_metric!r} not in {self.metrics}")
        if self.labels is not None and len(self.labels) < 2:
            raise ConfigError(f"task {self.name!r}: a classification task needs at least 2 labels, got {self.labels}")
        if self.is_pair and self.pair_column is None:
            raise ConfigError(f"task {self.name!r}: a pair task needs a pair column")

    @property
    def is_regression(self) -> bool:
        return self.labels is None

    @property
    def num_labels(self) -> int:
        return 1 if self.labels is None else len(self.labels)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["labels"] = None if self.labels is None else list(self.labels)
        data["metrics"] = list(self.metrics)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TaskSpec:
        data = dict(data)
        if data.get("labels") is not None:
            data["labels"] = tuple(str(label) for label in data["labels"])
        data["metrics"] = tuple(data["metrics"])
        return cls(**data)


def custom_task(
    labels: list[str] | None,
    text_column: str,
    pair_column: str | None,
    label_column: str,
    name: str = "custom",
) -> TaskSpec:
    """A user task: accuracy and F1 (binary, or macro over classes) for classification,
    Pearson/Spearman for regression."""
    if labels is None:
        metrics, primary = ("pearson", "spearman"), "spearman"
    else:
        metrics, primary = ("accuracy", "f1"), "accuracy"
    return TaskSpec(
        name=name,
        labels=None if labels is None else tuple(labels),
        is_pair=pair_column is not None,
        metrics=metrics,
        primary_metric=primary,
        text_column=text_column,
        pair_column=pair_column,
        label_column=label_column,
    )

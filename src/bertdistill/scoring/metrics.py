"""The official GLUE metrics, computed with scikit-learn and SciPy.

CoLA: Matthews correlation. MRPC, QQP: F1 of the positive class and accuracy. STS-B: Pearson and
Spearman correlation. The other tasks: accuracy. Custom multi-class tasks use macro F1.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from sklearn import metrics as sk_metrics
from transformers import EvalPrediction

from bertdistill.data.tasks import TaskSpec


def accuracy(predictions: np.ndarray, labels: np.ndarray) -> float:
    return float(sk_metrics.accuracy_score(labels, predictions))


def f1(predictions: np.ndarray, labels: np.ndarray, num_labels: int = 2) -> float:
    """Binary F1 of class 1 (GLUE's convention for MRPC/QQP); macro F1 over classes otherwise."""
    average = "binary" if num_labels == 2 else "macro"
    return float(sk_metrics.f1_score(labels, predictions, average=average, zero_division=0))


def matthews_correlation(predictions: np.ndarray, labels: np.ndarray) -> float:
    return float(sk_metrics.matthews_corrcoef(labels, predictions))


def pearson(scores: np.ndarray, labels: np.ndarray) -> float:
    return float(stats.pearsonr(scores, labels).statistic)


def spearman(scores: np.ndarray, labels: np.ndarray) -> float:
    return float(stats.spearmanr(scores, labels).statistic)


def predictions_from_logits(logits: np.ndarray, spec: TaskSpec) -> np.ndarray:
    """Arg-max class indices (classification) or the single output column (regression)."""
    logits = np.asarray(logits)  # (examples, num_labels)
    if spec.is_regression:
        return logits.reshape(len(logits), -1)[:, 0]
    return logits.argmax(axis=-1)


def compute_metrics(spec: TaskSpec, logits: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Every metric of the task, as fractions (accuracy 0.91, not 91)."""
    predictions = predictions_from_logits(logits, spec)
    labels = np.asarray(labels)
    functions = {
        "accuracy": lambda: accuracy(predictions, labels),
        "f1": lambda: f1(predictions, labels, spec.num_labels),
        "matthews_correlation": lambda: matthews_correlation(predictions, labels),
        "pearson": lambda: pearson(predictions, labels),
        "spearman": lambda: spearman(predictions, labels),
    }
    return {name: functions[name]() for name in spec.metrics}


def metric_function(spec: TaskSpec):
    """`compute_metrics` for a Hugging Face `Trainer` that scores logits against gold labels."""
    def compute(prediction: EvalPrediction) -> dict[str, float]:
        logits = prediction.predictions[0] if isinstance(prediction.predictions, tuple) else prediction.predictions
        return compute_metrics(spec, np.asarray(logits), np.asarray(prediction.label_ids))

    return compute

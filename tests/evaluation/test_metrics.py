"""Golden tests: each metric against the formula computed by hand on small vectors."""

import math

import numpy as np
import pytest

from bertdistill.data.glue import get_glue_task
from bertdistill.data.tasks import custom_task
from bertdistill.scoring.metrics import accuracy, compute_metrics, f1, matthews_correlation, pearson, spearman

PREDICTIONS = np.array([1, 1, 0, 1, 0, 0, 1, 0])
LABELS = np.array([1, 0, 0, 1, 1, 0, 1, 0])
# confusion: TP = 3, FP = 1, FN = 1, TN = 3


def test_accuracy():
    assert accuracy(PREDICTIONS, LABELS) == pytest.approx(6 / 8)


def test_binary_f1_of_the_positive_class():
    precision, recall = 3 / 4, 3 / 4
    assert f1(PREDICTIONS, LABELS) == pytest.approx(2 * precision * recall / (precision + recall))


def test_macro_f1_for_multiclass():
    predictions, labels = np.array([0, 1, 2, 2]), np.array([0, 1, 1, 2])
    per_class = [1.0, 2 * 1 * 0.5 / 1.5, 2 * 0.5 * 1 / 1.5]  # class 1: P=1, R=.5; class 2: P=.5, R=1
    assert f1(predictions, labels, num_labels=3) == pytest.approx(sum(per_class) / 3)


def test_matthews_correlation():
    tp, fp, fn, tn = 3, 1, 1, 3
    expected = (tp * tn - fp * fn) / math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    assert matthews_correlation(PREDICTIONS, LABELS) == pytest.approx(expected)


def test_pearson():
    x, y = np.array([1.0, 2.0, 3.0, 5.0]), np.array([1.0, 3.0, 2.0, 6.0])
    dx, dy = x - x.mean(), y - y.mean()
    expected = (dx * dy).sum() / math.sqrt((dx**2).sum() * (dy**2).sum())
    assert pearson(x, y) == pytest.approx(expected)


def test_spearman_is_pearson_of_ranks():
    x, y = np.array([0.1, 0.4, 0.2, 0.9]), np.array([10.0, 30.0, 40.0, 20.0])
    rank_x, rank_y = np.array([1, 3, 2, 4.0]), np.array([1, 3, 4, 2.0])
    n = 4
    expected = 1 - 6 * ((rank_x - rank_y) ** 2).sum() / (n * (n**2 - 1))
    assert spearman(x, y) == pytest.approx(expected)


def test_compute_metrics_per_task():
    logits = np.array([[0.0, 1.0], [2.0, -1.0], [0.5, 0.7]])
    labels = np.array([1, 0, 0])
    assert set(compute_metrics(get_glue_task("mrpc").spec, logits, labels)) == {"f1", "accuracy"}
    assert compute_metrics(get_glue_task("cola").spec, logits, labels)["matthews_correlation"] == pytest.approx(
        matthews_correlation(np.array([1, 0, 1]), labels))
    scores = np.array([[0.5], [3.0], [4.5]])
    stsb = compute_metrics(get_glue_task("stsb").spec, scores, np.array([1.0, 2.0, 5.0]))
    assert stsb["spearman"] == pytest.approx(1.0)


def test_custom_task_metrics():
    assert custom_task(["a", "b", "c"], "text", None, "label").metrics == ("accuracy", "f1")
    assert custom_task(None, "text", "pair", "label").primary_metric == "spearman"

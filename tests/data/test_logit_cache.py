"""The teacher-logit cache: keyed by text, so shuffling and augmentation never misalign outputs."""

import numpy as np
import pytest
from datasets import Dataset

from bertdistill.data.logit_cache import LogitCache, cached_teacher_logits, example_key


def fake_teacher(dataset: Dataset) -> np.ndarray:
    """A deterministic 'teacher': logits computed from the texts, so any misalignment shows."""
    pairs = dataset["text_pair"] if "text_pair" in dataset.column_names else [""] * len(dataset)
    return np.array([[len(text), len(pair) + 0.5] for text, pair in zip(dataset["text"], pairs)], dtype=np.float32)


class CountingTeacher:
    def __init__(self) -> None:
        self.rows = 0

    def __call__(self, dataset: Dataset) -> np.ndarray:
        self.rows += len(dataset)
        return fake_teacher(dataset)


def test_keys_depend_on_both_texts_and_keep_them_apart():
    assert example_key("a", None) != example_key("a", "")
    assert example_key("ab", "c") != example_key("a", "bc")
    assert example_key("x", "y") == example_key("x", "y")
    assert len(example_key("x")) == 16


def test_outputs_stay_aligned_under_shuffling_and_are_computed_once(tmp_path):
    texts = [f"sentence number {index} " + "x" * (index % 7) for index in range(50)]
    dataset = Dataset.from_dict({"text": texts, "text_pair": [t[::-1] + "!" * i for i, t in enumerate(texts)]})
    teacher = CountingTeacher()
    cache = LogitCache(tmp_path / "cache", 2)
    first = cached_teacher_logits(dataset, cache, teacher, chunk=16)
    np.testing.assert_array_equal(first, fake_teacher(dataset))
    assert teacher.rows == 50

    shuffled = dataset.shuffle(seed=3).select(range(30))
    reloaded = LogitCache(tmp_path / "cache", 2)  # from disk
    again = cached_teacher_logits(shuffled, reloaded, teacher)
    np.testing.assert_array_equal(again, fake_teacher(shuffled))
    assert teacher.rows == 50  # nothing recomputed


def test_only_new_examples_are_computed_and_duplicates_once(tmp_path):
    teacher = CountingTeacher()
    cache = LogitCache(tmp_path, 2)
    cached_teacher_logits(Dataset.from_dict({"text": ["a", "b"]}), cache, teacher)
    grown = Dataset.from_dict({"text": ["b", "c", "c", "a", "d"]})
    logits = cached_teacher_logits(grown, cache, teacher)
    assert teacher.rows == 4  # a, b, then c and d once each
    np.testing.assert_array_equal(logits, fake_teacher(grown))
    assert len(LogitCache(tmp_path, 2)) == 4


def test_a_cache_of_another_width_is_refused(tmp_path):
    cache = LogitCache(tmp_path, 2)
    cache.add([example_key("a")], np.zeros((1, 2)))
    with pytest.raises(ValueError, match="expected"):
        LogitCache(tmp_path, 3)

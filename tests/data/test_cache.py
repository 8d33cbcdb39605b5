import json

import numpy as np
import pytest
import torch
from datasets import Dataset

from bertdistill.data.cache import cache_key, compute_vector_cache


def token_dataset(count: int = 23) -> Dataset:
    rng = np.random.default_rng(0)
    return Dataset.from_dict({"input_ids": [list(rng.integers(1, 50, size=rng.integers(2, 9))) for _ in range(count)]})


def fake_teacher(calls: list):
    def encode(input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        calls.append(input_ids.shape)
        # a vector that identifies the sentence: (sum of ids, length)
        return torch.stack([(input_ids * attention_mask).sum(1).float(), attention_mask.sum(1).float()], dim=1)
    return encode


def expected_vectors(tokens: Dataset) -> np.ndarray:
    return np.array([[sum(ids), len(ids)] for ids in tokens["input_ids"]], dtype=np.float16)


def test_vectors_align_with_rows_and_are_reused(tmp_path):
    tokens, calls = token_dataset(), []
    vectors = compute_vector_cache(tmp_path / "k", tokens, fake_teacher(calls), 2, pad_token_id=0, batch_size=5)
    np.testing.assert_array_equal(vectors, expected_vectors(tokens))
    assert vectors.dtype == np.float16
    batches = len(calls)
    again = compute_vector_cache(tmp_path / "k", tokens, fake_teacher(calls), 2, pad_token_id=0, batch_size=5)
    assert len(calls) == batches  # nothing recomputed
    np.testing.assert_array_equal(again, vectors)


def test_batches_are_grouped_by_length(tmp_path):
    tokens, calls = token_dataset(40), []
    compute_vector_cache(tmp_path / "k", tokens, fake_teacher(calls), 2, pad_token_id=0, batch_size=8)
    widths = [shape[1] for shape in calls]
    assert widths == sorted(widths)


class Killed(Exception):
    pass


def test_a_killed_cache_resumes_where_it_stopped(tmp_path):
    tokens, calls = token_dataset(), []

    def dies_after_two(input_ids, attention_mask):
        if len(calls) == 3:
            raise Killed()
        return fake_teacher(calls)(input_ids, attention_mask)

    with pytest.raises(Killed):
        compute_vector_cache(tmp_path / "k", tokens, dies_after_two, 2, pad_token_id=0, batch_size=5,
                             commit_every_seconds=0.0)
    progress = json.loads((tmp_path / "k" / "progress.json").read_text())
    assert progress["chunks_done"] == 3 and not progress["complete"]
    resumed_calls = []
    vectors = compute_vector_cache(tmp_path / "k", tokens, fake_teacher(resumed_calls), 2, pad_token_id=0,
                                   batch_size=5)
    assert len(resumed_calls) == 5 - 3  # 23 rows in chunks of 5: only the last two chunks are computed
    np.testing.assert_array_equal(vectors, expected_vectors(tokens))


def test_a_cache_finished_before_digests_gets_them_on_first_reuse(tmp_path):
    tokens, calls = token_dataset(), []
    compute_vector_cache(tmp_path / "k", tokens, fake_teacher(calls), 2, pad_token_id=0, batch_size=5)
    progress_path = tmp_path / "k" / "progress.json"
    progress = json.loads(progress_path.read_text())
    assert len(progress["digests"]) == 1                      # 23 rows: one block
    progress_path.write_text(json.dumps({key: value for key, value in progress.items() if key != "digests"}))
    calls.clear()
    compute_vector_cache(tmp_path / "k", tokens, fake_teacher(calls), 2, pad_token_id=0, batch_size=5)
    assert not calls and json.loads(progress_path.read_text())["digests"] == progress["digests"]


def test_cache_key_depends_on_every_part():
    base = dict(teacher="t", corpus="c", representation="mean", max_length=128)
    keys = {cache_key(**base)} | {cache_key(**{**base, name: "other"}) for name in base}
    assert len(keys) == 1 + len(base)


@pytest.mark.parametrize("damage", ["zeros", "nan", "shape", "negated", "one value", "truncated", "empty"])
def test_a_damaged_cache_is_detected_and_computed_again(tmp_path, damage):
    """A finished cache whose vectors were zeroed, corrupted, replaced, changed in place (finite and plausible:
    negated, one value nudged) or truncated is never trained on, and checking it never raises."""
    tokens, calls = token_dataset(), []
    compute_vector_cache(tmp_path / "k", tokens, fake_teacher(calls), 2, pad_token_id=0, batch_size=5)
    path = tmp_path / "k" / "vectors.npy"
    if damage == "shape":
        np.save(path, np.ones((5, 2), dtype=np.float16))
    elif damage in ("truncated", "empty"):
        path.write_bytes(path.read_bytes()[: 0 if damage == "empty" else path.stat().st_size - 7])
    else:
        stored = np.load(path, mmap_mode="r+")
        if damage == "negated":
            stored[:] = -stored
        elif damage == "one value":
            stored[11, 0] += 1
        else:
            stored[7:9] = 0.0 if damage == "zeros" else np.nan
        stored.flush()
        del stored
    calls.clear()
    vectors = compute_vector_cache(tmp_path / "k", tokens, fake_teacher(calls), 2, pad_token_id=0, batch_size=5)
    assert calls, "the damaged cache was reused"
    np.testing.assert_array_equal(vectors, expected_vectors(tokens))


CACHE_WORKER = """
import sys, numpy as np
from pathlib import Path
from bertdistill.data.cache import compute_vector_cache
from tests.data.test_cache import fake_teacher, token_dataset
vectors = compute_vector_cache(Path(sys.argv[1]), token_dataset(400), fake_teacher([]), 2, pad_token_id=0,
                               batch_size=5, commit_every_seconds=0.0)
np.save(sys.argv[2], np.asarray(vectors))
"""


def test_two_runs_on_one_cache_never_truncate_each_other(tmp_path):
    """Started together on the same corpus: one computes, the other waits for the lock and reuses; both get
    every row right."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    runs = [subprocess.Popen([sys.executable, "-c", CACHE_WORKER, str(tmp_path / "k"), str(tmp_path / f"{n}.npy")],
                             cwd=root) for n in range(2)]
    assert [run.wait(timeout=300) for run in runs] == [0, 0]
    for n in range(2):
        np.testing.assert_array_equal(np.load(tmp_path / f"{n}.npy"), expected_vectors(token_dataset(400)))


def test_padded_batch_pads_right_and_masks():
    from bertdistill.data.cache import padded_batch

    input_ids, attention_mask = padded_batch([[5, 6, 7], [8], [9, 10]], pad_token_id=0)
    assert input_ids.tolist() == [[5, 6, 7], [8, 0, 0], [9, 10, 0]] and input_ids.dtype == torch.long
    assert attention_mask.tolist() == [[1, 1, 1], [1, 0, 0], [1, 1, 0]] and attention_mask.dtype == torch.long

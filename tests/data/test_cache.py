import json

import numpy as np
import pytest
import torch
from datasets import Dataset

from bertdistill.data.cache import Shard, compute_vector_cache
from bertdistill.data.store import Store, cache_key


def entry(root, name: str = "k"):
    return Store(root).entry("teacher-vectors", corpus=name)


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
    vectors = compute_vector_cache(entry(tmp_path), tokens, fake_teacher(calls), 2, pad_token_id=0, batch_size=5)
    np.testing.assert_array_equal(vectors, expected_vectors(tokens))
    assert vectors.dtype == np.float16
    batches = len(calls)
    again = compute_vector_cache(entry(tmp_path), tokens, fake_teacher(calls), 2, pad_token_id=0, batch_size=5)
    assert len(calls) == batches  # nothing recomputed
    np.testing.assert_array_equal(again, vectors)


def test_batches_are_grouped_by_length(tmp_path):
    tokens, calls = token_dataset(40), []
    compute_vector_cache(entry(tmp_path), tokens, fake_teacher(calls), 2, pad_token_id=0, batch_size=8)
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
        compute_vector_cache(entry(tmp_path), tokens, dies_after_two, 2, pad_token_id=0, batch_size=5,
                             commit_every_seconds=0.0)
    assert np.frombuffer(entry(tmp_path).path("done.bin").read_bytes(), np.uint8).tolist() == [1, 1, 1, 0, 0]
    assert not entry(tmp_path).manifest()["complete"]
    resumed_calls = []
    vectors = compute_vector_cache(entry(tmp_path), tokens, fake_teacher(resumed_calls), 2, pad_token_id=0,
                                   batch_size=5)
    assert len(resumed_calls) == 5 - 3  # 23 rows in chunks of 5: only the last two chunks are computed
    np.testing.assert_array_equal(vectors, expected_vectors(tokens))


def test_a_cache_from_the_layout_before_the_store_is_adopted_by_its_values(tmp_path):
    """A finished cache of the earlier layout (progress.json, no manifest) is checked and vouched for, not
    computed again; an unfinished one is computed again."""
    tokens, calls = token_dataset(), []
    cache = entry(tmp_path)
    compute_vector_cache(cache, tokens, fake_teacher(calls), 2, pad_token_id=0, batch_size=5)
    cache.path("manifest.json").unlink()
    cache.path("progress.json").write_text(json.dumps({"rows": 23, "width": 2, "complete": True}))
    calls.clear()
    compute_vector_cache(cache, tokens, fake_teacher(calls), 2, pad_token_id=0, batch_size=5)
    assert not calls and cache.manifest()["complete"] and not cache.path("progress.json").exists()
    cache.path("manifest.json").unlink()
    cache.path("progress.json").write_text(json.dumps({"rows": 23, "width": 2, "complete": False, "chunks_done": 2}))
    np.testing.assert_array_equal(compute_vector_cache(cache, tokens, fake_teacher(calls), 2, pad_token_id=0,
                                                       batch_size=5), expected_vectors(tokens))
    assert len(calls) == 5


def test_cache_key_depends_on_every_part():
    base = dict(teacher="t", corpus="c", representation="mean", max_length=128)
    keys = {cache_key(**base)} | {cache_key(**{**base, name: "other"}) for name in base}
    assert len(keys) == 1 + len(base)


@pytest.mark.parametrize("damage", ["zeros", "nan", "shape", "negated", "one value", "truncated", "empty"])
def test_a_damaged_cache_is_detected_and_computed_again(tmp_path, damage):
    """A finished cache whose vectors were zeroed, corrupted, replaced, changed in place (finite and plausible:
    negated, one value nudged) or truncated is never trained on, and checking it never raises."""
    tokens, calls = token_dataset(), []
    compute_vector_cache(entry(tmp_path), tokens, fake_teacher(calls), 2, pad_token_id=0, batch_size=5)
    path = entry(tmp_path).path("vectors.npy")
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
    vectors = compute_vector_cache(entry(tmp_path), tokens, fake_teacher(calls), 2, pad_token_id=0, batch_size=5)
    assert calls, "the damaged cache was reused"
    np.testing.assert_array_equal(vectors, expected_vectors(tokens))


CACHE_WORKER = """
import sys, numpy as np
from pathlib import Path
from bertdistill.data.cache import Shard, compute_vector_cache
from tests.data.test_cache import entry, fake_teacher, token_dataset
calls = []
vectors = compute_vector_cache(entry(Path(sys.argv[1])), token_dataset(400), fake_teacher(calls), 2, pad_token_id=0,
                               batch_size=5, commit_every_seconds=0.0, shard=Shard(int(sys.argv[3]), int(sys.argv[4])))
np.save(sys.argv[2], np.asarray(vectors))
print(len(calls))
"""


def test_two_runs_on_one_cache_never_truncate_each_other(tmp_path):
    """Started together on the same corpus: one computes, the other waits for the lock and reuses; both get
    every row right."""
    calls = run_workers(tmp_path, [(0, 1), (0, 1)])
    assert sorted(calls) == [0, 80]          # 400 rows in chunks of 5: one run computed them all, the other none
    for n in range(2):
        np.testing.assert_array_equal(np.load(tmp_path / f"{n}.npy"), expected_vectors(token_dataset(400)))


def run_workers(tmp_path, shards: list[tuple[int, int]]) -> list[int]:
    """CACHE_WORKER in one process per shard, started together; the chunks each encoded."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    runs = [subprocess.Popen([sys.executable, "-c", CACHE_WORKER, str(tmp_path), str(tmp_path / f"{n}.npy"),
                              str(rank), str(count)], cwd=root, stdout=subprocess.PIPE, text=True)
            for n, (rank, count) in enumerate(shards)]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0] * len(runs)
    return [int(output.split()[-1]) for output in outputs]


def test_two_shards_fill_one_cache_each_encoding_half(tmp_path):
    """Under a launcher each process encodes its own chunks into the one file; both get every row right."""
    calls = run_workers(tmp_path, [(0, 2), (1, 2)])
    assert calls == [40, 40]
    for n in range(2):
        np.testing.assert_array_equal(np.load(tmp_path / f"{n}.npy"), expected_vectors(token_dataset(400)))
    assert entry(tmp_path).complete and not entry(tmp_path).path("done.bin").exists()
    assert entry(tmp_path).state["chunks_by_process"] == [40, 40]


def test_a_killed_sharded_build_resumes_with_another_process_count(tmp_path):
    """Shard 0 of 2 dies after 3 chunks; shard 1 finishes its half and waits; a single process started later
    encodes only what is left, whatever shares the first run had."""
    tokens, calls = token_dataset(40), []   # 8 chunks of 5: shard 0 owns 0, 2, 4, 6; shard 1 owns 1, 3, 5, 7

    def dies_after_three(input_ids, attention_mask):
        if len(calls) == 3:
            raise Killed()
        return fake_teacher(calls)(input_ids, attention_mask)

    with pytest.raises(Killed):
        compute_vector_cache(entry(tmp_path), tokens, dies_after_three, 2, pad_token_id=0, batch_size=5,
                             commit_every_seconds=0.0, shard=Shard(0, 2))
    done = np.frombuffer(entry(tmp_path).path("done.bin").read_bytes(), np.uint8)
    assert done.tolist() == [1, 0, 1, 0, 1, 0, 0, 0]
    later = []
    vectors = compute_vector_cache(entry(tmp_path), tokens, fake_teacher(later), 2, pad_token_id=0, batch_size=5)
    assert len(later) == 5
    np.testing.assert_array_equal(vectors, expected_vectors(tokens))


def test_a_shard_out_of_range_is_refused():
    with pytest.raises(ValueError):
        Shard(2, 2)

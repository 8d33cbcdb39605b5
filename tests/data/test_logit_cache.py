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


def test_adding_never_rewrites_what_is_stored(tmp_path):
    """Append-only: a new chunk is a new file; earlier chunk files are untouched (write cost stays linear)."""
    cache = LogitCache(tmp_path, 2)
    cache.add([example_key("a"), example_key("b")], np.ones((2, 2)))
    first = tmp_path / "chunk-000000.npz"
    stamp = (first.stat().st_ino, first.stat().st_mtime_ns, first.read_bytes())
    cache.add([example_key("c")], np.zeros((1, 2)))
    assert (first.stat().st_ino, first.stat().st_mtime_ns, first.read_bytes()) == stamp
    assert sorted(path.name for path in tmp_path.glob("chunk-*.npz")) == ["chunk-000000.npz", "chunk-000001.npz"]
    assert len(LogitCache(tmp_path, 2)) == 3


def test_a_cache_in_the_earlier_layout_is_read(tmp_path):
    keys = np.array([example_key("a"), example_key("b")], dtype="S16")
    np.save(tmp_path / "keys.npy", keys)
    np.save(tmp_path / "logits.npy", np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32))
    cache = LogitCache(tmp_path, 2)
    cache.add([example_key("c")], np.array([[5.0, 6.0]]))
    reloaded = LogitCache(tmp_path, 2)
    np.testing.assert_array_equal(reloaded.lookup([example_key("c"), example_key("a")]), [[5.0, 6.0], [1.0, 2.0]])


WORKER = """
import sys, numpy as np
from datasets import Dataset
from bertdistill.data.cache import Shard
from bertdistill.data.logit_cache import LogitCache, cached_teacher_logits
from tests.data.test_logit_cache import CountingTeacher
folder, first, last, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
shard = Shard(int(sys.argv[5]), int(sys.argv[6])) if len(sys.argv) > 5 else Shard()
texts = [f"example {index} " + "y" * (index % 5) for index in range(first, last)]
dataset = Dataset.from_dict({"text": texts})
teacher = CountingTeacher()
np.save(out, cached_teacher_logits(dataset, LogitCache(folder, 2), teacher, chunk=7, shard=shard))
print(teacher.rows)
"""


def test_two_processes_on_one_cache_give_the_rows_of_a_solo_run(tmp_path):
    """Overlapping example sets written at once by two processes: every row is its own example's, and
    every example is stored once."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    runs = [subprocess.Popen([sys.executable, "-c", WORKER, str(tmp_path / "shared"), str(first), str(last),
                              str(tmp_path / f"{first}.npy")], cwd=root)
            for first, last in ((0, 120), (60, 180))]
    assert [run.wait(timeout=300) for run in runs] == [0, 0]
    for first, last in ((0, 120), (60, 180)):
        texts = [f"example {index} " + "y" * (index % 5) for index in range(first, last)]
        solo = fake_teacher(Dataset.from_dict({"text": texts}))
        np.testing.assert_array_equal(np.load(tmp_path / f"{first}.npy"), solo)
    assert len(LogitCache(tmp_path / "shared", 2)) == 180


def test_two_shards_each_compute_their_own_examples(tmp_path):
    """Under a launcher: each process computes the examples its key gives it, waits for the other's, and both
    get every row; together they computed each example once."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    runs = [subprocess.Popen([sys.executable, "-c", WORKER, str(tmp_path / "shared"), "0", "100",
                              str(tmp_path / f"{rank}.npy"), str(rank), "2"], cwd=root, stdout=subprocess.PIPE,
                             text=True) for rank in range(2)]
    computed = [int(run.communicate(timeout=300)[0].split()[-1]) for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    assert sum(computed) == 100 and min(computed) > 20
    solo = fake_teacher(Dataset.from_dict({"text": [f"example {index} " + "y" * (index % 5) for index in range(100)]}))
    for rank in range(2):
        np.testing.assert_array_equal(np.load(tmp_path / f"{rank}.npy"), solo)


def test_a_digest_that_ends_in_zero_bytes_survives_a_reload(tmp_path):
    """numpy byte strings drop trailing zero bytes; the stored keys must not."""
    text = next(f"text {index}" for index in range(100_000) if example_key(f"text {index}").endswith(b"\0"))
    LogitCache(tmp_path, 2).add([example_key(text)], np.array([[1.0, 2.0]]))
    np.testing.assert_array_equal(LogitCache(tmp_path, 2).lookup([example_key(text)]), [[1.0, 2.0]])


@pytest.mark.parametrize("damage", ["truncated", "rewritten", "missing"])
def test_a_damaged_chunk_is_computed_again_never_trained_on(tmp_path, damage):
    """A chunk file cut short, rewritten with other (well-formed) logits, or gone: its examples are computed again
    and every row stays paired with its own example."""
    texts = [f"example {index}" for index in range(20)]
    dataset = Dataset.from_dict({"text": texts})
    cached_teacher_logits(dataset, LogitCache(tmp_path, 2), fake_teacher, chunk=8)
    chunk = sorted(tmp_path.glob("chunk-*.npz"))[0]
    if damage == "truncated":
        chunk.write_bytes(chunk.read_bytes()[:100])
    elif damage == "rewritten":
        with np.load(chunk) as stored:
            keys, logits = stored["keys"], stored["logits"]
        np.savez(chunk, keys=keys, logits=-logits)           # a valid file, wrong values
    else:
        chunk.unlink()
    teacher = CountingTeacher()
    logits = cached_teacher_logits(dataset, LogitCache(tmp_path, 2), teacher)
    np.testing.assert_array_equal(logits, fake_teacher(dataset))
    assert 0 < teacher.rows < 20                               # only the damaged chunk's examples


def test_a_cache_of_the_layout_before_the_store_is_adopted(tmp_path):
    """A manifest listing `chunks` with one SHA-256 each: matching chunks are kept, a changed one is computed
    again, and the entry's manifest takes over."""
    import hashlib
    import json

    dataset = Dataset.from_dict({"text": [f"example {index}" for index in range(16)]})
    cached_teacher_logits(dataset, LogitCache(tmp_path, 2), fake_teacher, chunk=8)
    names = sorted(path.name for path in tmp_path.glob("chunk-*.npz"))
    digests = {name: hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() for name in names}
    digests[names[1]] = "0" * 64                                   # the second chunk no longer matches
    (tmp_path / "manifest.json").write_text(json.dumps({"chunks": names, "digests": digests}))
    teacher = CountingTeacher()
    logits = cached_teacher_logits(dataset, LogitCache(tmp_path, 2), teacher)
    np.testing.assert_array_equal(logits, fake_teacher(dataset))
    assert teacher.rows == 8 and "chunks" not in json.loads((tmp_path / "manifest.json").read_text())

"""The SentEval readers and the two transfer metrics, against hand-computed values on tiny files."""

import numpy as np
import pytest

from bertdistill.errors import DataError
from bertdistill.evaluation.transfer import (
    cosine_spearman,
    load_task,
    probe_accuracy,
    read_sts_benchmark,
    read_sts_subset,
    resolve_transfer_dir,
    score_sts,
)


def write_bytes(path, data: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture
def sts_year(tmp_path):
    """An STS16-like folder: 5 pairs, the third unscored (empty gold line), one Latin-1 byte."""
    folder = tmp_path / "STS" / "STS16-en-test"
    pairs = [b"a\tb", b"c\td", b"e\tf", b"caf\xe9\th", b"i\tj"]
    write_bytes(folder / "STS.input.news.txt", b"\n".join(pairs) + b"\n")
    write_bytes(folder / "STS.gs.news.txt", b"1\n2\n\n4\n5\n")
    return tmp_path


def test_sts_reader_skips_unscored_pairs_and_replaces_bad_bytes(sts_year):
    folder = sts_year / "STS" / "STS16-en-test"
    subset = read_sts_subset(folder / "STS.input.news.txt", folder / "STS.gs.news.txt")
    assert subset.name == "news"
    assert subset.first == ["a", "c", "caf\ufffd", "i"] and subset.second == ["b", "d", "h", "j"]
    assert subset.gold.tolist() == [1.0, 2.0, 4.0, 5.0]


def test_spearman_of_cosine_by_hand(sts_year):
    # 4 scored pairs; cosines chosen as 0.9, 0.1, 0.5, 0.3 -> ranks 4, 1, 3, 2 against gold ranks 1, 2, 3, 4
    angles = np.arccos([0.9, 0.1, 0.5, 0.3])
    u = np.tile([[1.0, 0.0]], (4, 1))
    v = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    d_squared = (4 - 1) ** 2 + (1 - 2) ** 2 + (3 - 3) ** 2 + (2 - 4) ** 2
    expected = 1 - 6 * d_squared / (4 * (4 ** 2 - 1))          # -0.4
    assert cosine_spearman(u, v, np.array([1.0, 2.0, 4.0, 5.0])) == pytest.approx(expected)

    vectors = {"a": [1, 0], "c": [1, 0], "caf\ufffd": [1, 0], "i": [1, 0]}
    vectors.update({"b": v[0], "d": v[1], "h": v[2], "j": v[3]})
    result = score_sts(load_task("sts16", sts_year), lambda texts: np.array([vectors[t] for t in texts], float))
    assert result["score"] == pytest.approx(100 * expected) and result["pairs"] == 4


def test_constant_similarity_scores_zero_not_nan():
    u = np.ones((3, 2))
    assert cosine_spearman(u, u, np.array([1.0, 2.0, 3.0])) == 0.0


def test_sts_benchmark_reader_ignores_trailing_columns(tmp_path):
    path = write_bytes(tmp_path / "sts-test.csv",
                       b"g\tf\t2012\t1\t2.5\tA girl.\tA woman.\n"
                       b"g\tf\t2012\t2\t4.0\tA man.\tA guy.\tsource\textra\n")
    pairs = read_sts_benchmark(path)
    assert pairs.first == ["A girl.", "A man."] and pairs.gold.tolist() == [2.5, 4.0]
    write_bytes(path, b"g\tf\t2012\t1\tbad\tA.\tB.\n")
    with pytest.raises(DataError, match="line 1"):
        read_sts_benchmark(path)


def test_probe_on_separable_vectors_is_perfect_and_on_noise_near_chance():
    rng = np.random.default_rng(0)
    labels = np.array([0, 1] * 50)
    separable = np.stack([labels * 2.0 - 1.0, rng.normal(0, 0.1, 100)], axis=1)
    assert probe_accuracy(separable, labels) == 1.0
    assert probe_accuracy(rng.normal(size=(100, 5)), labels) < 0.8


def test_probe_task_reads_one_file_per_class(tmp_path):
    write_bytes(tmp_path / "MR" / "rt-polarity.neg", b"bad\n\nawful\xff\n")
    write_bytes(tmp_path / "MR" / "rt-polarity.pos", b"good\n")
    probe = load_task("mr", tmp_path)
    assert probe.texts == ["bad", "awful\ufffd", "good"] and probe.labels.tolist() == [0, 0, 1]


def test_missing_files_and_folder_are_clear_errors(tmp_path, monkeypatch):
    with pytest.raises(DataError, match="rt-polarity.neg: transfer-task file not found"):
        load_task("mr", tmp_path)
    with pytest.raises(DataError, match="STS folder not found"):
        load_task("sts12", tmp_path)
    monkeypatch.delenv("BERTDISTILL_TRANSFER_DIR", raising=False)
    with pytest.raises(DataError, match="--transfer-dir"):
        resolve_transfer_dir(None)


@pytest.mark.parametrize(("inputs", "golds", "message"), [
    ("a\tb\nc\td\ne\tf\n", "1.0\n2.0\n", "2 gold lines but .* has 3 pairs"),                   # a gold file cut short
    ("a\tb\nc\td\n", "1.0\n2.0\n3.0\n", "3 gold lines but .* has 2 pairs"),
    ("", "", "0 scored pair"),                                                                # both empty
    ("a\tb\nc\td\n", "1.0\n\n", "1 scored pair"),                                              # one is not a ranking
    ("a\tb\nc\td\n", "1.0\nnan\n", "line 2: the score 'nan' is not a finite number"),
])
def test_sts_files_that_cannot_be_scored_are_refused(tmp_path, inputs, golds, message):
    (tmp_path / "STS.input.x.txt").write_text(inputs)
    (tmp_path / "STS.gs.x.txt").write_text(golds)
    with pytest.raises(DataError, match=message):
        read_sts_subset(tmp_path / "STS.input.x.txt", tmp_path / "STS.gs.x.txt")

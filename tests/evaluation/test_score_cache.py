"""A local encoder's transfer scores are reused while nothing they depend on changed, and only then."""

from __future__ import annotations

import json
import shutil

import pytest

from bertdistill.evaluation import encoder_benchmark
from bertdistill.evaluation.encoder_benchmark import EncoderBenchmarkConfig, run_encoder_benchmark
from bertdistill.evaluation.score_cache import ScoreCache, encoder_identity
from tests.conftest import make_tiny_bert


@pytest.fixture
def teacher(tmp_path):
    return make_tiny_bert(tmp_path / "teacher")


def benchmark(teacher, transfer, cache, **overrides) -> dict:
    settings = {"max_length": 16, **overrides}
    config = EncoderBenchmarkConfig(baselines=("teacher",), teacher=str(teacher), transfer_dir=str(transfer),
                                    speed=False, cache_dir=str(cache), **settings)
    return run_encoder_benchmark(config)["results"][0]


def no_scoring(monkeypatch):
    def refuse(data, encode):
        raise AssertionError("scored although the cache holds this task")

    monkeypatch.setattr(encoder_benchmark, "score_task", refuse)


def test_second_run_reuses_every_score(teacher, transfer_dir, tmp_path, monkeypatch):  # noqa: F811
    first = benchmark(teacher, transfer_dir, tmp_path / "cache")
    assert first["tasks_from_cache"] == 0 and len(first["scores"]) == 8
    entries = list((tmp_path / "cache" / "encoder-scores").iterdir())     # one entry per encoder, a file per task
    assert len(entries) == 1 and len(json.loads((entries[0] / "manifest.json").read_text())["files"]) == 8
    no_scoring(monkeypatch)
    second = benchmark(teacher, transfer_dir, tmp_path / "cache")
    assert second["tasks_from_cache"] == 8
    assert second["scores"] == first["scores"] and second["average"] == first["average"]


def test_changed_task_data_is_scored_again(teacher, transfer_dir, tmp_path):  # noqa: F811
    benchmark(teacher, transfer_dir, tmp_path / "cache")
    negatives = transfer_dir / "MR" / "rt-polarity.neg"
    negatives.write_text(negatives.read_text().replace("a", "the", 1))
    assert benchmark(teacher, transfer_dir, tmp_path / "cache")["tasks_from_cache"] == 7


def test_new_weights_in_the_same_folder_are_scored_again(teacher, transfer_dir, tmp_path):  # noqa: F811
    benchmark(teacher, transfer_dir, tmp_path / "cache")
    shutil.rmtree(teacher)
    make_tiny_bert(teacher, seed=1)
    assert benchmark(teacher, transfer_dir, tmp_path / "cache")["tasks_from_cache"] == 0


def test_a_longer_max_length_or_no_cache_scores_again(teacher, transfer_dir, tmp_path):  # noqa: F811
    benchmark(teacher, transfer_dir, tmp_path / "cache")
    assert benchmark(teacher, transfer_dir, tmp_path / "cache", max_length=32)["tasks_from_cache"] == 0
    uncached = benchmark(teacher, transfer_dir, tmp_path / "other", score_cache=False)
    assert uncached["tasks_from_cache"] == 0 and not (tmp_path / "other" / "encoder-scores").exists()


def test_a_damaged_entry_is_scored_again_and_replaced(teacher, transfer_dir, tmp_path):  # noqa: F811
    first = benchmark(teacher, transfer_dir, tmp_path / "cache")
    entry = sorted(path for path in (tmp_path / "cache" / "encoder-scores").glob("*/*.json")
                   if path.name != "manifest.json")[0]
    entry.write_text("{not json")
    again = benchmark(teacher, transfer_dir, tmp_path / "cache")
    assert again["tasks_from_cache"] == 7 and again["scores"] == first["scores"]
    assert "score" in json.loads(entry.read_text())


def test_hub_names_and_non_finite_scores_are_not_cached(tmp_path):
    assert encoder_identity("some-org/some-hub-model") is None
    cache = ScoreCache(tmp_path)
    assert cache.key(None, "mr", []) is None
    key = cache.key("an-encoder", "sts12", [])
    cache.put(key, {"score": float("nan")})
    assert cache.get(key) is None and not (tmp_path / "encoder-scores").exists()

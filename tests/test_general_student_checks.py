"""The zero-shot STS-B check of a general student: the teacher's score is computed once and kept."""

import json

import pytest

import bertdistill.scoring.general_student as checks
from tests.conftest import write_tsv

STS_COLUMNS = ["index", "genre", "filename", "year", "old_index", "source1", "source2", "sentence1", "sentence2",
               "score"]
PAIRS = [("the film was good", "a good film", "4.5"), ("a dull story", "the plot was dull", "3.0"),
         ("great acting", "a boring plot", "0.5"), ("bad and slow", "the film was slow", "2.0")]


@pytest.fixture
def sts_dir(tmp_path):
    rows = [[str(i), "g", "f", "y", "0", "s", "s", first, second, score] for i, (first, second, score) in
            enumerate(PAIRS)]
    (tmp_path / "glue" / "STS-B").mkdir(parents=True)
    write_tsv(tmp_path / "glue" / "STS-B" / "dev.tsv", STS_COLUMNS, rows)
    return tmp_path / "glue"


def test_teacher_score_is_computed_once_and_kept(tiny_bert, general_students, sts_dir, tmp_path, monkeypatch):
    computed = []
    spearman = checks.zero_shot_spearman
    monkeypatch.setattr(checks, "zero_shot_spearman",
                        lambda encoder, *args: computed.append(encoder) or spearman(encoder, *args))
    student = str(general_students["bilstm"])
    first = checks.general_student_metrics(student, str(tiny_bert), "mean", 16, str(sts_dir), tmp_path / "cache")
    second = checks.general_student_metrics(student, str(tiny_bert), "mean", 16, str(sts_dir), tmp_path / "cache")
    assert len(computed) == 3                      # student, teacher; then the student alone
    assert second == first and first["stsb_zero_shot"]["pairs"] == 4
    kept = list((tmp_path / "cache" / "zero-shot-teacher").glob("*/score.json"))
    assert len(kept) == 1
    assert json.loads(kept[0].read_text())["spearman"] == first["stsb_zero_shot"]["spearman_teacher"]

    kept[0].write_text("{damaged")                 # a damaged entry is computed again and rewritten
    assert checks.general_student_metrics(student, str(tiny_bert), "mean", 16, str(sts_dir),
                                          tmp_path / "cache") == first
    assert len(computed) == 5
    checks.general_student_metrics(student, str(tiny_bert), "mean", 12, str(sts_dir), tmp_path / "cache")
    assert len(computed) == 7                      # another length: another key
    assert len(list((tmp_path / "cache" / "zero-shot-teacher").glob("*/score.json"))) == 2


def test_hub_teacher_score_is_not_kept(tmp_path):
    assert checks.teacher_score_key("some-org/some-hub-model", "mean", 16, ["a"], ["b"], [1.0]) is None
    assert checks.cached_score(None) is None

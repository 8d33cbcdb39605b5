"""Retrieval: BEIR folders read and checked, exact cosine search, nDCG@10 / recall@100 against hand-computed
values, and the BM25 baseline."""

import math

import numpy as np
import pytest

from bertdistill.errors import DataError
from bertdistill.evaluation.bm25 import bm25_ranking, score_bm25
from bertdistill.evaluation.retrieval import (
    evaluate_ranking,
    exact_search,
    find_retrieval_sets,
    load_retrieval_set,
    score_retrieval,
)
from tests.conftest import write_beir_set

# 3 queries, 6 documents, graded judgements (0 = judged not relevant)
QRELS = {"q1": {"d1": 2, "d2": 1, "d3": 0}, "q2": {"d5": 3}, "q3": {"d6": 1, "d4": 2}}
RANKING = {"q1": {"d2": 0.9, "d1": 0.8, "d4": 0.7, "d3": 0.6},   # relevant at ranks 2 (grade 2) and 1 (grade 1)
           "q2": {"d1": 0.9, "d2": 0.8, "d5": 0.7},              # the one relevant document at rank 3
           "q3": {"d6": 0.9, "d1": 0.5}}                         # d4 (grade 2) never retrieved


def test_ndcg_and_recall_match_hand_computed_values():
    # nDCG@10 with linear gain, log2(rank + 1) discount, ideal order of all judged grades
    q1 = (1 / math.log2(2) + 2 / math.log2(3)) / (2 / math.log2(2) + 1 / math.log2(3))
    q2 = (3 / math.log2(4)) / (3 / math.log2(2))
    q3 = (1 / math.log2(2)) / (2 / math.log2(2) + 1 / math.log2(3))
    metrics = evaluate_ranking(QRELS, RANKING)
    assert metrics["ndcg@10"] == pytest.approx((q1 + q2 + q3) / 3, abs=1e-4)
    assert metrics["recall@100"] == pytest.approx((1 + 1 + 0.5) / 3, abs=1e-6)   # grade 0 is not relevant


def test_exact_search_ranks_by_cosine_and_keeps_the_top():
    documents = np.array([[1, 0], [0, 1], [1, 1], [-1, 0]], dtype=np.float32)     # (4, 2)
    queries = np.array([[2, 0.1], [-1, -3]], dtype=np.float32)                    # (2, 2): scale does not matter
    ranking = exact_search(queries, documents, ["a", "b"], ["x", "y", "z", "w"], depth=2)
    assert sorted(ranking["a"], key=ranking["a"].get, reverse=True) == ["x", "z"]
    assert sorted(ranking["b"], key=ranking["b"].get, reverse=True) == ["w", "x"]
    assert ranking["a"]["x"] == pytest.approx(2 / math.sqrt(4.01), abs=1e-6)


def test_a_set_reads_title_and_text_and_only_judged_queries(retrieval_dir):
    data = load_retrieval_set(retrieval_dir / "toy")
    assert data.name == "toy" and len(data.document_ids) == 6
    assert data.documents[0] == "good film a good movie and a great cast"
    assert data.documents[1] == "the plot was boring and dull"                    # no title: no leading space
    assert data.query_ids == ["q1", "q2", "q3"]                                  # q4 has no judgement
    assert data.qrels["q1"] == {"d1": 2, "d6": 1, "d2": 0}
    assert find_retrieval_sets(str(retrieval_dir)) == [retrieval_dir / "toy"]
    assert find_retrieval_sets(str(retrieval_dir / "toy")) == [retrieval_dir / "toy"]


def test_a_perfect_encoder_scores_one(retrieval_dir):
    data = load_retrieval_set(retrieval_dir / "toy")
    # one axis per document; each query points at its best document, then (less) at its second
    axis = {identifier: np.eye(6)[index] for index, identifier in enumerate(data.document_ids)}
    query_vectors = {"good movie cast": axis["d1"] + 0.5 * axis["d6"], "awful acting": axis["d5"],
                     "happy music": axis["d3"] + 0.5 * axis["d6"]}
    score = score_retrieval(data, lambda texts: np.stack([query_vectors[text] for text in texts]),
                            lambda texts: np.eye(6)[: len(texts)])
    assert score["ndcg@10"] == pytest.approx(1.0) and score["recall@100"] == pytest.approx(1.0)
    assert score["score"] == pytest.approx(100.0) and score["queries"] == 3 and score["documents"] == 6


def test_bm25_finds_the_documents_that_share_the_query_words(retrieval_dir):
    data = load_retrieval_set(retrieval_dir / "toy")
    ranking = bm25_ranking(data)
    assert max(ranking["q2"], key=ranking["q2"].get) == "d5"
    assert max(ranking["q3"], key=ranking["q3"].get) == "d3"
    assert score_bm25(data)["ndcg@10"] > 0.8


@pytest.mark.parametrize(("change", "message"), [
    (lambda folder: (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td9\t1\n"),
     "corpus id 'd9' is not in corpus.jsonl"),
    (lambda folder: (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq7\td1\t1\n"),
     "query id 'q7' is not in queries.jsonl"),
    (lambda folder: (folder / "qrels" / "test.tsv").write_text("q1\td1\t1\n"), "expected the header"),
    (lambda folder: (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\thigh\n"),
     "line 2: the score 'high' is not an integer"),
    (lambda folder: (folder / "queries.jsonl").unlink(), "missing queries.jsonl"),
    (lambda folder: (folder / "corpus.jsonl").write_text('{"_id": "d1", "text": "a"}\n{"_id": "d1", "text": "b"}\n'),
     "line 2: `_id` 'd1' appears twice"),
    (lambda folder: (folder / "corpus.jsonl").write_text('{"text": "a"}\n'), "line 1: the record has no `_id`"),
])
def test_a_damaged_set_is_one_clear_error(tmp_path, change, message):
    folder = write_beir_set(tmp_path / "set", {"d1": ("", "good")}, {"q1": "good"}, [("q1", "d1", 1)])
    change(folder)
    with pytest.raises(DataError, match=message):
        load_retrieval_set(folder)


def test_a_folder_without_a_set_is_an_error(tmp_path, monkeypatch):
    monkeypatch.delenv("BERTDISTILL_RETRIEVAL_DIR", raising=False)
    assert find_retrieval_sets(None) == []
    with pytest.raises(DataError, match="no BEIR-format set in it"):
        find_retrieval_sets(str(tmp_path))
    with pytest.raises(DataError, match="not a folder"):
        find_retrieval_sets(str(tmp_path / "missing"))

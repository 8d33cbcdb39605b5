"""Retrieval for sentence encoders: BEIR-format sets, exact cosine search, nDCG@10 and recall@100.

A set is a folder in the BEIR layout: `corpus.jsonl` (`_id`, `title`, `text`), `queries.jsonl` (`_id`, `text`)
and `qrels/test.tsv` (header `query-id corpus-id score`, tab-separated; a higher score is more relevant, 0 is
judged not relevant). Only queries with a judgement are run. A document is its title and text joined by a space,
as BEIR and MTEB encode it, truncated at the encoder's document length.

Search is exact: every query against every document by cosine, in plain numpy (one matrix product per block
of queries). Exact search is the reference an approximate index would be measured against, and at the sizes
an encoder benchmark runs (thousands to a few hundred thousand documents) a blocked product is fast enough
that `faiss` would add a dependency and no figure.

The metrics come from `pytrec_eval`, the `trec_eval` bindings BEIR and MTEB score with, so figures follow
their conventions (linear gain, `trec_eval`'s tie order).
"""

from __future__ import annotations

import csv
import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bertdistill.data.readers import iterate_jsonl
from bertdistill.errors import DataError

RETRIEVAL_DIR_VARIABLE = "BERTDISTILL_RETRIEVAL_DIR"
BEIR_FILES = ("corpus.jsonl", "queries.jsonl", "qrels/test.tsv")
NDCG_DEPTH = 10
RECALL_DEPTH = 100
QUERY_BLOCK = 256            # queries per matrix product in the exact search

Qrels = dict[str, dict[str, int]]        # query id -> {document id: graded relevance}
Ranking = dict[str, dict[str, float]]    # query id -> {document id: score}, the top documents only


@dataclasses.dataclass
class RetrievalSet:
    """One BEIR-format retrieval set: documents, the judged queries, and their graded judgements."""

    name: str
    document_ids: list[str]
    documents: list[str]     # title + " " + text
    query_ids: list[str]
    queries: list[str]
    qrels: Qrels


def read_records(path: Path, fields: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """`_id` -> the record's `fields`, from a JSONL file; a record without `_id` or a repeated id is an error."""
    records: dict[str, dict[str, str]] = {}
    for row in iterate_jsonl(path):
        identifier = row.fields.get("_id", "")
        if not identifier:
            raise DataError(f"{path}, line {row.line}: the record has no `_id`")
        if identifier in records:
            raise DataError(f"{path}, line {row.line}: `_id` {identifier!r} appears twice")
        records[identifier] = {field: row.fields.get(field, "") for field in fields}
    if not records:
        raise DataError(f"{path}: the file holds no record")
    return records


def read_qrels(path: Path) -> Qrels:
    """Graded judgements from a BEIR qrels TSV (header `query-id corpus-id score`)."""
    if not path.is_file():
        raise DataError(f"{path}: no such file (a BEIR set keeps its judgements in qrels/test.tsv)")
    qrels: Qrels = {}
    with open(path, encoding="utf-8", newline="") as stream:
        rows = csv.reader(stream, delimiter="\t")
        header = next(rows, None)
        if header is None or [column.strip() for column in header[:3]] != ["query-id", "corpus-id", "score"]:
            raise DataError(f"{path}, line 1: expected the header `query-id<TAB>corpus-id<TAB>score`")
        for line, row in enumerate(rows, start=2):
            if not row or not "".join(row).strip():
                continue
            if len(row) < 3:
                raise DataError(f"{path}, line {line}: expected 3 tab-separated fields, got {len(row)}")
            try:
                grade = int(row[2])
            except ValueError:
                raise DataError(f"{path}, line {line}: the score {row[2]!r} is not an integer") from None
            qrels.setdefault(row[0], {})[row[1]] = grade
    if not qrels:
        raise DataError(f"{path}: no judgement in the file")
    return qrels


def check_judged_ids(qrels: Qrels, documents: dict, queries: dict, folder: Path) -> None:
    """Every judged query and document exists (a missing one would silently count as never retrieved)."""
    missing_queries = sorted(set(qrels) - set(queries))
    if missing_queries:
        raise DataError(f"{folder / 'qrels/test.tsv'}: query id {missing_queries[0]!r} is not in queries.jsonl "
                        f"({len(missing_queries)} judged queries missing)")
    missing_documents = sorted({document for judged in qrels.values() for document in judged} - set(documents))
    if missing_documents:
        raise DataError(f"{folder / 'qrels/test.tsv'}: corpus id {missing_documents[0]!r} is not in corpus.jsonl "
                        f"({len(missing_documents)} judged documents missing)")


def load_retrieval_set(folder: str | Path) -> RetrievalSet:
    """Read and check one BEIR-format folder; every problem is one `DataError` naming the file and line."""
    folder = Path(folder)
    missing = [name for name in BEIR_FILES if not (folder / name).is_file()]
    if missing:
        raise DataError(f"{folder}: not a BEIR-format retrieval set (missing {', '.join(missing)})")
    documents = read_records(folder / "corpus.jsonl", ("title", "text"))
    queries = read_records(folder / "queries.jsonl", ("text",))
    qrels = read_qrels(folder / "qrels/test.tsv")
    check_judged_ids(qrels, documents, queries, folder)
    judged = [identifier for identifier in queries if identifier in qrels]
    return RetrievalSet(name=folder.name, document_ids=list(documents),
                        documents=[" ".join(part for part in (record["title"].strip(), record["text"].strip()) if part)
                                   for record in documents.values()],
                        query_ids=judged, queries=[queries[identifier]["text"] for identifier in judged], qrels=qrels)


def find_retrieval_sets(directory: str | None) -> list[Path]:
    """The BEIR folders under `--retrieval-dir` (itself one set, or a folder of sets), else
    $BERTDISTILL_RETRIEVAL_DIR; none when neither is set."""
    value = directory or os.environ.get(RETRIEVAL_DIR_VARIABLE)
    if not value:
        return []
    path = Path(value)
    if not path.is_dir():
        raise DataError(f"--retrieval-dir {path}: not a folder")
    if (path / "corpus.jsonl").is_file():
        return [path]
    sets = sorted(child for child in path.iterdir() if (child / "corpus.jsonl").is_file())
    if not sets:
        raise DataError(f"--retrieval-dir {path}: no BEIR-format set in it (a folder with corpus.jsonl, "
                        "queries.jsonl and qrels/test.tsv, or a folder of such folders)")
    return sets


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True).clip(min=1e-12)


def exact_search(query_vectors: np.ndarray, document_vectors: np.ndarray, query_ids: list[str],
                 document_ids: list[str], depth: int = RECALL_DEPTH) -> Ranking:
    """The `depth` documents of highest cosine for every query, by exact search."""
    queries, documents = normalise(query_vectors), normalise(document_vectors)   # (Q, d), (D, d)
    depth = min(depth, len(document_ids))
    ranking: Ranking = {}
    for start in range(0, len(query_ids), QUERY_BLOCK):
        similarity = queries[start:start + QUERY_BLOCK] @ documents.T                # (B, D)
        top = np.argpartition(-similarity, depth - 1, axis=1)[:, :depth]              # (B, depth), unordered
        for row, indices in enumerate(top):
            ranking[query_ids[start + row]] = {document_ids[index]: float(similarity[row, index]) for index in indices}
    return ranking


def evaluate_ranking(qrels: Qrels, ranking: Ranking) -> dict[str, float]:
    """Mean nDCG@10 and recall@100 over the judged queries (pytrec_eval, as BEIR and MTEB compute them)."""
    import pytrec_eval

    measures = {f"ndcg_cut.{NDCG_DEPTH}", f"recall.{RECALL_DEPTH}"}
    judged = {query: judgements for query, judgements in qrels.items() if query in ranking}
    per_query = pytrec_eval.RelevanceEvaluator(judged, measures).evaluate(ranking)
    return {f"ndcg@{NDCG_DEPTH}": float(np.mean([values[f"ndcg_cut_{NDCG_DEPTH}"] for values in per_query.values()])),
            f"recall@{RECALL_DEPTH}": float(np.mean([values[f"recall_{RECALL_DEPTH}"] for values in per_query.values()]))}


def retrieval_score(data: RetrievalSet, ranking: Ranking) -> dict:
    """The task's score (nDCG@10 x 100, the column the table shows) with recall@100 and the set's size."""
    metrics = evaluate_ranking(data.qrels, ranking)
    return {"score": 100 * metrics[f"ndcg@{NDCG_DEPTH}"], **metrics,
            "queries": len(data.query_ids), "documents": len(data.document_ids)}


def score_retrieval(data: RetrievalSet, encode_queries: Callable[[list[str]], np.ndarray],
                    encode_documents: Callable[[list[str]], np.ndarray]) -> dict:
    """Encode queries and documents, search exactly by cosine, and score the ranking."""
    ranking = exact_search(encode_queries(data.queries), encode_documents(data.documents),
                           data.query_ids, data.document_ids)
    return retrieval_score(data, ranking)

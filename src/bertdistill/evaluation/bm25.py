"""The BM25 baseline of the retrieval tasks, from `bm25s` (the lexical reference, as TF-IDF is for the probes).

`bm25s` was chosen over `rank_bm25` by measurement on the shared Cranfield set (`results/bm25_choice.md`):
Okapi scoring on sparse matrices instead of a Python loop per query, about six times faster, maintained, and
with its tokeniser 6 points of nDCG@10 higher. Texts are lowercased, split on words, English stop words removed
and stemmed by the Snowball English stemmer (PyStemmer; +2.1 nDCG@10 over no stemming), as the English
analyzer of the search engines behind BEIR's BM25 figures does.
"""

from __future__ import annotations

import logging

from bertdistill.evaluation.retrieval import RECALL_DEPTH, RetrievalSet, retrieval_score

logging.getLogger("bm25s").setLevel(logging.WARNING)   # it logs every index build at DEBUG

STOPWORDS = "en"
STEMMER_LANGUAGE = "english"


def bm25_ranking(data: RetrievalSet, depth: int = RECALL_DEPTH) -> dict[str, dict[str, float]]:
    """The top `depth` documents of every query by BM25 (k1 1.5, b 0.75: the library's defaults)."""
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer(STEMMER_LANGUAGE)

    def tokens(texts: list[str]):
        return bm25s.tokenize(texts, stopwords=STOPWORDS, stemmer=stemmer, show_progress=False)

    retriever = bm25s.BM25()
    retriever.index(tokens(data.documents), show_progress=False)
    depth = min(depth, len(data.documents))
    indices, scores = retriever.retrieve(tokens(data.queries), k=depth, show_progress=False)   # (Q, depth) each
    return {query: {data.document_ids[index]: float(score) for index, score in zip(indices[row], scores[row])}
            for row, query in enumerate(data.query_ids)}


def score_bm25(data: RetrievalSet) -> dict:
    return retrieval_score(data, bm25_ranking(data))

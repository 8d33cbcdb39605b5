"""BM25 libraries on a BEIR-format set: `bm25s` (with and without stemming) and `rank_bm25`, side by side.

    python research/experiments/bm25_choice.py ../shared/data/retrieval/cranfield --rounds 5 \
        --json results/bm25_choice.json --markdown results/bm25_choice.md

Each variant indexes the set's documents (title + text, as `evaluate-encoder` builds them) and ranks the top 100
documents of every judged query; nDCG@10 and recall@100 come from the same pytrec_eval scoring as the encoders.
Time: index plus search, the median of interleaved rounds. Needs `pip install rank_bm25` (not a dependency).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from bertdistill.evaluation.bm25 import bm25_ranking
from bertdistill.evaluation.retrieval import RECALL_DEPTH, RetrievalSet, evaluate_ranking, load_retrieval_set


def bm25s_unstemmed(data: RetrievalSet) -> dict:
    import bm25s

    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(data.documents, stopwords="en", show_progress=False), show_progress=False)
    indices, scores = retriever.retrieve(bm25s.tokenize(data.queries, stopwords="en", show_progress=False),
                                         k=RECALL_DEPTH, show_progress=False)
    return {query: {data.document_ids[index]: float(score) for index, score in zip(indices[row], scores[row])}
            for row, query in enumerate(data.query_ids)}


def rank_bm25_okapi(data: RetrievalSet) -> dict:
    from rank_bm25 import BM25Okapi

    def words(text: str) -> list[str]:
        return text.lower().split()

    index = BM25Okapi([words(document) for document in data.documents])
    ranking = {}
    for query, text in zip(data.query_ids, data.queries):
        scores = index.get_scores(words(text))                                  # (D,)
        top = np.argsort(-scores, kind="stable")[:RECALL_DEPTH]
        ranking[query] = {data.document_ids[index]: float(scores[index]) for index in top}
    return ranking


VARIANTS = {
    "bm25s, English stop words + Snowball stemmer (bertdistill's)": bm25_ranking,
    "bm25s, English stop words, no stemmer": bm25s_unstemmed,
    "rank_bm25 BM25Okapi, lowercased whitespace words": rank_bm25_okapi,
}


def measure(data: RetrievalSet, rounds: int) -> list[dict]:
    seconds = {name: [] for name in VARIANTS}
    rankings = {}
    for _ in range(rounds):
        for name, rank in VARIANTS.items():
            start = time.perf_counter()
            rankings[name] = rank(data)
            seconds[name].append(time.perf_counter() - start)
    reference = statistics.median(seconds[next(iter(VARIANTS))])
    rows = []
    for name in VARIANTS:
        metrics = evaluate_ranking(data.qrels, rankings[name])
        median = statistics.median(seconds[name])
        rows.append({"variant": name, "ndcg@10": round(100 * metrics["ndcg@10"], 1),
                     "recall@100": round(100 * metrics["recall@100"], 1), "seconds": round(median, 3),
                     "time_vs_bertdistill": round(median / reference, 2)})
    return rows


def markdown(rows: list[dict], data: RetrievalSet, command: str, rounds: int) -> str:
    lines = [f"# BM25 libraries on {data.name}", "",
             f"{len(data.documents)} documents, {len(data.query_ids)} judged queries; index + search, median of "
             f"{rounds} interleaved rounds on this machine's CPU.", "", "```", command, "```", "",
             "| variant | nDCG@10 | recall@100 | seconds | time vs bertdistill's |", "|---|---|---|---|---|"]
    lines += [f"| {row['variant']} | {row['ndcg@10']:.1f} | {row['recall@100']:.1f} | {row['seconds']:.3f} | "
              f"{row['time_vs_bertdistill']:.2f}x |" for row in rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="a BEIR-format folder")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json")
    parser.add_argument("--markdown")
    args = parser.parse_args()
    data = load_retrieval_set(args.folder)
    rows = measure(data, args.rounds)
    command = "python research/experiments/bm25_choice.py " + " ".join(
        [args.folder, "--rounds", str(args.rounds)] + [part for flag in ("json", "markdown") if getattr(args, flag)
                                                        for part in (f"--{flag}", getattr(args, flag))])
    table = markdown(rows, data, command, args.rounds)
    print(table)
    if args.json:
        Path(args.json).write_text(json.dumps({"command": command, "rows": rows}, indent=2) + "\n")
    if args.markdown:
        Path(args.markdown).write_text(table)


if __name__ == "__main__":
    main()

"""Where the general students lose retrieval quality: their queries, their documents, or the words of the domain.

The students keep 81-83% of the teacher's nDCG@10 on Cranfield against 95-96% of its transfer average. Three
measurements say which lever could close that:
- agreement: the mean cosine to the teacher's vector of the set's queries, of its documents (title + text, up to
  `--document-max-length` word pieces, as `evaluate-encoder` encodes them) and of the documents' first sentences
  (short text of the same domain), beside the held-out cosine of the student's own run;
- crossed rankings: nDCG@10 with the teacher's query vectors against the student's document vectors and the other
  way round; if either side alone held the gap, putting the teacher on that side would close most of it;
- coverage: the share of the set's word-piece occurrences that the training selection (`--corpus`,
  `--sentences`, sampled as `distill sra` samples it) shows fewer than k times, against the transfer tasks'.

    python research/experiments/retrieval_gap.py --model runs/domains-200k/static-even \
        --model runs/domains-200k/bilstm-even --retrieval-dir ../shared/data/retrieval/cranfield \
        --transfer-dir ../shared/data/transfer --corpus ../shared/data/corpus/wikipedia_en_slice.txt:0.5 \
        '../shared/data/corpus/mixed_en/*.txt:0.5' --sentences 200000 --json results/domains_200k/retrieval_gap.json
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

import numpy as np

from bertdistill import encode
from bertdistill.data.cache import default_cache_root
from bertdistill.data.corpus import CorpusConfig, prepare_corpus
from bertdistill.evaluation.retrieval import exact_search, load_retrieval_set, normalise, retrieval_score
from bertdistill.teachers.loading import load_tokenizer

sys.path.insert(0, str(Path(__file__).parent))
from sra_token_coverage import domain_texts, rare_shares, token_counts  # noqa: E402


def first_sentences(documents: list[str]) -> list[str]:
    """The sentence after each document's title (Cranfield's text repeats the title, then ` . `)."""
    parts = [document.split(" . ") for document in documents]
    return [pieces[1] if len(pieces) > 1 and pieces[1].strip() else pieces[0] for pieces in parts]


def vectors(model: str, texts: dict[str, list[str]], lengths: dict[str, int]) -> dict[str, np.ndarray]:
    return {kind: normalise(encode(model, items, max_length=lengths[kind])) for kind, items in texts.items()}


def ndcg(data, queries: np.ndarray, documents: np.ndarray) -> float:
    return round(retrieval_score(data, exact_search(queries, documents, data.query_ids, data.document_ids))["score"], 2)


def student_row(model: str, teacher: dict[str, np.ndarray], texts, lengths, data) -> dict:
    student = vectors(model, texts, lengths)
    metrics_file = Path(model) / "metrics.json"
    held_out = json.loads(metrics_file.read_text())["held_out_cosine"] if metrics_file.is_file() else None
    return {"held_out_cosine": held_out,
            **{f"cosine_{kind}": round(float((student[kind] * teacher[kind]).sum(1).mean()), 4) for kind in texts},
            "ndcg@10": ndcg(data, student["queries"], student["documents"]),
            "ndcg@10_teacher_queries": ndcg(data, teacher["queries"], student["documents"]),
            "ndcg@10_teacher_documents": ndcg(data, student["queries"], teacher["documents"])}


def coverage(args, texts: dict[str, list[str]]) -> dict:
    tokenizer = load_tokenizer(args.teacher)
    corpus, _ = prepare_corpus(CorpusConfig(paths=tuple(args.corpus), max_sentences=args.sentences),
                               default_cache_root())
    corpus_counts = token_counts(tokenizer, corpus["text"])
    transfer = [text for items in domain_texts(Path(args.transfer_dir)).values() for text in items]
    domains = {"transfer tasks (all 8)": transfer, **{f"cranfield {kind}": items for kind, items in texts.items()}}
    return {name: {"tokens": sum(counts.values()), **{key: round(value, 5) for key, value in
                                                       rare_shares(counts, corpus_counts).items()}}
            for name, counts in ((name, token_counts(tokenizer, items)) for name, items in domains.items())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", required=True)
    parser.add_argument("--teacher", default="minilm")
    parser.add_argument("--retrieval-dir", required=True)
    parser.add_argument("--transfer-dir", required=True)
    parser.add_argument("--corpus", nargs="+", required=True)
    parser.add_argument("--sentences", type=int, required=True)
    parser.add_argument("--document-max-length", type=int, default=256)
    parser.add_argument("--json", required=True)
    args = parser.parse_args()

    data = load_retrieval_set(args.retrieval_dir)
    texts = {"queries": data.queries, "documents": data.documents,
             "first_sentences": first_sentences(data.documents)}
    lengths = {"queries": 128, "documents": args.document_max_length, "first_sentences": 128}
    teacher = vectors(args.teacher, texts, lengths)
    result = {"command": "python research/experiments/retrieval_gap.py " + shlex.join(sys.argv[1:]),
              "teacher_ndcg@10": ndcg(data, teacher["queries"], teacher["documents"]),
              "students": {model: student_row(model, teacher, texts, lengths, data) for model in args.model},
              "rare_token_shares": coverage(args, texts)}
    Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

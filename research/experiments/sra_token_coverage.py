"""Is the SRA students' domain gap a vocabulary gap? How often the transfer text uses word pieces that the
training selection rarely or never shows the student.

A token the corpus never shows keeps its initial (contextual) vector; one seen a few times is barely trained.
If the transfer domains where the students lose most to the teacher were made of such tokens, better vectors for
rare tokens would be the lever. This counts, for the first `--sentences` rows of the shuffled corpus (the selection
of a `distill sra --max-sentences N` run), how often each word piece occurs, then the share of token occurrences
in each transfer domain (every sentence of it) and in unseen corpus rows whose token occurs fewer than k times.

    python research/experiments/sra_token_coverage.py --corpus ../shared/data/corpus/wikipedia_en_slice.txt \
        --sentences 200000 --transfer-dir ../shared/data/transfer --json results/sra_runs/token_coverage.json
"""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path

from bertdistill.data.cache import default_cache_root
from bertdistill.data.corpus import CorpusConfig, prepare_corpus
from bertdistill.evaluation.transfer import load_task
from bertdistill.teachers.loading import load_tokenizer

TASKS = ("sts12", "sts13", "sts14", "sts15", "sts16", "stsb", "mr", "subj")
THRESHOLDS = (1, 5, 20)


def token_counts(tokenizer, texts: list[str], batch: int = 10_000) -> collections.Counter:
    counts = collections.Counter()
    for start in range(0, len(texts), batch):
        for ids in tokenizer(texts[start : start + batch], add_special_tokens=False)["input_ids"]:
            counts.update(ids)
    return counts


def rare_shares(occurrences: collections.Counter, corpus_counts: collections.Counter) -> dict[str, float]:
    """Share of `occurrences` (token -> count in a domain) whose token occurs < k times in the corpus."""
    total = sum(occurrences.values())
    return {f"below_{k}": sum(n for token, n in occurrences.items() if corpus_counts[token] < k) / total
            for k in THRESHOLDS}


def domain_texts(transfer_dir: Path) -> dict[str, list[str]]:
    domains = {}
    for task in TASKS:
        data = load_task(task, transfer_dir)
        if isinstance(data, list):
            domains.update({f"{task}/{subset.name}": subset.first + subset.second for subset in data})
        else:
            domains[task] = list(data.texts)
    return domains


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--sentences", type=int, default=200_000, help="the training selection's size")
    parser.add_argument("--unseen", type=int, default=5_000, help="corpus rows after the selection, as control")
    parser.add_argument("--teacher", default="minilm")
    parser.add_argument("--transfer-dir", required=True)
    parser.add_argument("--json", required=True)
    args = parser.parse_args()

    tokenizer = load_tokenizer(args.teacher)
    corpus, stats = prepare_corpus(CorpusConfig(paths=(args.corpus,)), default_cache_root())
    if stats["usable_sentences"] < args.sentences + args.unseen:
        parser.error(f"the corpus has {stats['usable_sentences']} usable sentences; need {args.sentences} + "
                     f"{args.unseen}")
    corpus_counts = token_counts(tokenizer, corpus.select(range(args.sentences))["text"])
    domains = {"wikipedia (unseen corpus rows)":
               corpus.select(range(args.sentences, args.sentences + args.unseen))["text"],
               **domain_texts(Path(args.transfer_dir))}
    rows = {name: {"tokens": sum(counts.values()), **rare_shares(counts, corpus_counts)}
            for name, counts in ((name, token_counts(tokenizer, texts)) for name, texts in domains.items())}
    result = {"command": "python research/experiments/sra_token_coverage.py --corpus " + args.corpus + f" --sentences "
              f"{args.sentences} --transfer-dir {args.transfer_dir} --json {args.json}",
              "corpus_sentences": args.sentences, "distinct_tokens_seen": len(corpus_counts), "domains": rows}
    Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("| domain | token occurrences | seen 0 times | < 5 times | < 20 times |\n|---|---|---|---|---|")
    for name, row in rows.items():
        print(f"| {name} | {row['tokens']} | {row['below_1']:.2%} | {row['below_5']:.2%} | {row['below_20']:.2%} |")


if __name__ == "__main__":
    main()

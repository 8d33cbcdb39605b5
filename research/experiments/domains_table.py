"""The "Domains" tables of results/sra.md, from the committed files of `bertdistill run recipes/domains-30k.yaml`
(or domains-200k.yaml): the rows whose students the folder holds.

    python research/experiments/domains_table.py results/domains_30k
    python research/experiments/domains_table.py results/domains_200k --sentences 200,000

(1) per corpus and student: the 8-task transfer average and the retrieval nDCG@10, each with its % of the teacher;
(2) per corpus and student: the held-out cosine to the teacher, overall and per source (mixed corpora only).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

CORPORA = {"wiki": "Wikipedia alone", "mixed": "mixed_en alone (7 domains)", "even": "even mix of the two"}
STUDENTS = ("static", "bilstm")
SOURCES = ("wikipedia_en_slice", "web", "news", "forum", "questions", "dialogue", "reviews", "tweets")


def score_table(encoders: dict, sentences: str) -> str:
    rows = {row["model"]: row for row in encoders["results"]}
    teacher = rows[encoders["teacher"]]
    lines = [f"| corpus ({sentences} sentences) | student | transfer average | % of teacher | Cranfield nDCG@10 | "
             "% of teacher |", "|---|---|---|---|---|---|"]
    for name in (encoders["teacher"], "model2vec distill (no data)", "BM25 (bm25s, retrieval only)"):
        row = rows[name]
        average = "" if row["average"] is None else f"{row['average']:.1f} | {100 * row['average'] / teacher['average']:.1f}"
        lines.append(f"| {name} | — | {average or ' | '} | {row['retrieval_average']:.1f} | "
                     f"{100 * row['retrieval_average'] / teacher['retrieval_average']:.1f} |")
    for corpus, title in CORPORA.items():
        for student in STUDENTS:
            row = rows.get(f"{student}-{corpus}")
            if row is None:   # not trained at this size
                continue
            lines.append(f"| {title} | {student} | {row['average']:.1f} | {100 * row['average'] / teacher['average']:.1f}"
                         f" | {row['retrieval_average']:.1f} | "
                         f"{100 * row['retrieval_average'] / teacher['retrieval_average']:.1f} |")
    return "\n".join(lines) + "\n"


def agreement_table(folder: Path) -> str:
    lines = ["| corpus | student | held-out cosine | " + " | ".join(SOURCES) + " |",
             "|---|---|---|" + "---|" * len(SOURCES)]
    for corpus, title in CORPORA.items():
        for student in STUDENTS:
            path = folder / f"{student}-{corpus}.metrics.json"
            if not path.is_file():
                continue
            metrics = json.loads(path.read_text())
            by_source = metrics.get("held_out_cosine_by_source", {})
            cells = [f"{by_source[source]['cosine']:.3f} ({by_source[source]['sentences']})" if source in by_source
                     else "" for source in SOURCES]
            lines.append(f"| {title} | {student} | {metrics['held_out_cosine']:.3f} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--sentences", default="30,000", help="the training size, as the table's header shows it")
    parser.add_argument("--encoders", default="encoders.json", help="the evaluate-encoder JSON in the folder")
    args = parser.parse_args()
    print(score_table(json.loads((args.folder / args.encoders).read_text()), args.sentences))
    print(agreement_table(args.folder))


if __name__ == "__main__":
    main()

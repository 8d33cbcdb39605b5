"""The even mix's size curve at the default recipe (results/sra.md, "The even mix's size curve"), from the
committed files of each point: `bertdistill run recipes/domains-even-curve.yaml --set sentences=N` (30k, 100k),
recipes/domains-200k.yaml (200k) and research/gpu/sra_400k.sh (400k, static only).

    python research/experiments/domains_curve.py

Per point and student: the transfer average and Cranfield nDCG@10 with their % of the teacher, the held-out
cosine to the teacher; then what each bar of issue 32 asks of the transfer average.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[2] / "results"
BARS = {"static": 0.955, "bilstm": 0.97}   # share of the teacher's transfer average
POINTS = (   # sentences, encoders file, {student: (row name, metrics file)}
    ("30,000", "domains_even_curve/encoders-30k.json",
     {student: (f"{student}-even", f"domains_even_curve/{student}-even-30k.metrics.json") for student in BARS}),
    ("100,000", "domains_even_curve/encoders-100k.json",
     {student: (f"{student}-even", f"domains_even_curve/{student}-even-100k.metrics.json") for student in BARS}),
    ("200,000", "domains_200k/encoders.json",
     {student: (f"{student}-even", f"domains_200k/{student}-even.metrics.json") for student in BARS}),
    ("400,000 (GPU)", "domains_400k/static-even-400k.encoders.json",
     {"static": ("static-even-400k", "domains_400k/static-even-400k.metrics.json")}),
)


def curve_rows(results: Path) -> list[dict]:
    rows = []
    for sentences, encoders_file, students in POINTS:
        encoders = json.loads((results / encoders_file).read_text())
        by_model = {row["model"]: row for row in encoders["results"]}
        teacher = by_model[encoders["teacher"]]
        for student, (model, metrics_file) in students.items():
            row = by_model[model]
            metrics = json.loads((results / metrics_file).read_text())
            rows.append({"sentences": sentences, "student": student, "transfer": row["average"],
                         "transfer_share": row["average"] / teacher["average"],
                         "retrieval": row["retrieval_average"],
                         "retrieval_share": row["retrieval_average"] / teacher["retrieval_average"],
                         "held_out_cosine": metrics["held_out_cosine"], "bar": BARS[student] * teacher["average"]})
    return rows


def curve_table(rows: list[dict]) -> str:
    lines = ["| even mix, default recipe | student | transfer average | % of teacher | short of the bar | "
             "Cranfield nDCG@10 | % of teacher | held-out cosine |", "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        short = max(row["bar"] - row["transfer"], 0.0)
        lines.append(f"| {row['sentences']} | {row['student']} | {row['transfer']:.2f} | {100 * row['transfer_share']:.1f} "
                     f"| {short:.2f} | {row['retrieval']:.1f} | {100 * row['retrieval_share']:.1f} | "
                     f"{row['held_out_cosine']:.3f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=Path, default=RESULTS, help="the results folder")
    print(curve_table(curve_rows(parser.parse_args().results)), end="")


if __name__ == "__main__":
    main()

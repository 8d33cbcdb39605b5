"""The even mix's size curve at the default recipe (results/sra.md, "The even mix's size curve"), from the
committed files of each point: `bertdistill run recipes/domains-even-curve.yaml --set sentences=N` (30k, 100k),
recipes/domains-200k.yaml (200k) and research/gpu/sra_400k.sh (400k, static only).

    python research/experiments/domains_curve.py            # the curve
    python research/experiments/domains_curve.py --levers   # the static student's levers at 200k

Per point and student: the transfer average and Cranfield nDCG@10 with their % of the teacher, the held-out
cosine to the teacher, and how far the transfer average is under the student's bar of issue 32. With --levers:
the variants of research/runs/domains_200k/static_levers.sh (results/domains_200k/static_levers.json) the same way.
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


LEVERS = {   # row of static_levers.json: what it changes from the default recipe (seed 42 unless said)
    "static-even": "none (the default recipe)", "seed1": "none, training seed 1",
    "lr3e-3": "learning rate 3e-3 (1e-3)", "epochs4": "4 epochs (2)",
    "crops-2-8": "crops of 2-8 words (4-16)", "crops-8-32": "crops of 8-32 words (4-16)",
    "loss-mse+cosine": "loss mse+cosine (cosine)", "loss-mse+cosine-seed1": "loss mse+cosine, training seed 1",
}


def levers_table(results: Path) -> str:
    encoders = json.loads((results / "domains_200k" / "static_levers.json").read_text())
    by_model = {row["model"]: row for row in encoders["results"]}
    teacher = by_model[encoders["teacher"]]
    bar = BARS["static"] * teacher["average"]
    lines = ["| static student, even mix, 200k: change | transfer average | % of teacher | short of the bar | "
             "Cranfield nDCG@10 |", "|---|---|---|---|---|"]
    for model, change in LEVERS.items():
        row = by_model[model]
        lines.append(f"| {change} | {row['average']:.2f} | {100 * row['average'] / teacher['average']:.2f} | "
                     f"{max(bar - row['average'], 0.0):.2f} | {row['retrieval_average']:.1f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=Path, default=RESULTS, help="the results folder")
    parser.add_argument("--levers", action="store_true", help="the static levers table instead of the curve")
    args = parser.parse_args()
    print(levers_table(args.results) if args.levers else curve_table(curve_rows(args.results)), end="")


if __name__ == "__main__":
    main()

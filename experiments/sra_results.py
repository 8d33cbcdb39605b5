"""The table of results/sra.md from the committed encoder-benchmark JSON files.

    python experiments/sra_results.py           # prints the markdown table
    python experiments/sra_results.py --seeds   # the finalists over seeds (results/sra_runs/seeds_30k/seed-*.json)

CPU rows come from results/sra_runs/encoders_shapes.json (the main job's students and both BiLSTM shapes, timed beside
the teacher in one run); H100 rows from results/sra_runs/gpu/*.json (scored there, no speed: their shapes are CPU rows',
whose CPU speed they share).
"""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[1] / "results"
TASKS = ("sts12", "sts13", "sts14", "sts15", "sts16", "stsb", "mr", "subj")
CPU_ROWS = (("teacher (minilm)", "teacher all-MiniLM-L6-v2", "—"),
            ("model2vec distill (no data)", "model2vec distill of the teacher (no data)", "13 s build, CPU"),
            ("general-static", "static SRA student", "30k sentences, 2 epochs, CPU (main job)"),
            ("general-bilstm", "BiLSTM SRA student (2x300, residual static)", "30k sentences, 2 epochs, CPU"),
            ("general-bilstm-1x256", "BiLSTM SRA student (1x256, residual static)",
             "30k sentences, 2 epochs, CPU (main job)"))
SCALE_ROWS = (("static_100k.json", "static-100k", "static SRA student", "100k sentences, 2 epochs, CPU"),)
GPU_ROWS = (("sra_static_444k.json", "static-cosine-pca", "static SRA student", "444k sentences, 2 epochs, H100",
             "general-static"),
            ("sra_bilstm_444k.json", "bilstm-residual-1ep", "BiLSTM SRA student (2x300, residual static)",
             "444k sentences, 1 epoch, H100", "general-bilstm"),
            ("sra_token_targets_60k.json", "bilstm-60k", "BiLSTM (2x300, residual), sentence target only",
             "60k sentences, 1 epoch, H100", None),
            ("sra_token_targets_60k.json", "bilstm-60k-token1", "the same + token-level targets (`--token-weight 1`)",
             "60k sentences, 1 epoch, H100", None))


def short_batch_speedup(result: dict, model: str) -> str:
    rows = [row for row in result["speed"] if row["model"] == model and row["texts"] == "short"]
    return f"{max(rows, key=lambda row: row['batch_size'])['speedup_vs_teacher']:.1f}x" if rows else ""


def seeds_table() -> str:
    """Per seed and mean +- standard deviation of each finalist's transfer average, and its % of the teacher."""
    import statistics

    files = sorted((RESULTS / "sra_runs" / "seeds_30k").glob("seed-*.json"), key=lambda path: int(path.stem[5:]))
    runs = {int(path.stem[5:]): json.loads(path.read_text()) for path in files}
    models = [row["model"] for row in next(iter(runs.values()))["results"]   # rows with an average: encoders
              if row["model"] not in ("teacher (minilm)", "model2vec distill (no data)") and row["average"]]
    seeds = list(runs)
    lines = [f"| student (30k sentences, 2 epochs, batch 256) | {' | '.join(f'seed {seed}' for seed in seeds)} | "
             "mean | std | % of teacher (mean) |", "|---" * (len(seeds) + 4) + "|"]
    for model in models + ["model2vec distill (no data)"]:
        averages = [next(row["average"] for row in runs[seed]["results"] if row["model"] == model) for seed in seeds]
        teacher = statistics.mean(next(row["average"] for row in runs[seed]["results"]
                                       if row["model"] == "teacher (minilm)") for seed in seeds)
        spread = statistics.stdev(averages) if len(averages) > 1 else 0.0
        lines.append(f"| {model} | {' | '.join(f'{value:.2f}' for value in averages)} | "
                     f"**{statistics.mean(averages):.2f}** | {spread:.2f} | {100 * statistics.mean(averages) / teacher:.1f} |")
    return "\n".join(lines)


def main() -> None:
    import sys

    if "--seeds" in sys.argv[1:]:
        print(seeds_table())
        return
    cpu = json.loads((RESULTS / "sra_runs" / "encoders_shapes.json").read_text())
    by_model = {row["model"]: row for row in cpu["results"]}
    teacher = by_model["teacher (minilm)"]["average"]
    lines = ["| encoder | data, epochs, where | STS12 | STS13 | STS14 | STS15 | STS16 | STS-B test | MR | SUBJ | "
             "average | % of teacher | CPU speed vs teacher (short texts, batch 128) |", "|---" * 13 + "|"]

    def add(label: str, where: str, row: dict, speed: str) -> None:
        cells = " | ".join(f"{row['scores'][task]['score']:.1f}" for task in TASKS)
        lines.append(f"| {label} | {where} | {cells} | **{row['average']:.1f}** | "
                     f"{100 * row['average'] / teacher:.1f} | {speed} |")

    for model, label, where in CPU_ROWS:
        if model in by_model:
            add(label, where, by_model[model], short_batch_speedup(cpu, model))
    for file, model, label, where in SCALE_ROWS:
        rows = {row["model"]: row for row in json.loads((RESULTS / "sra_runs" / file).read_text())["results"]}
        add(label, where, rows[model], short_batch_speedup(cpu, "general-static"))
    for file, model, label, where, shape in GPU_ROWS:
        rows = {row["model"]: row for row in json.loads((RESULTS / "sra_runs" / "gpu" / file).read_text())["results"]}
        add(label, where, rows[model], short_batch_speedup(cpu, shape) if shape else "")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

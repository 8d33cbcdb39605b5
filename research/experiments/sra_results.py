"""The tables of results/sra.md, and results/sra.json, from the committed encoder-benchmark JSON files.

    python research/experiments/sra_results.py                            # the encoder table (markdown)
    python research/experiments/sra_results.py --seeds                    # the finalists over seeds
    python research/experiments/sra_results.py --scaling                  # transfer average against corpus size
    python research/experiments/sra_results.py --grid 100k                # one factor at a time (sra_grid.py runs)
    python research/experiments/sra_results.py --json results/sra.json    # all three as one JSON file, with their sources

CPU speed comes from results/sra_runs/encoders_shapes.json (the main job's students and both BiLSTM shapes, timed
beside the teacher in one run), for the 384-d students from results/sra_runs/relational/shapes_384.json (timed
beside the 256-d ones and the teacher); H100 rows from results/sra_runs/gpu/*.json (scored there, no speed: their
shapes are CPU rows', whose CPU speed they share). Each source file holds the `bertdistill evaluate-encoder` command that made it.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[2] / "results"
RUNS = RESULTS / "sra_runs"
TASKS = ("sts12", "sts13", "sts14", "sts15", "sts16", "stsb", "mr", "subj")
TEACHER = ("encoders_shapes.json", "teacher (minilm)")
# (file under results/sra_runs, model name in it, label, data/epochs/machine, model whose CPU speed it shares)
ENCODER_ROWS = (
    ("encoders_shapes.json", "teacher (minilm)", "teacher all-MiniLM-L6-v2", "—", "teacher (minilm)"),
    ("encoders_shapes.json", "model2vec distill (no data)", "model2vec distill of the teacher (no data)",
     "13 s build, CPU", "model2vec distill (no data)"),
    ("encoders_shapes.json", "general-static", "static SRA student", "30k sentences, 2 epochs, CPU (main job)",
     "general-static"),
    ("encoders_shapes.json", "general-bilstm", "BiLSTM SRA student (2x300, residual static)",
     "30k sentences, 2 epochs, CPU", "general-bilstm"),
    ("encoders_shapes.json", "general-bilstm-1x256", "BiLSTM SRA student (1x256, residual static)",
     "30k sentences, 2 epochs, CPU (earlier main job)", "general-bilstm-1x256"),
    ("static_init/bilstm-30k-from-static-e1.json", "bilstm-30k-from-static-e1",
     "the same 1x256 BiLSTM started from the static student (`--init-student`)",
     "30k sentences, 1 epoch, CPU (main job recipe)", "general-bilstm-1x256"),
    ("static_init/bilstm-30k-from-static-e2.json", "bilstm-30k-from-static-e2",
     "the same 1x256 BiLSTM started from the static student (`--init-student`)", "30k sentences, 2 epochs, CPU",
     "general-bilstm-1x256"),
    ("static_init/bilstm-30k-from-static-dropout0-e1.json", "bilstm-30k-from-static-dropout0-e1",
     "the same, started from the static student, without dropout (`--dropout 0`)", "30k sentences, 1 epoch, CPU",
     "general-bilstm-1x256"),
    ("relational/static-30k-dim384-raw.json", "static-30k-dim384-raw",
     "static, 384-d token vectors, raw 384-d targets (`--embedding-dim 384 --target-pca 0`)",
     "30k sentences, 2 epochs, CPU (main job at 384-d)", ("relational/shapes_384.json", "static-200k-dim384-raw")),
    ("relational/bilstm-30k-dim384-raw-from-static.json", "bilstm-30k-dim384-raw-from-static",
     "BiLSTM 1x256 residual, 384-d, raw targets, started from that static student",
     "30k sentences, 1 epoch, CPU (main job at 384-d)", ("relational/shapes_384.json", "bilstm-200k-dim384-raw")),
    ("static_100k.json", "static-100k", "static SRA student", "100k sentences, 2 epochs, CPU", "general-static"),
    ("scale_200k/static-200k.json", "static-200k", "static SRA student", "200k sentences, 2 epochs, CPU",
     "general-static"),
    ("scale_200k/bilstm-200k.json", "bilstm-200k", "BiLSTM SRA student (1x256, residual static)",
     "200k sentences, 2 epochs, CPU", "general-bilstm-1x256"),
    ("scale_200k/bilstm-200k-dropout0.json", "bilstm-200k-dropout0", "the same without dropout (`--dropout 0`)",
     "200k sentences, 2 epochs, CPU", "general-bilstm-1x256"),
    ("scale_200k/bilstm-200k-dropout0-token1.json", "bilstm-200k-dropout0-token1",
     "the same without dropout, + token-level targets (`--token-weight 1`)", "200k sentences, 2 epochs, CPU",
     "general-bilstm-1x256"),
    ("static_init/bilstm-200k-from-static.json", "bilstm-200k-from-static",
     "the same started from the 200k static student (`--init-student`)", "200k sentences, 2 epochs, CPU",
     "general-bilstm-1x256"),
    ("static_init/bilstm-200k-from-static-dropout0.json", "bilstm-200k-from-static-dropout0",
     "the same started from the 200k static student, without dropout", "200k sentences, 2 epochs, CPU",
     "general-bilstm-1x256"),
    ("scale_200k/bilstm-200k-meanpool-lr3e-3.json", "bilstm-200k-meanpool-lr3e-3",
     "the same with mean pooling and lr 3e-3 (the 30k levers)", "200k sentences, 2 epochs, CPU", "general-bilstm-1x256"),
    ("relational/static-200k-similarity1.json", "static-200k-similarity1",
     "static, + the relational loss (`--similarity-weight 1`)", "200k sentences, 2 epochs, CPU", "general-static"),
    ("relational/static-200k-similarity10.json", "static-200k-similarity10",
     "static, + the relational loss (`--similarity-weight 10`)", "200k sentences, 2 epochs, CPU", "general-static"),
    ("relational/bilstm-200k-meanpool.json", "bilstm-200k-meanpool",
     "BiLSTM 1x256 residual, mean pooling instead of max (`--pooling mean`)", "200k sentences, 2 epochs, CPU",
     "general-bilstm-1x256"),
    ("relational/static-200k-dim384-raw.json", "static-200k-dim384-raw",
     "static, 384-d token vectors, raw 384-d targets (`--embedding-dim 384 --target-pca 0`)",
     "200k sentences, 2 epochs, CPU", ("relational/shapes_384.json", "static-200k-dim384-raw")),
    ("relational/static-200k-dim512-raw.json", "static-200k-dim512-raw",
     "static, 512-d token vectors, raw 384-d targets (folds to the 384-d table's shape)",
     "200k sentences, 2 epochs, CPU", ("relational/shapes_384.json", "static-200k-dim384-raw")),
    ("relational/bilstm-200k-dim384-raw.json", "bilstm-200k-dim384-raw",
     "BiLSTM 1x256 residual, 384-d token vectors, raw 384-d targets", "200k sentences, 2 epochs, CPU",
     ("relational/shapes_384.json", "bilstm-200k-dim384-raw")),
    ("relational/bilstm-200k-dim384-raw-seed1.json", "bilstm-200k-dim384-raw-seed1",
     "the same, second seed on the same sentences (`--seed 1 --corpus-seed 42`)", "200k sentences, 2 epochs, CPU",
     ("relational/shapes_384.json", "bilstm-200k-dim384-raw")),
    ("relational/bilstm-200k-dim384-raw-token1.json", "bilstm-200k-dim384-raw-token1",
     "the same 384-d BiLSTM without dropout, + token-level targets (`--dropout 0 --token-weight 1`)",
     "200k sentences, 2 epochs, CPU", ("relational/shapes_384.json", "bilstm-200k-dim384-raw")),
    ("crops/static-30k-4epochs.json", "static-30k-4epochs",
     "static, 384-d, raw targets, 4 epochs (as many steps as the crop run below)", "30k sentences, 4 epochs, CPU",
     ("relational/shapes_384.json", "static-200k-dim384-raw")),
    ("crops/static-30k-crops1.json", "static-30k-crops1",
     "static, 384-d, raw targets, + one span crop per sentence (`--span-crops 1`)",
     "30k sentences + 28k crops, 2 epochs, CPU", ("relational/shapes_384.json", "static-200k-dim384-raw")),
    ("crops/static-200k-dim384-raw-4epochs.json", "static-200k-dim384-raw-4epochs",
     "static, 384-d, raw targets, 4 epochs (as many steps as the crop run below)", "200k sentences, 4 epochs, CPU",
     ("relational/shapes_384.json", "static-200k-dim384-raw")),
    ("crops/static-200k-dim384-raw-crops1.json", "static-200k-dim384-raw-crops1",
     "static, 384-d, raw targets, + one span crop per sentence (`--span-crops 1`)",
     "200k sentences + 193k crops, 2 epochs, CPU", ("relational/shapes_384.json", "static-200k-dim384-raw")),
    ("crops/static-200k-dim384-raw-crops1-seed1.json", "static-200k-dim384-raw-crops1-seed1",
     "the same static student, second seed on the same sentences and crops (`--seed 1 --corpus-seed 42`)",
     "200k sentences + 193k crops, 2 epochs, CPU", ("relational/shapes_384.json", "static-200k-dim384-raw")),
    ("crops/bilstm-200k-dim384-raw-crops1.json", "bilstm-200k-dim384-raw-crops1",
     "BiLSTM 1x256 residual, 384-d, raw targets, + one span crop per sentence (`--span-crops 1`)",
     "200k sentences + 193k crops, 2 epochs, CPU", ("relational/shapes_384.json", "bilstm-200k-dim384-raw")),
    ("crops/bilstm-200k-dim384-raw-crops1-seed1.json", "bilstm-200k-dim384-raw-crops1-seed1",
     "the same BiLSTM, second seed on the same sentences and crops (`--seed 1 --corpus-seed 42`)",
     "200k sentences + 193k crops, 2 epochs, CPU", ("relational/shapes_384.json", "bilstm-200k-dim384-raw")),
    ("gpu/sra_static_444k.json", "static-cosine-pca", "static SRA student", "444k sentences, 2 epochs, H100",
     "general-static"),
    ("gpu/sra_bilstm_444k.json", "bilstm-residual-1ep", "BiLSTM SRA student (2x300, residual static)",
     "444k sentences, 1 epoch, H100", "general-bilstm"),
    ("gpu/sra_token_targets_60k.json", "bilstm-60k", "BiLSTM (2x300, residual), sentence target only",
     "60k sentences, 1 epoch, H100", None),
    ("gpu/sra_token_targets_60k.json", "bilstm-60k-token1", "the same + token-level targets (`--token-weight 1`)",
     "60k sentences, 1 epoch, H100", None),
)
# the recipe (contextual init, cosine, target PCA 256, 2 epochs) at each corpus size:
# (student, sentences, file, model, batch size, machine); the BiLSTM is 1x256 with the residual static path
SCALING = (
    ("static", "30k", "encoders_shapes.json", "general-static", 128, "CPU"),
    ("static", "100k", "static_100k.json", "static-100k", 128, "CPU"),
    ("static", "200k", "scale_200k/static-200k.json", "static-200k", 128, "CPU"),
    ("static", "444k", "gpu/sra_static_444k.json", "static-cosine-pca", 256, "H100"),
    ("BiLSTM 1x256", "30k", "encoders_shapes.json", "general-bilstm-1x256", 128, "CPU"),
    ("BiLSTM 1x256", "100k", "grid_100k.json", "bilstm1x256-residual-cosine-pca", 256, "CPU"),
    ("BiLSTM 1x256", "200k", "scale_200k/bilstm-200k.json", "bilstm-200k", 128, "CPU"),
)
SPEED_SOURCE = "encoders_shapes.json"
# one factor at a time around the recipe (research/experiments/sra_grid.py variants), as the grid tables label them
VARIANT_LABELS = {
    "static-cosine-pca": "static, contextual init, cosine, target PCA 256 (the recipe)",
    "static-mse-pca": "... MSE instead of cosine",
    "static-contrastive-pca": "... contrastive (InfoNCE, tau 0.05) instead of cosine",
    "static-cosine-raw": "... raw 384-d targets instead of PCA 256",
    "static-random-cosine-pca": "... random token vectors instead of contextual",
    "bilstm1x256-residual-cosine-pca": "BiLSTM 1x256, residual static path, the recipe's init and loss",
    "bilstm1x256-contextual-cosine-pca": "... without the residual static path",
    "bilstm1x256-inputpca-residual-cosine-pca": "... input-embedding PCA init instead of contextual",
    "bilstm1x256-inputpca-mse-raw": "... the old recipe: input-embedding PCA init, no residual path, MSE on raw targets",
    "bilstm1x256-residual-meanpool": "... mean pooling of the BiLSTM states instead of max",
    "bilstm1x256-residual-lr3e-3": "... learning rate 3e-3 instead of 1e-3",
    "bilstm1x256-residual-meanpool-lr3e-3": "... both: mean pooling and learning rate 3e-3",
    "model2vec distill (no data)": "model2vec distill (no data)",
}
GRIDS = {"100k": "grid_100k.json", "30k-bilstm": "grid_30k_bilstm.json", "30k-levers": "grid_30k_levers.json"}


def benchmark_row(file: str, model: str) -> dict:
    """One model's row of a committed `evaluate-encoder` JSON file."""
    rows = json.loads((RUNS / file).read_text())["results"]
    return next(row for row in rows if row["model"] == model)


def teacher_average() -> float:
    return benchmark_row(*TEACHER)["average"]


def short_batch_speedup(model: str | tuple[str, str] | None) -> float | None:
    """Texts per second against the teacher: short texts, the largest batch timed (128). `model` names a row of
    SPEED_SOURCE, or is (file, model) for a shape timed in another run (always against the teacher beside it)."""
    file, model = model if isinstance(model, tuple) else (SPEED_SOURCE, model)
    speed = json.loads((RUNS / file).read_text())["speed"]
    rows = [row for row in speed if row["model"] == model and row["texts"] == "short"]
    return max(rows, key=lambda row: row["batch_size"])["speedup_vs_teacher"] if rows else None


def encoder_rows() -> list[dict]:
    teacher = teacher_average()
    rows = []
    for file, model, label, where, speed_of in ENCODER_ROWS:
        row = benchmark_row(file, model)
        rows.append({"encoder": label, "where": where, "source": f"results/sra_runs/{file}", "model": model,
                     "scores": {task: row["scores"][task]["score"] for task in TASKS}, "average": row["average"],
                     "percent_of_teacher": 100 * row["average"] / teacher,
                     "cpu_speedup_short_batch128": short_batch_speedup(speed_of)})
    return rows


def scaling_rows() -> list[dict]:
    teacher = teacher_average()
    return [{"student": student, "sentences": size, "average": benchmark_row(file, model)["average"],
             "percent_of_teacher": 100 * benchmark_row(file, model)["average"] / teacher, "batch_size": batch,
             "machine": machine, "source": f"results/sra_runs/{file}", "model": model}
            for student, size, file, model, batch, machine in SCALING]


def grid_rows(grid: str) -> list[dict]:
    """Every variant of one grid run (one corpus, one seed, batch 256) with its average and % of the teacher."""
    rows = json.loads((RUNS / GRIDS[grid]).read_text())["results"]
    teacher = next(row["average"] for row in rows if row["model"] == "teacher (minilm)")
    rows = sorted((row for row in rows if row["model"] in VARIANT_LABELS),
                  key=lambda row: row["model"].startswith("model2vec"))   # the baseline last
    return [{"variant": row["model"], "label": VARIANT_LABELS[row["model"]], "average": row["average"],
             "percent_of_teacher": 100 * row["average"] / teacher, "source": f"results/sra_runs/{GRIDS[grid]}"}
            for row in rows]


def seed_rows() -> list[dict]:
    """Per seed, mean and standard deviation of each finalist's transfer average (results/sra_runs/seeds_30k)."""
    files = sorted((RUNS / "seeds_30k").glob("seed-*.json"), key=lambda path: int(path.stem[5:]))
    runs = {int(path.stem[5:]): json.loads(path.read_text())["results"] for path in files}
    first = next(iter(runs.values()))
    students = [row["model"] for row in first                     # rows with an average are encoders
                if row["model"] not in ("teacher (minilm)", "model2vec distill (no data)") and row["average"]]
    teacher = statistics.mean(next(row["average"] for row in rows if row["model"] == "teacher (minilm)")
                              for rows in runs.values())
    table = []
    for model in [*students, "model2vec distill (no data)"]:
        averages = {seed: next(row["average"] for row in rows if row["model"] == model) for seed, rows in runs.items()}
        mean = statistics.mean(averages.values())
        table.append({"student": model, "averages": averages, "mean": mean,
                      "std": statistics.stdev(averages.values()) if len(averages) > 1 else 0.0,
                      "percent_of_teacher": 100 * mean / teacher})
    return table


def encoder_markdown(rows: list[dict]) -> str:
    lines = ["| encoder | data, epochs, where | STS12 | STS13 | STS14 | STS15 | STS16 | STS-B test | MR | SUBJ | "
             "average | % of teacher | CPU speed vs teacher (short texts, batch 128) |", "|---" * 13 + "|"]
    for row in rows:
        cells = " | ".join(f"{row['scores'][task]:.1f}" for task in TASKS)
        speed = row["cpu_speedup_short_batch128"]
        lines.append(f"| {row['encoder']} | {row['where']} | {cells} | **{row['average']:.1f}** | "
                     f"{row['percent_of_teacher']:.1f} | {f'{speed:.1f}x' if speed else ''} |")
    return "\n".join(lines)


def scaling_markdown(rows: list[dict]) -> str:
    students = list(dict.fromkeys(row["student"] for row in rows))
    sizes = list(dict.fromkeys(row["sentences"] for row in rows))
    found = {(row["student"], row["sentences"]): row for row in rows}
    lines = ["| sentences (2 epochs) | " + " | ".join(f"{student} (% of teacher; batch, machine)"
                                                     for student in students) + " | BiLSTM - static |",
             "|---" * (len(students) + 2) + "|"]
    for size in sizes:
        cells = [f"**{found[student, size]['average']:.1f}** ({found[student, size]['percent_of_teacher']:.1f}%; "
                 f"{found[student, size]['batch_size']}, {found[student, size]['machine']})"
                 if (student, size) in found else "—" for student in students]
        both = [found[student, size]["average"] for student in students if (student, size) in found]
        gap = f"{both[-1] - both[0]:+.1f}" if len(both) == len(students) else "—"
        lines.append(f"| {size} | {' | '.join(cells)} | {gap} |")
    return "\n".join(lines)


def grid_markdown(rows: list[dict], heading: str) -> str:
    lines = [f"| variant ({heading}) | average | % of teacher |", "|---|---|---|"]
    lines += [f"| {row['label']} | {row['average']:.1f} | {row['percent_of_teacher']:.1f} |" for row in rows]
    return "\n".join(lines)


GRID_HEADINGS = {"100k": "100k sentences, 2 epochs, batch 256, one seed",
                 "30k-bilstm": "30k sentences, 2 epochs, batch 256, seed 42",
                 "30k-levers": "30k sentences, 2 epochs, batch 256, seed 42"}


def seeds_markdown(rows: list[dict]) -> str:
    seeds = list(rows[0]["averages"])
    lines = [f"| student (30k sentences, 2 epochs, batch 256) | {' | '.join(f'seed {seed}' for seed in seeds)} | "
             "mean | std | % of teacher (mean) |", "|---" * (len(seeds) + 4) + "|"]
    for row in rows:
        per_seed = " | ".join(f"{row['averages'][seed]:.2f}" for seed in seeds)
        lines.append(f"| {row['student']} | {per_seed} | **{row['mean']:.2f}** | {row['std']:.2f} | "
                     f"{row['percent_of_teacher']:.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", action="store_true", help="print the seeds table")
    parser.add_argument("--scaling", action="store_true", help="print the scaling table")
    parser.add_argument("--grid", choices=list(GRIDS), help="print one grid's table")
    parser.add_argument("--json", type=Path, help="write every table's rows to this file")
    args = parser.parse_args()
    if args.json:
        tables = {"command": "python research/experiments/sra_results.py --json results/sra.json",
                  "teacher_average": teacher_average(), "encoders": encoder_rows(), "scaling": scaling_rows(),
                  "grids": {grid: grid_rows(grid) for grid in GRIDS}, "seeds_30k": seed_rows()}
        args.json.write_text(json.dumps(tables, indent=1) + "\n")
    elif args.seeds:
        print(seeds_markdown(seed_rows()))
    elif args.scaling:
        print(scaling_markdown(scaling_rows()))
    elif args.grid:
        print(grid_markdown(grid_rows(args.grid), GRID_HEADINGS[args.grid]))
    else:
        print(encoder_markdown(encoder_rows()))


if __name__ == "__main__":
    main()

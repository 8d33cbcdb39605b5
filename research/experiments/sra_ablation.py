"""SRA ablation: representation x loss x pooling x embedding init, screened on two GLUE tasks.

    python research/experiments/sra_ablation.py --corpus ../shared/data/corpus/wikipedia_en_slice.txt \
        --data-dir ../shared/data/glue --output runs/sra-ablation --results results/sra_ablation

By default one factor varies at a time around the defaults (mean / mse / max / teacher); `--full-grid`
runs every combination. Every cell uses the same corpus sample, steps and seed (docs/methods.md 1.6):
SRA on the corpus, then fine-tuning on each screening task (SST-2 subsampled, MRPC). Teacher vectors are
cached per representation, so only the first cell of each representation pays for the teacher.
Held-out cosine is only comparable within one representation; the task scores are the screen.
Writes RESULTS.md and RESULTS.json; cells already finished are skipped on a rerun.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

from bertdistill.data.corpus import CorpusConfig
from bertdistill.data.loading import DataConfig
from bertdistill.methods.finetune import FinetuneConfig, finetune
from bertdistill.methods.sra import SRAConfig, StudentShape, distill_sra, init_student, sra_training_defaults
from bertdistill.training.arguments import TrainingConfig

DEFAULT = {"representation": "mean", "loss": "mse", "pooling": "max", "embedding_init": "teacher"}
CHOICES = {"representation": ["mean", "cls", "pooler", "idf_mean"], "loss": ["mse", "mse+cosine", "cosine"],
           "pooling": ["max", "mean", "last", "attention"], "embedding_init": ["teacher", "random"]}
TASKS = {"sst2": {"max_length": 64}, "mrpc": {"max_length": 128}}


SCRATCH = {"representation": "none", "loss": "none", "pooling": "max", "embedding_init": "random"}


def cells(full_grid: bool) -> list[dict[str, str]]:
    """The cells to run; the first is the same BiLSTM trained from scratch (no distillation)."""
    if full_grid:
        return [SCRATCH] + [dict(zip(CHOICES, values)) for values in itertools.product(*CHOICES.values())]
    found = [SCRATCH, dict(DEFAULT)]
    for factor, options in CHOICES.items():
        found += [{**DEFAULT, factor: option} for option in options if option != DEFAULT[factor]]
    return found


def cell_name(cell: dict[str, str]) -> str:
    return "-".join(cell[factor].replace("+", "_") for factor in CHOICES)


def run_cell(cell: dict[str, str], args: argparse.Namespace) -> dict:
    directory = args.output / cell_name(cell)
    record_path = directory / "cell.json"
    if record_path.is_file():
        return json.loads(record_path.read_text())
    start = time.perf_counter()
    training = sra_training_defaults()
    training.epochs, training.progress_bar, training.seed = args.epochs, False, args.seed
    general = directory / "general"
    if cell is SCRATCH:
        if not general.is_dir():
            init_student(args.teacher, str(general), StudentShape(embedding_init="random"), seed=args.seed)
        sra = {"held_out_cosine": None, "stsb_zero_shot": {}}
    elif (general / "metrics.json").is_file():
        sra = json.loads((general / "metrics.json").read_text())
    else:
        sra = distill_sra(SRAConfig(
            teacher=args.teacher, output_dir=str(general), resume=general.exists(),
            corpus=CorpusConfig(paths=tuple(args.corpus), max_sentences=args.sentences, seed=args.seed),
            representation=cell["representation"], loss=cell["loss"], max_length=args.max_length,
            student=StudentShape(pooling=cell["pooling"], embedding_init=cell["embedding_init"]),
            training=training, sts_data_dir=args.data_dir, cache_dir=args.cache_dir,
        ))
    scores = {}
    for task, settings in TASKS.items():
        task_dir = directory / task
        if (task_dir / "metrics.json").is_file():
            scores[task] = json.loads((task_dir / "metrics.json").read_text())["primary"]
            continue
        record = finetune(FinetuneConfig(
            model=str(general), output_dir=str(task_dir), resume=task_dir.exists(),
            data=DataConfig(task=task, data_dir=args.data_dir, max_length=settings["max_length"],
                            max_train_samples=args.task_samples),
            training=TrainingConfig(epochs=args.task_epochs, batch_size=32, seed=args.seed, progress_bar=False),
        ))
        scores[task] = record["primary"]
    result = {**cell, "held_out_cosine": sra["held_out_cosine"],
              "stsb_zero_shot": sra["stsb_zero_shot"].get("spearman_student"),
              **{f"{task}_dev": score for task, score in scores.items()},
              "screen_average": sum(scores.values()) / len(scores), "seconds": round(time.perf_counter() - start)}
    record_path.write_text(json.dumps(result, indent=2))
    return result


def write_results(results: list[dict], args: argparse.Namespace, command: str) -> str:
    header = ("| representation | loss | pooling | embedding init | held-out cosine | zero-shot STS-B | "
              "SST-2 acc | MRPC F1 | screen avg |")
    lines = [header, "|---|---|---|---|---|---|---|---|---|"]
    best = max(results, key=lambda result: result["screen_average"])
    for result in results:
        mark = " **best**" if result is best else ""
        sts = "n/a" if result["stsb_zero_shot"] is None else f"{100 * result['stsb_zero_shot']:.1f}"
        cosine = "n/a" if result["held_out_cosine"] is None else f"{result['held_out_cosine']:.3f}"
        representation = ("*no distillation (BiLSTM from scratch)*" if result["representation"] == "none"
                          else result["representation"])
        lines.append(f"| {representation} | {result['loss']} | {result['pooling']} | "
                     f"{result['embedding_init']} | {cosine} | {sts} | "
                     f"{100 * result['sst2_dev']:.1f} | {100 * result['mrpc_dev']:.1f} | "
                     f"{100 * result['screen_average']:.1f}{mark} |")
    table = "\n".join(lines)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.with_suffix(".json").write_text(json.dumps({"command": command, "settings": {
        "sentences": args.sentences, "epochs": args.epochs, "max_length": args.max_length,
        "task_samples": args.task_samples, "task_epochs": args.task_epochs, "seed": args.seed}, "cells": results},
        indent=2))
    args.results.with_suffix(".md").write_text(
        "# SRA ablation (one seed, small scale: a screen, not a final ranking)\n\n"
        f"{args.sentences:,} corpus sentences, {args.epochs:g} SRA epoch(s), max length {args.max_length}; "
        f"each general student fine-tuned on SST-2 ({args.task_samples or 'all'} training sentences) and MRPC "
        f"for {args.task_epochs:g} epoch(s), seed {args.seed}. Defaults: "
        f"{', '.join(f'{k}={v}' for k, v in DEFAULT.items())}.\n\n{table}\n\nCommand:\n\n```bash\n{command}\n```\n")
    return table


def main() -> None:
    import shlex
    import sys

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", nargs="+", required=True)
    parser.add_argument("--teacher", default="minilm")
    parser.add_argument("--data-dir", help="glue_data folder (default: the hub)")
    parser.add_argument("--output", type=Path, default=Path("runs/sra-ablation"))
    parser.add_argument("--results", type=Path, default=Path("results/sra_ablation.md"))
    parser.add_argument("--cache-dir")
    parser.add_argument("--sentences", type=int, default=20000)
    parser.add_argument("--epochs", type=float, default=2)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--task-samples", type=int, default=8000, help="SST-2/MRPC training subset per cell")
    parser.add_argument("--task-epochs", type=float, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--full-grid", action="store_true")
    parser.add_argument("--choices", nargs="+", default=[], metavar="FACTOR=A,B",
                        help="restrict a factor's options, e.g. pooling=max,mean (the default must stay in)")
    args = parser.parse_args()
    for item in args.choices:
        factor, _, options = item.partition("=")
        if factor not in CHOICES or DEFAULT[factor] not in options.split(","):
            raise SystemExit(f"--choices {item}: unknown factor, or the default {DEFAULT.get(factor)} left out")
        CHOICES[factor] = options.split(",")
    command = shlex.join(["python", *sys.argv])
    results = []
    for cell in cells(args.full_grid):
        print(f"== {cell_name(cell)}", flush=True)
        results.append(run_cell(cell, args))
        print(write_results(results, args, command), flush=True)


if __name__ == "__main__":
    main()

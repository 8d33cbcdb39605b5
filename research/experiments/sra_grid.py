"""The SRA ablation as one command: named recipes, one cached corpus, every student scored by the encoder benchmark.

    python research/experiments/sra_grid.py --corpus ../shared/data/corpus/wikipedia_en_slice.txt \
        --transfer-dir ../shared/data/transfer --output runs/sra-grid --results results/sra_grid \
        --variants static-cosine-pca static-mse-pca bilstm-residual

Each variant is `bertdistill distill sra` with the shared flags plus its own; finished variants are skipped on a
rerun (delete the folder to redo one). The teacher vectors are computed once (the shared cache) and reused.
At the end `bertdistill evaluate-encoder` scores all of them beside the teacher and the model2vec baseline.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

STATIC = ["--student", "static", "--embedding-dim", "256"]
CONTEXTUAL = ["--embedding-init", "contextual"]
PCA = ["--target-pca", "256"]
BILSTM_1x256 = ["--embedding-dim", "256", "--hidden-size", "256", "--num-layers", "1"]
BILSTM_2x300 = ["--embedding-dim", "256", "--hidden-size", "300", "--num-layers", "2"]

VARIANTS: dict[str, list[str]] = {
    # static rung: loss and target PCA around contextual init, then the init itself
    "static-mse-pca": [*STATIC, *CONTEXTUAL, *PCA, "--loss", "mse"],
    "static-cosine-pca": [*STATIC, *CONTEXTUAL, *PCA, "--loss", "cosine"],
    "static-contrastive-pca": [*STATIC, *CONTEXTUAL, *PCA, "--loss", "contrastive"],
    "static-cosine-raw": [*STATIC, *CONTEXTUAL, "--loss", "cosine"],
    "static-random-cosine-pca": [*STATIC, "--embedding-init", "random", *PCA, "--loss", "cosine"],
    # BiLSTM rung: residual static path, size, init, and the old recipe
    "bilstm1x256-residual-cosine-pca": [*BILSTM_1x256, *CONTEXTUAL, "--residual-static", *PCA, "--loss", "cosine"],
    "bilstm1x256-contextual-cosine-pca": [*BILSTM_1x256, *CONTEXTUAL, "--no-residual-static", *PCA, "--loss", "cosine"],
    "bilstm1x256-inputpca-residual-cosine-pca": [*BILSTM_1x256, "--embedding-init", "teacher", "--residual-static",
                                                 *PCA, "--loss", "cosine"],
    "bilstm1x256-inputpca-mse-raw": [*BILSTM_1x256, "--embedding-init", "teacher", "--no-residual-static",
                                     "--loss", "mse"],
    "bilstm1x256-residual-meanpool": [*BILSTM_1x256, *CONTEXTUAL, "--residual-static", *PCA, "--loss", "cosine",
                                      "--pooling", "mean"],
    "bilstm1x256-residual-lr3e-3": [*BILSTM_1x256, *CONTEXTUAL, "--residual-static", *PCA, "--loss", "cosine",
                                    "--lr", "3e-3"],
    "bilstm1x256-residual-meanpool-lr3e-3": [*BILSTM_1x256, *CONTEXTUAL, "--residual-static", *PCA, "--loss", "cosine",
                                             "--pooling", "mean", "--lr", "3e-3"],
    "bilstm2x300-residual-cosine-pca": [*BILSTM_2x300, *CONTEXTUAL, "--residual-static", *PCA, "--loss", "cosine"],
    "bilstm2x300-contextual-cosine-pca": [*BILSTM_2x300, *CONTEXTUAL, "--no-residual-static", *PCA, "--loss", "cosine"],
    "bilstm2x300-residual-contrastive-pca": [*BILSTM_2x300, *CONTEXTUAL, "--residual-static", *PCA,
                                             "--loss", "contrastive"],
    "bilstm2x300-inputpca-mse-raw": [*BILSTM_2x300, "--embedding-init", "teacher", "--no-residual-static",
                                     "--loss", "mse"],
}


def bertdistill(*arguments: str) -> None:
    command = [sys.executable, "-m", "bertdistill.cli", *arguments]
    print("+", " ".join(command), flush=True)
    subprocess.run(command, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--transfer-dir", required=True)
    parser.add_argument("--output", required=True, help="folder for the students")
    parser.add_argument("--results", required=True, help="path prefix of the .json and .md tables")
    parser.add_argument("--teacher", default="minilm")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--max-sentences", type=int, help="default: the whole corpus")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-speed", action="store_true", help="score only (speed belongs to a CPU run)")
    args = parser.parse_args()
    shared = ["--teacher", args.teacher, "--corpus", args.corpus, "--epochs", str(args.epochs),
              "--batch-size", str(args.batch_size), "--max-length", str(args.max_length), "--seed", str(args.seed),
              "--span-crops", "0", "--no-progress"]
    if args.max_sentences:
        shared += ["--max-sentences", str(args.max_sentences)]
    folders = []
    for name in args.variants:
        folder = Path(args.output) / name
        folders.append(folder)
        if not (folder / "metrics.json").is_file():
            bertdistill("distill", "sra", *shared, *VARIANTS[name], "--output-dir", str(folder))
    models = [argument for folder in folders for argument in ("--model", str(folder))]
    bertdistill("evaluate-encoder", *models, "--teacher", args.teacher, "--transfer-dir", args.transfer_dir,
                "--json", f"{args.results}.json", "--markdown", f"{args.results}.md", "--no-progress",
                *(["--no-speed"] if args.no_speed else []))


if __name__ == "__main__":
    main()

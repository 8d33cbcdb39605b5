"""The tokenlearn peer: a static model trained by tokenlearn's own recipe on the same (text, teacher vector)
pairs as a bertdistill static student, so the two are compared on equal data in one `evaluate-encoder` run.

    pip install --no-deps tokenlearn==0.2.1 more-itertools   # its model2vec[distill] extra pins transformers < 5.4
    python research/experiments/tokenlearn_peer.py --run runs/domains-30k/static-even --output runs/tokenlearn-even

The pairs are rebuilt from the run's config.yaml and the caches it filled (no teacher work): the run's training
rows (held-out sentences and span crops left out, as tokenlearn's own split holds out its last 10%) with the
teacher's raw vectors. Then tokenlearn's `main` as it stands: a vocabulary of up to 56,000 words from the texts,
`model2vec.distill` of the teacher with it (256-d PCA, float32), `train_model` (its own PCA of the targets to
256-d, its own trainer and early stopping). Only `trust_remote_code` differs: off, as bertdistill always has it.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from bertdistill.data.cache import default_cache_root
from bertdistill.methods.sra import SRAConfig, teacher_targets
from bertdistill.teachers.loading import load_tokenizer, resolve_model_path

VOCABULARY_SIZE = 56_000   # tokenlearn's default
PCA_DIMENSIONS = 256       # tokenlearn's default


def training_pairs(run: Path) -> tuple[list[str], np.ndarray, SRAConfig]:
    """The run's own training sentences and their teacher vectors (raw, before any target PCA)."""
    config = SRAConfig.load(run / "config.yaml")
    cache_root = Path(config.cache_dir) if config.cache_dir else default_cache_root()
    targets = teacher_targets(config, load_tokenizer(config.teacher), cache_root)
    sentences = targets.train_rows[targets.train_rows < targets.eval_rows[0]]          # (N,) no crops
    texts = targets.token_ids.select(sentences)["text"]
    vectors = np.asarray(targets.vectors[sentences], dtype=np.float32)                  # (N, d_teacher)
    return texts, vectors, config


def train_peer(texts: list[str], vectors: np.ndarray, teacher: str, device: str):
    from model2vec.distill import distill
    from tokenlearn.train import train_model
    from tokenlearn.utils import create_vocab

    vocabulary = create_vocab(texts=texts, vocab_size=VOCABULARY_SIZE)
    model = distill(model_name=resolve_model_path(teacher), quantize_to="float32", vocabulary=vocabulary,
                    pca_dims=PCA_DIMENSIONS, trust_remote_code=False)
    return train_model(model, texts, vectors, device=device, pca_dims=PCA_DIMENSIONS), len(vocabulary)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True, help="a finished distill sra run folder (static)")
    parser.add_argument("--output", type=Path, required=True, help="where the tokenlearn model is saved")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    if args.output.exists():
        parser.error(f"--output {args.output} exists; choose a new folder")
    texts, vectors, config = training_pairs(args.run)
    start = time.perf_counter()
    model, vocabulary = train_peer(texts, vectors, config.teacher, args.device)
    model.save_pretrained(str(args.output))
    record = {"run": str(args.run), "pairs": len(texts), "teacher": config.teacher, "added_vocabulary": vocabulary,
              "train_seconds": round(time.perf_counter() - start, 1), "tokenlearn": "0.2.1"}
    (args.output / "tokenlearn_peer.json").write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()

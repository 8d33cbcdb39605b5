"""How much a residual BiLSTM student's LSTM path differs between training and inference.

The BiLSTM applies dropout to its states before max pooling, so in training the pooled vector is a max over
partly zeroed states and at inference the max over all of them. This measures, for trained SRA students, the
agreement with the teacher (mean cosine to the run's own targets) in eval mode and in train mode (dropout on,
a fixed seed), on training rows and held-out rows of the run's corpus; the static path alone; and the mean norm
of the LSTM path's contribution (the sentence vector minus the static path) in both modes.

    python research/experiments/sra_dropout_modes.py --run runs/static-init/bilstm-200k-from-static:checkpoint-1555 \
        --run runs/static-init/bilstm-200k-from-static --run runs/scale/bilstm-200k --json OUT.json

A `RUN:CHECKPOINT` reads the weights of `RUN/checkpoints/CHECKPOINT` and the corpus and targets of RUN's
resolved config.yaml.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from bertdistill.data.cache import default_cache_root
from bertdistill.data.token_table import TokenTable
from bertdistill.io import atomic_write_json
from bertdistill.methods.sra import SRAConfig, teacher_targets
from bertdistill.methods.sra.training import SentenceVectorCollator
from bertdistill.students import BiLSTMModel
from bertdistill.students.general import pad_id
from bertdistill.teachers.loading import load_tokenizer, load_weights


def cosines(model: BiLSTMModel, batch: dict) -> dict[str, torch.Tensor]:
    """Per row: cosine of the sentence vector and of the static path to the target; the LSTM path's norm."""
    ids, mask, target = batch["input_ids"], batch["attention_mask"], batch["teacher_vector"]
    with torch.no_grad():
        vector = model(ids, mask).sentence_embedding                                     # (B, P)
        static = model.static_projection(model.static_mean(ids, mask))                   # (B, P)
    cosine = torch.nn.functional.cosine_similarity
    return {"sentence": cosine(vector, target), "static_path": cosine(static, target),
            "lstm_path_norm": (vector - static).norm(dim=1), "static_path_norm": static.norm(dim=1)}


def measure(run_spec: str, rows_each: int) -> dict:
    run, _, checkpoint = run_spec.partition(":")
    config = SRAConfig.load(Path(run) / "config.yaml")
    tokenizer = load_tokenizer(config.teacher)
    cache_root = Path(config.cache_dir) if config.cache_dir else default_cache_root()
    targets = teacher_targets(config, tokenizer, cache_root)
    collate = SentenceVectorCollator(TokenTable.of(targets.token_ids), targets.vectors, pad_id(tokenizer), targets.pca)
    row_sets = {"train": range(rows_each), "held_out": targets.eval_rows[:rows_each]}
    model = load_weights(BiLSTMModel, str(Path(run) / "checkpoints" / checkpoint) if checkpoint else run)
    result = {"run": run_spec, "dropout": model.config.dropout}
    for name, rows in row_sets.items():
        batch = collate(np.asarray(rows))
        for mode in ("eval", "train"):
            model.train(mode == "train")
            torch.manual_seed(0)
            values = cosines(model, batch)
            result[f"{name}_{mode}"] = {key: round(float(value.mean()), 4) for key, value in values.items()}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", action="append", required=True, help="an SRA run folder, or RUN:CHECKPOINT")
    parser.add_argument("--rows", type=int, default=500, help="training rows and held-out rows, each")
    parser.add_argument("--json", required=True)
    args = parser.parse_args()
    for spec in args.run:
        run = Path(spec.partition(":")[0])
        if not (run / "config.yaml").is_file():
            parser.error(f"{run}: not an SRA run folder (no config.yaml)")
    results = [measure(spec, args.rows) for spec in args.run]
    atomic_write_json(args.json, {"command": "python research/experiments/sra_dropout_modes.py " + " ".join(
        f"--run {spec}" for spec in args.run) + f" --rows {args.rows} --json {args.json}", "results": results})
    for row in results:
        print(json.dumps(row))


if __name__ == "__main__":
    main()

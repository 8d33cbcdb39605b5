"""The `bertdistill` command line: argument parsing only; the work is done by `methods/` and `evaluation/`."""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import sys
from collections.abc import Sequence

from bertdistill.data.loading import DATA_DIR_VARIABLE, DataConfig
from bertdistill.errors import BertdistillError
from bertdistill.training.arguments import TrainingConfig

FINETUNE_EXAMPLES = """examples:
  # the embedded all-MiniLM-L6-v2 teacher on SST-2, GLUE files from a local glue_data folder
  bertdistill finetune --model minilm --task sst2 --data-dir ../shared/data/glue --output-dir runs/minilm-sst2

  # any Hugging Face encoder, data from the hub, shorter run
  bertdistill finetune --model bert-base-uncased --task mrpc --epochs 2 --max-length 128 --output-dir runs/bert-mrpc

  # your own CSV/TSV/JSONL files (pairs: add --pair-column; scores: add --regression)
  bertdistill finetune --model minilm --train-file train.csv --dev-file dev.csv \\
      --text-column review --label-column stars --output-dir runs/reviews

  # continue a run that was interrupted, from its last complete checkpoint
  bertdistill finetune --model minilm --task cola --output-dir runs/minilm-cola --resume
"""

EVALUATE_EXAMPLES = """examples:
  bertdistill evaluate --model runs/minilm-sst2 --task sst2 --data-dir ../shared/data/glue
  bertdistill evaluate --model runs/reviews --dev-file test.csv
"""

PREDICT_EXAMPLES = """examples:
  bertdistill predict --model runs/minilm-sst2 "a gripping, funny film" "a dull mess"
  bertdistill predict --model runs/minilm-mrpc --input pairs.tsv     # two tab-separated texts per line
  bertdistill predict --model runs/minilm-stsb --input pairs.jsonl --output scores.tsv
"""


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("data (a GLUE task, or custom CSV/TSV/JSONL files)")
    group.add_argument("--task", help="GLUE task: cola, sst2, mrpc, stsb, qqp, mnli, qnli, rte, wnli")
    group.add_argument("--data-dir", default=os.environ.get(DATA_DIR_VARIABLE),
                       help=f"local glue_data folder (default: ${DATA_DIR_VARIABLE}; unset: the Hugging Face hub)")
    group.add_argument("--train-file", help="custom training file (.csv, .tsv or .jsonl)")
    group.add_argument("--dev-file", help="custom dev file, same columns")
    group.add_argument("--text-column", default="text", help="custom data: text column (default: text)")
    group.add_argument("--pair-column", help="custom data: second text column, for sentence-pair tasks")
    group.add_argument("--label-column", default="label", help="custom data: label column (default: label)")
    group.add_argument("--regression", action="store_true", help="custom data: numeric labels (scores)")
    group.add_argument("--task-name", default="custom", help="custom data: a name for the task")


def add_training_arguments(parser: argparse.ArgumentParser, defaults: TrainingConfig | None = None) -> None:
    """The common training flags, shared by `finetune` and every `distill` method."""
    defaults = defaults or TrainingConfig()
    group = parser.add_argument_group("training")
    group.add_argument("--epochs", type=float, default=defaults.epochs)
    group.add_argument("--max-train-samples", type=int, help="use a seeded random subset of the training set")
    group.add_argument("--max-length", type=int, default=128, help="max word pieces per example (default: 128)")
    group.add_argument("--batch-size", type=int, default=defaults.batch_size)
    group.add_argument("--lr", type=float, default=defaults.lr)
    group.add_argument("--seed", type=int, default=defaults.seed)
    group.add_argument("--eval-steps", type=int, help="evaluate and checkpoint every N steps (default: each epoch)")
    group.add_argument("--precision", choices=["auto", "fp32", "bf16", "fp16"], default="auto",
                       help="auto: bf16/fp16 on a GPU, fp32 on CPU")
    group.add_argument("--no-progress", action="store_true", help="no progress bars (logs only)")
    group.add_argument("--resume", action="store_true", help="continue from the last complete checkpoint")


def data_config_from(args: argparse.Namespace) -> DataConfig:
    return DataConfig(
        task=args.task, data_dir=args.data_dir, train_file=args.train_file, dev_file=args.dev_file,
        text_column=args.text_column, pair_column=args.pair_column, label_column=args.label_column,
        regression=args.regression, task_name=args.task_name,
        max_train_samples=getattr(args, "max_train_samples", None),
        max_length=getattr(args, "max_length", None) or 128,
    )


def training_config_from(args: argparse.Namespace, defaults: TrainingConfig | None = None) -> TrainingConfig:
    defaults = defaults or TrainingConfig()
    return TrainingConfig(
        epochs=args.epochs, batch_size=args.batch_size, eval_batch_size=defaults.eval_batch_size, lr=args.lr,
        weight_decay=defaults.weight_decay, warmup_ratio=defaults.warmup_ratio, seed=args.seed,
        eval_steps=args.eval_steps, save_total_limit=defaults.save_total_limit,
        logging_steps=defaults.logging_steps, precision=args.precision, progress_bar=not args.no_progress,
    )


def run_finetune(args: argparse.Namespace) -> None:
    from bertdistill.methods.finetune import FinetuneConfig, finetune

    config = FinetuneConfig(model=args.model, output_dir=args.output_dir, data=data_config_from(args),
                            training=training_config_from(args), resume=args.resume)
    record = finetune(config, command=args.command_line)
    print_metrics(record)
    print(f"saved to {args.output_dir} (load with transformers.AutoModelForSequenceClassification)")


def run_evaluate(args: argparse.Namespace) -> None:
    from bertdistill.evaluation.evaluate import EvaluateConfig, run_evaluate

    config = EvaluateConfig(model=args.model, data=data_config_from(args), split=args.split,
                            output_dir=args.output_dir, batch_size=args.batch_size, max_length=args.max_length)
    print_metrics(run_evaluate(config))


def run_predict(args: argparse.Namespace) -> None:
    from datasets import Dataset

    from bertdistill.evaluation.evaluate import MAX_LENGTH_CONFIG_KEY
    from bertdistill.evaluation.predict import (
        default_device, describe_predictions, predict_logits, read_prediction_inputs, write_predictions,
    )
    from bertdistill.errors import DataError
    from bertdistill.teachers.loading import load_fine_tuned, load_tokenizer

    if bool(args.texts) == bool(args.input):
        raise DataError("give texts on the command line or --input FILE (not both)")
    model, spec = load_fine_tuned(args.model)
    if args.input:
        dataset = read_prediction_inputs(args.input, spec.is_pair)
    else:
        rows = [text.split("\t") for text in args.texts]
        if spec.is_pair and any(len(row) != 2 for row in rows):
            raise DataError("this is a pair model: give each example as 'first text<TAB>second text', or use --input")
        columns = {"text": [row[0] for row in rows]} if not spec.is_pair else {
            "text": [row[0] for row in rows], "text_pair": [row[1] for row in rows]}
        dataset = Dataset.from_dict(columns)
    model.to(default_device())
    max_length = args.max_length or getattr(model.config, MAX_LENGTH_CONFIG_KEY, None) or 128
    logits = predict_logits(model, load_tokenizer(args.model), dataset, max_length, args.batch_size)
    if args.output:
        write_predictions(args.output, dataset, logits, spec)
        print(f"wrote {len(dataset)} predictions to {args.output}")
        return
    for prediction, confidence in describe_predictions(logits, spec):
        print(prediction if spec.is_regression else f"{prediction}\t{confidence:.4f}")


def print_metrics(record: dict) -> None:
    for split, metrics in record["metrics"].items():
        shown = "  ".join(f"{name}={value:.4f}" for name, value in metrics.items())
        print(f"{record['task']} {split}: {shown}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bertdistill",
        description="Distil BERT-family teachers into small, fast students.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="more logging")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    finetune = commands.add_parser("finetune", help="fine-tune a teacher (or a student) on a task",
                                   epilog=FINETUNE_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    finetune.add_argument("--model", required=True, help="`minilm` (embedded), a model folder, or a hub name")
    finetune.add_argument("--output-dir", required=True)
    add_data_arguments(finetune)
    add_training_arguments(finetune)
    finetune.set_defaults(handler=run_finetune)

    evaluate = commands.add_parser("evaluate", help="score a fine-tuned model with the official metric",
                                   epilog=EVALUATE_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    evaluate.add_argument("--model", required=True, help="a folder written by finetune or distill")
    evaluate.add_argument("--split", default="dev", help="dev (default; MNLI: matched and mismatched), or train")
    evaluate.add_argument("--output-dir", help="where metrics.json goes (default: MODEL/eval-TASK-SPLIT)")
    evaluate.add_argument("--batch-size", type=int, default=128)
    evaluate.add_argument("--max-length", type=int, help="default: the length the model was trained with")
    add_data_arguments(evaluate)
    evaluate.set_defaults(handler=run_evaluate)

    predict = commands.add_parser("predict", help="labels or scores for new texts",
                                  epilog=PREDICT_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    predict.add_argument("--model", required=True)
    predict.add_argument("texts", nargs="*", metavar="TEXT", help="texts; for pair models 'first<TAB>second'")
    predict.add_argument("--input", help="a text file (one example per line; pairs tab-separated), CSV or JSONL")
    predict.add_argument("--output", help="write a TSV of predictions instead of printing")
    predict.add_argument("--batch-size", type=int, default=128)
    predict.add_argument("--max-length", type=int)
    predict.set_defaults(handler=run_predict)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.command_line = shlex.join(["bertdistill", *argv])
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        args.handler(args)
    except BertdistillError as error:
        print(f"bertdistill: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bertdistill: interrupted; rerun with --resume to continue from the last checkpoint", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

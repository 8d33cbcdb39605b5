"""`finetune`, `evaluate` and `predict`: the commands that work on one task."""

from __future__ import annotations

import argparse

from bertdistill.cli.common import RAW, check_output, positive_int, print_metrics, run_config
from bertdistill.cli.config_flags import add_config_arguments, config_from_arguments

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



def run_finetune(args: argparse.Namespace) -> None:
    from bertdistill.methods.finetune import finetune

    config = run_config(args, "finetune")
    if config is None:
        return
    record = finetune(config, command=args.command_line)
    print_metrics(record)
    print(f"saved to {config.output_dir} (load with transformers.AutoModelForSequenceClassification)")


def run_evaluate(args: argparse.Namespace) -> None:
    from bertdistill.evaluation.evaluate import run_evaluate

    print_metrics(run_evaluate(config_from_arguments(args)))


def run_predict(args: argparse.Namespace) -> None:
    from bertdistill.errors import DataError
    from bertdistill.scoring.predict import (
        describe_predictions,
        prediction_inputs_from_texts,
        read_prediction_inputs,
        write_predictions,
    )
    from bertdistill.serving import Predictor

    if bool(args.texts) == bool(args.input):
        raise DataError("give texts on the command line or --input FILE (not both)")
    check_output(args.output, "--output")
    predictor = Predictor(args.model, max_length=args.max_length)
    spec = predictor.spec
    if args.input:
        dataset = read_prediction_inputs(args.input, spec.is_pair)
    else:
        dataset = prediction_inputs_from_texts(args.texts, spec.is_pair)
    pairs = dataset["text_pair"] if spec.is_pair else None
    logits = predictor.logits(dataset["text"], pairs, batch_size=args.batch_size)
    if args.output:
        write_predictions(args.output, dataset, logits, spec)
        print(f"wrote {len(dataset)} predictions to {args.output}")
        return
    for prediction, confidence in describe_predictions(logits, spec):
        print(prediction if spec.is_regression else f"{prediction}\t{confidence:.4f}")


def register(commands: argparse._SubParsersAction) -> None:
    from bertdistill.encoding import ENCODE_BATCH_SIZE
    from bertdistill.evaluation.evaluate import EvaluateConfig
    from bertdistill.methods.finetune import FinetuneConfig

    finetune = commands.add_parser("finetune", help="fine-tune a teacher (or a student) on a task",
                                   epilog=FINETUNE_EXAMPLES, formatter_class=RAW)
    add_config_arguments(finetune, FinetuneConfig, titles={"data": "data (a GLUE task, or custom CSV/TSV/JSONL "
                                                                   "files)"})
    finetune.set_defaults(handler=run_finetune)

    evaluate = commands.add_parser("evaluate", help="score a fine-tuned model with the official metric",
                                   epilog=EVALUATE_EXAMPLES, formatter_class=RAW)
    add_config_arguments(evaluate, EvaluateConfig, titles={"data": "data (the model's GLUE task, or custom "
                                                                   "files)"}, recipes=False)
    evaluate.set_defaults(handler=run_evaluate)

    predict = commands.add_parser("predict", help="labels or scores for new texts",
                                  epilog=PREDICT_EXAMPLES, formatter_class=RAW)
    predict.add_argument("--model", required=True)
    predict.add_argument("texts", nargs="*", metavar="TEXT", help="texts; for pair models 'first<TAB>second'")
    predict.add_argument("--input", help="a text file (one example per line; pairs tab-separated), CSV or JSONL")
    predict.add_argument("--output", help="write a TSV of predictions instead of printing")
    predict.add_argument("--batch-size", type=positive_int, default=ENCODE_BATCH_SIZE,
                         help=f"default: {ENCODE_BATCH_SIZE}")
    predict.add_argument("--max-length", type=positive_int)
    predict.set_defaults(handler=run_predict)

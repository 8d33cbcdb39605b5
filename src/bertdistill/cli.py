"""The `bertdistill` command line: argument parsing only; the work is done by `methods/` and `evaluation/`."""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import sys
from collections.abc import Sequence

from bertdistill import __version__
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

SRA_EXAMPLES = """examples:
  # a general student from 100k Wikipedia sentences, the embedded teacher's mean vector as target
  bertdistill distill sra --teacher minilm --corpus ../shared/data/corpus/wikipedia_en_slice.txt \\
      --max-sentences 100000 --output-dir runs/general-student

  # then fine-tune it like BERT, on any task
  bertdistill finetune --model runs/general-student --task sst2 --output-dir runs/student-sst2

  # many files, a streamed hub dataset, another objective
  bertdistill distill sra --corpus 'corpus/*.txt' hf:wikitext:wikitext-103-raw-v1:train \\
      --representation idf_mean --loss mse+cosine --output-dir runs/general-idf
"""

ENCODE_EXAMPLES = """examples:
  bertdistill encode --model runs/general-student --input sentences.txt --output vectors.npy
  bertdistill encode --model minilm --input sentences.txt --output teacher.npy --normalize
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


def add_training_arguments(parser: argparse.ArgumentParser, defaults: TrainingConfig | None = None,
                           task_data: bool = True) -> None:
    """The common training flags, shared by `finetune` and every `distill` method."""
    defaults = defaults or TrainingConfig()
    group = parser.add_argument_group("training")
    group.add_argument("--epochs", type=float, default=defaults.epochs)
    if task_data:
        group.add_argument("--max-train-samples", type=int, help="use a seeded random subset of the training set")
    group.add_argument("--max-length", type=int, default=128, help="max word pieces per example (default: 128)")
    group.add_argument("--batch-size", type=int, default=defaults.batch_size)
    group.add_argument("--lr", type=float, default=defaults.lr,
                       help="learning rate (default: 2e-5 for Transformers, 1e-3 for BiLSTM students)"
                       if defaults.lr is None else f"learning rate (default: {defaults.lr:g})")
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
    from bertdistill.evaluation.evaluate import MAX_LENGTH_CONFIG_KEY
    from bertdistill.evaluation.predict import (
        default_device, describe_predictions, predict_logits, prediction_inputs_from_texts, read_prediction_inputs,
        write_predictions,
    )
    from bertdistill.errors import DataError
    from bertdistill.teachers.loading import load_fine_tuned, load_tokenizer

    if bool(args.texts) == bool(args.input):
        raise DataError("give texts on the command line or --input FILE (not both)")
    model, spec = load_fine_tuned(args.model)
    if args.input:
        dataset = read_prediction_inputs(args.input, spec.is_pair)
    else:
        dataset = prediction_inputs_from_texts(args.texts, spec.is_pair)
    model.to(default_device())
    max_length = args.max_length or getattr(model.config, MAX_LENGTH_CONFIG_KEY, None) or 128
    logits = predict_logits(model, load_tokenizer(args.model), dataset, max_length, args.batch_size)
    if args.output:
        write_predictions(args.output, dataset, logits, spec)
        print(f"wrote {len(dataset)} predictions to {args.output}")
        return
    for prediction, confidence in describe_predictions(logits, spec):
        print(prediction if spec.is_regression else f"{prediction}\t{confidence:.4f}")


def run_distill_sra(args: argparse.Namespace) -> None:
    from bertdistill.data.corpus import CorpusConfig
    from bertdistill.methods.sra import SRAConfig, StudentShape, distill_sra, sra_training_defaults

    config = SRAConfig(
        teacher=args.teacher, output_dir=args.output_dir,
        corpus=CorpusConfig(paths=tuple(args.corpus), text_column=args.corpus_text_column,
                            split_sentences=not args.no_sentence_split, min_words=args.min_words,
                            max_words=args.max_words, dedup=not args.no_dedup, max_sentences=args.max_sentences,
                            seed=args.seed),
        representation=args.representation, loss=args.loss, cosine_weight=args.cosine_weight,
        student=StudentShape(embedding_dim=args.embedding_dim, hidden_size=args.hidden_size,
                             num_layers=args.num_layers, pooling=args.pooling, dropout=args.dropout,
                             embedding_init=args.embedding_init),
        init_student=args.init_student, max_length=args.max_length, eval_sentences=args.eval_sentences,
        training=training_config_from(args, sra_training_defaults()), cache_dir=args.cache_dir,
        sts_data_dir=args.data_dir, resume=args.resume,
    )
    record = distill_sra(config, command=args.command_line)
    print(f"held-out cosine to the teacher: {record['held_out_cosine']:.4f} ({record['held_out_sentences']} sentences)")
    sts = record["stsb_zero_shot"]
    if "skipped" not in sts:
        print(f"zero-shot STS-B dev Spearman: student {sts['spearman_student']:.4f}, teacher {sts['spearman_teacher']:.4f}")
    print(f"general student saved to {args.output_dir}; fine-tune it with: "
          f"bertdistill finetune --model {args.output_dir} --task TASK --output-dir DIR")


def run_init_student(args: argparse.Namespace) -> None:
    from bertdistill.methods.sra import StudentShape, init_student

    shape = StudentShape(embedding_dim=args.embedding_dim, hidden_size=args.hidden_size, num_layers=args.num_layers,
                         pooling=args.pooling, dropout=args.dropout, embedding_init=args.embedding_init)
    output = init_student(args.teacher, args.output_dir, shape, seed=args.seed)
    print(f"untrained BiLSTM student saved to {output}")


def run_encode(args: argparse.Namespace) -> None:
    import numpy as np

    from bertdistill.data.readers import read_delimited_lines
    from bertdistill.encoding import SentenceEncoder
    from bertdistill.errors import DataError

    texts = []
    for line, fields in read_delimited_lines(args.input):
        text = "\t".join(fields).strip()
        if not text:
            raise DataError(f"{args.input}, line {line}: empty line (one text per line)")
        texts.append(text)
    if not texts:
        raise DataError(f"{args.input}: no text to encode")
    encoder = SentenceEncoder(args.model, representation=args.representation, output=args.vector,
                              max_length=args.max_length)
    vectors = encoder.encode(texts, batch_size=args.batch_size, normalize=args.normalize, progress=True)
    from bertdistill.training.checkpoints import atomic_write_bytes
    import io

    buffer = io.BytesIO()
    np.save(buffer, vectors.astype(np.float32))
    atomic_write_bytes(args.output, buffer.getvalue())
    print(f"wrote {vectors.shape[0]} x {vectors.shape[1]} vectors to {args.output}")


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
    parser.add_argument("--version", action="version", version=f"bertdistill {__version__}")
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

    distill = commands.add_parser("distill", help="distil a teacher into a student (sra; kd and tinybert to come)")
    methods = distill.add_subparsers(dest="method", required=True, metavar="METHOD")
    sra = methods.add_parser("sra", help="task-agnostic: a general BiLSTM student learns the teacher's sentence vector",
                             epilog=SRA_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_sra_arguments(sra)
    sra.set_defaults(handler=run_distill_sra)

    init = commands.add_parser("init-student", help="an untrained BiLSTM student over a teacher's vocabulary "
                               "(the from-scratch baseline)")
    init.add_argument("--teacher", default="minilm")
    init.add_argument("--output-dir", required=True)
    init.add_argument("--seed", type=int, default=42)
    add_student_arguments(init)
    init.set_defaults(handler=run_init_student)

    encode = commands.add_parser("encode", help="sentence vectors from a general student or any encoder",
                                 epilog=ENCODE_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    encode.add_argument("--model", required=True, help="a general student folder, `minilm`, or any encoder")
    encode.add_argument("--input", required=True, help="a text file, one sentence per line")
    encode.add_argument("--output", required=True, help="a .npy file, (sentences, dimensions) float32")
    encode.add_argument("--representation", choices=["cls", "pooler", "mean", "idf_mean"], default="mean",
                        help="for teachers: which sentence vector (default: mean)")
    encode.add_argument("--vector", choices=["projected", "pooled"], default="projected",
                        help="for students: the projected (teacher-space) vector or the pooled BiLSTM vector")
    encode.add_argument("--normalize", action="store_true", help="L2-normalise the vectors")
    encode.add_argument("--batch-size", type=int, default=128)
    encode.add_argument("--max-length", type=int, default=128)
    encode.set_defaults(handler=run_encode)
    return parser


def add_sra_arguments(parser: argparse.ArgumentParser) -> None:
    from bertdistill.methods.sra import sra_training_defaults

    parser.add_argument("--teacher", default="minilm", help="a pre-trained (not fine-tuned) encoder; default: minilm")
    parser.add_argument("--corpus", nargs="+", required=True, metavar="PATH",
                        help="text files or globs (one sentence or paragraph per line), or hf:NAME[:CONFIG[:SPLIT]]")
    parser.add_argument("--output-dir", required=True)
    corpus = parser.add_argument_group("corpus")
    corpus.add_argument("--max-sentences", type=int, help="keep a seeded random sample of this many sentences")
    corpus.add_argument("--corpus-text-column", default="text", help="text column of hf: datasets")
    corpus.add_argument("--no-sentence-split", action="store_true", help="keep each line whole")
    corpus.add_argument("--min-words", type=int, default=3)
    corpus.add_argument("--max-words", type=int, default=200)
    corpus.add_argument("--no-dedup", action="store_true", help="keep duplicate sentences")
    corpus.add_argument("--cache-dir", help="teacher-vector cache (default: $BERTDISTILL_CACHE or ~/.cache/bertdistill)")
    corpus.add_argument("--eval-sentences", type=int, default=1000, help="held-out sentences for the cosine check")
    objective = parser.add_argument_group("objective")
    objective.add_argument("--representation", choices=["cls", "pooler", "mean", "idf_mean"], default="mean",
                           help="the teacher's sentence vector to approximate (default: mean)")
    objective.add_argument("--loss", choices=["mse", "cosine", "mse+cosine"], default="mse")
    objective.add_argument("--cosine-weight", type=float, default=1.0, help="lambda_cos for mse+cosine")
    add_student_arguments(parser).add_argument("--init-student", help="continue from an existing general student folder")
    parser.add_argument("--data-dir", default=os.environ.get(DATA_DIR_VARIABLE),
                        help="glue_data folder for the zero-shot STS-B check (default: $BERTDISTILL_DATA_DIR, else the hub)")
    add_training_arguments(parser, sra_training_defaults(), task_data=False)


def add_student_arguments(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    student = parser.add_argument_group("student")
    student.add_argument("--pooling", choices=["max", "mean", "last", "attention"], default="max")
    student.add_argument("--embedding-init", choices=["teacher", "random"], default="teacher",
                         help="teacher: PCA of the teacher's input embeddings; random")
    student.add_argument("--embedding-dim", type=int, default=300)
    student.add_argument("--hidden-size", type=int, default=300, help="LSTM units per direction")
    student.add_argument("--num-layers", type=int, default=2)
    student.add_argument("--dropout", type=float, default=0.1)
    return student


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

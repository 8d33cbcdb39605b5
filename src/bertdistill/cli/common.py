"""Flags shared by several commands, and their translation into typed configs."""

from __future__ import annotations

import argparse
import os

from bertdistill.data.loading import DATA_DIR_VARIABLE, DataConfig
from bertdistill.io import check_output_file
from bertdistill.model_config import resolve_max_length
from bertdistill.training.arguments import TrainingConfig

RAW = argparse.RawDescriptionHelpFormatter


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


def check_output(path: str | None, flag: str, create_folders: bool = True) -> None:
    """An output file flag, checked before any work (see `io.check_output_file`); None passes."""
    if path is not None:
        check_output_file(path, flag, create_folders)


def positive_int(text: str) -> int:
    """argparse type: a whole number >= 1 (batch sizes, lengths, widths), refused with a clear message."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def dropout_rate(text: str) -> float:
    """argparse type: a probability in [0, 1)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {value}")
    return value


def add_training_arguments(parser: argparse.ArgumentParser, defaults: TrainingConfig | None = None,
                           task_data: bool = True, helps: dict[str, str] | None = None) -> None:
    """The common training flags, shared by `finetune` and every `distill` method; `helps` replaces the
    help text of a flag (by its destination name) where a method reads it its own way."""
    defaults, helps = defaults or TrainingConfig(), helps or {}
    group = parser.add_argument_group("training")
    group.add_argument("--epochs", type=float, default=defaults.epochs, help=helps.get("epochs"))
    if task_data:
        group.add_argument("--max-train-samples", type=positive_int, help="use a seeded random subset of the training set")
    group.add_argument("--max-length", type=positive_int, default=128, help="max word pieces per example (default: 128)")
    group.add_argument("--batch-size", type=positive_int, default=defaults.batch_size)
    group.add_argument("--lr", type=float, default=defaults.lr, help=helps.get("lr") or (
        "learning rate (default: 2e-5 for Transformers, 1e-3 for BiLSTM students)"
        if defaults.lr is None else f"learning rate (default: {defaults.lr:g})"))
    group.add_argument("--seed", type=int, default=defaults.seed)
    group.add_argument("--eval-steps", type=positive_int, help="evaluate and checkpoint every N steps (default: each epoch)")
    group.add_argument("--precision", choices=["auto", "fp32", "bf16", "fp16"], default="auto",
                       help="auto: bf16/fp16 on a GPU, fp32 on CPU")
    group.add_argument("--no-progress", action="store_true", help="no progress bars (logs only)")
    group.add_argument("--resume", action="store_true", help="continue from the last complete checkpoint")


def add_student_arguments(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """The BiLSTM student's shape (defaults: `StudentShape`'s, the SRA general student's)."""
    from bertdistill.students.factory import StudentShape

    shape = StudentShape()
    student = parser.add_argument_group("student")
    student.add_argument("--pooling", choices=["max", "mean", "last", "attention"], default=shape.pooling)
    student.add_argument("--embedding-init", choices=["teacher", "contextual", "random"], default=shape.embedding_init,
                         help="teacher: PCA of the teacher's input embeddings; contextual: each token run through "
                              "the teacher (model2vec's distill, PCA'd to --embedding-dim); random "
                              f"(default: {shape.embedding_init})")
    student.add_argument("--residual-static", action=argparse.BooleanOptionalAction, default=shape.residual_static,
                         help="BiLSTM: add a static path (weighted mean of the token vectors) to the sentence "
                              "vector; the BiLSTM's own projection starts at zero")
    student.add_argument("--embedding-dim", type=positive_int, default=shape.embedding_dim)
    student.add_argument("--hidden-size", type=positive_int, default=shape.hidden_size, help="LSTM units per direction")
    student.add_argument("--num-layers", type=positive_int, default=shape.num_layers)
    student.add_argument("--dropout", type=dropout_rate, default=shape.dropout)
    student.add_argument("--classifier-hidden-size", type=positive_int, default=shape.classifier_hidden_size,
                         help="ReLU layer of the task head")
    return student


def student_shape_from(args: argparse.Namespace):
    """The `StudentShape` that `add_student_arguments`' flags describe."""
    from bertdistill.students.factory import StudentShape

    return StudentShape(embedding_dim=args.embedding_dim, hidden_size=args.hidden_size, num_layers=args.num_layers,
                        pooling=args.pooling, dropout=args.dropout, embedding_init=args.embedding_init,
                        classifier_hidden_size=args.classifier_hidden_size, residual_static=args.residual_static)


def add_corpus_arguments(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """How an unlabeled corpus is cleaned and sampled (the paths themselves are --corpus)."""
    corpus = parser.add_argument_group("corpus")
    corpus.add_argument("--max-sentences", type=positive_int, help="keep a seeded random sample of this many sentences")
    corpus.add_argument("--corpus-seed", type=int, metavar="N",
                        help="seed of the sentence sample and its order (default: --seed); fix it to train several "
                             "seeds on the same sentences, sharing one teacher-vector cache")
    corpus.add_argument("--corpus-text-column", default="text", help="text column of hf: datasets")
    corpus.add_argument("--no-sentence-split", action="store_true", help="keep each line whole")
    corpus.add_argument("--min-words", type=int, default=3)
    corpus.add_argument("--max-words", type=int, default=200)
    corpus.add_argument("--no-dedup", action="store_true", help="keep duplicate sentences")
    return corpus


def corpus_config_from(args: argparse.Namespace):
    from bertdistill.data.corpus import CorpusConfig

    return CorpusConfig(paths=tuple(args.corpus), text_column=args.corpus_text_column,
                        split_sentences=not args.no_sentence_split, min_words=args.min_words,
                        max_words=args.max_words, dedup=not args.no_dedup, max_sentences=args.max_sentences,
                        seed=args.seed if args.corpus_seed is None else args.corpus_seed)


def data_config_from(args: argparse.Namespace) -> DataConfig:
    return DataConfig(
        task=args.task, data_dir=args.data_dir, train_file=args.train_file, dev_file=args.dev_file,
        text_column=args.text_column, pair_column=args.pair_column, label_column=args.label_column,
        regression=args.regression, task_name=args.task_name,
        max_train_samples=getattr(args, "max_train_samples", None),
        max_length=resolve_max_length(getattr(args, "max_length", None)),
    )


def training_config_from(args: argparse.Namespace, defaults: TrainingConfig | None = None) -> TrainingConfig:
    defaults = defaults or TrainingConfig()
    return TrainingConfig(
        epochs=args.epochs, batch_size=args.batch_size, eval_batch_size=defaults.eval_batch_size, lr=args.lr,
        weight_decay=defaults.weight_decay, warmup_ratio=defaults.warmup_ratio, seed=args.seed,
        eval_steps=args.eval_steps, save_total_limit=defaults.save_total_limit,
        logging_steps=defaults.logging_steps, precision=args.precision, progress_bar=not args.no_progress,
    )


def print_metrics(record: dict) -> None:
    for split, metrics in record["metrics"].items():
        shown = "  ".join(f"{name}={value:.4f}" for name, value in metrics.items())
        print(f"{record['task']} {split}: {shown}")


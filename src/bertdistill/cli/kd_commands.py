"""`distill kd` (task-specific logit distillation into a BiLSTM) and `augment` (its transfer set alone)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bertdistill.cli.common import (
    RAW,
    add_data_arguments,
    add_student_arguments,
    add_training_arguments,
    check_output,
    data_config_from,
    positive_int,
    print_metrics,
    student_shape_from,
    training_config_from,
)

KD_EXAMPLES = """examples:
  # Tang et al.: a fine-tuned teacher, a new BiLSTM, the augmented transfer set, logit MSE
  bertdistill finetune --model minilm --task sst2 --data-dir ../shared/data/glue --output-dir runs/teacher-sst2
  bertdistill distill kd --teacher runs/teacher-sst2 --task sst2 --data-dir ../shared/data/glue \\
      --output-dir runs/kd-sst2

  # cooperation: start from an SRA general student instead of a new BiLSTM
  bertdistill distill kd --teacher runs/teacher-sst2 --task sst2 --student runs/general-student \\
      --output-dir runs/sra-kd-sst2

  # no augmentation; soft targets at T=2 plus a little gold-label cross-entropy
  bertdistill distill kd --teacher runs/teacher-sst2 --task sst2 --no-augment --loss soft-ce \\
      --temperature 2 --alpha 0.1 --output-dir runs/kd-soft

  # reuse a transfer set made by `bertdistill augment`
  bertdistill distill kd --teacher runs/teacher-mrpc --task mrpc --transfer-set mrpc-transfer.jsonl \\
      --output-dir runs/kd-mrpc
"""

AUGMENT_EXAMPLES = """examples:
  bertdistill augment --task sst2 --data-dir ../shared/data/glue --output sst2-transfer.jsonl
  bertdistill augment --train-file train.csv --text-column review --label-column stars --n-iter 10 \\
      --output reviews-transfer.jsonl
"""


def add_augmentation_arguments(parser: argparse.ArgumentParser) -> None:
    from bertdistill.data.augmentation import AugmentConfig

    defaults = AugmentConfig()
    group = parser.add_argument_group("augmentation (Tang et al. 2019; the paper's values are the defaults)")
    group.add_argument("--n-iter", type=positive_int, default=defaults.n_iter, help="samples tried per example")
    group.add_argument("--p-mask", type=float, default=defaults.p_mask, help="per-word masking probability")
    group.add_argument("--p-pos", type=float, default=defaults.p_pos,
                       help="per-word probability of a same-POS replacement")
    group.add_argument("--p-ngram", type=float, default=defaults.p_ngram,
                       help="probability of keeping only one random n-gram (n in 1..5)")
    group.add_argument("--mask-token", help="default: the teacher's mask token ([MASK])")


def augment_config_from(args: argparse.Namespace):
    from bertdistill.data.augmentation import AugmentConfig

    extra = {"mask_token": args.mask_token} if args.mask_token else {}
    return AugmentConfig(n_iter=args.n_iter, p_mask=args.p_mask, p_pos=args.p_pos, p_ngram=args.p_ngram,
                         seed=args.seed, **extra)


def run_distill_kd(args: argparse.Namespace) -> None:
    from bertdistill.methods.kd import KDConfig, distill_kd, kd_training_defaults
    config = KDConfig(
        teacher=args.teacher, output_dir=args.output_dir, data=data_config_from(args), student=args.student,
        shape=student_shape_from(args),
        augment=args.augment, augmentation=augment_config_from(args), transfer_set=args.transfer_set,
        loss=args.loss, temperature=args.temperature, alpha=args.alpha, teacher_max_length=args.teacher_max_length,
        training=training_config_from(args, kd_training_defaults()), cache_dir=args.cache_dir, resume=args.resume,
    )
    record = distill_kd(config, command=args.command_line)
    print(f"{record['original_examples']} original + {record['transfer_examples']} synthetic examples")
    print_metrics(record)
    teacher = record["teacher_metrics"][next(iter(record["teacher_metrics"]))][record["primary_metric"]]
    print(f"teacher {record['primary_metric']}: {teacher:.4f}; student saved to {args.output_dir}")


def run_augment(args: argparse.Namespace) -> None:
    from bertdistill.data.loading import load_task_data
    from bertdistill.methods.kd import write_generated_transfer_set

    check_output(args.output, "--output")
    data = load_task_data(data_config_from(args), splits=("train",))
    metadata = write_generated_transfer_set(Path(args.output), data, augment_config_from(args))
    print(f"wrote {metadata['examples']} synthetic examples from {len(data.train)} originals to {args.output}")


def register_distill(methods: argparse._SubParsersAction) -> None:
    from bertdistill.methods.kd import kd_training_defaults
    from bertdistill.students.factory import tang_shape

    kd = methods.add_parser("kd", help="task-specific: a BiLSTM learns a fine-tuned teacher's logits "
                            "(Tang et al. 2019)", epilog=KD_EXAMPLES, formatter_class=RAW)
    kd.add_argument("--teacher", required=True, help="a teacher fine-tuned on the task (bertdistill finetune)")
    kd.add_argument("--output-dir", required=True)
    kd.add_argument("--student", default="bilstm",
                    help="`bilstm`: a new BiLSTM (Tang's shape); or a student folder, e.g. an SRA general student")
    add_data_arguments(kd)
    objective = kd.add_argument_group("objective")
    objective.add_argument("--loss", choices=["mse", "soft-ce"], default="mse", help="logit MSE (the paper's) "
                           "or soft-target cross-entropy")
    objective.add_argument("--temperature", type=float, default=1.0, help="for soft-ce")
    objective.add_argument("--alpha", type=float, default=0.0, help="weight of gold-label cross-entropy "
                           "on original examples (the paper's best: 0)")
    objective.add_argument("--teacher-max-length", type=positive_int, help="default: the teacher's fine-tuning length")
    objective.add_argument("--cache-dir", help="teacher-logit cache (default: $BERTDISTILL_CACHE or "
                           "~/.cache/bertdistill)")
    transfer = kd.add_argument_group("transfer set")
    transfer.add_argument("--augment", action=argparse.BooleanOptionalAction, default=True,
                          help="generate a transfer set (default) or train on the original examples only")
    transfer.add_argument("--transfer-set", help="a transfer set saved by `bertdistill augment` (JSONL)")
    add_augmentation_arguments(kd)
    shape = tang_shape()
    add_student_arguments(kd)
    kd.set_defaults(pooling=shape.pooling, hidden_size=shape.hidden_size, num_layers=shape.num_layers,
                    embedding_dim=shape.embedding_dim, classifier_hidden_size=shape.classifier_hidden_size,
                    embedding_init=shape.embedding_init, residual_static=shape.residual_static)
    add_training_arguments(kd, kd_training_defaults())
    kd.set_defaults(handler=run_distill_kd)


def register(commands: argparse._SubParsersAction) -> None:
    augment = commands.add_parser("augment", help="build a Tang et al. transfer set from a task's training data",
                                  epilog=AUGMENT_EXAMPLES, formatter_class=RAW)
    augment.add_argument("--output", required=True, help="JSONL file (a .meta.json is written beside it)")
    add_data_arguments(augment)
    add_augmentation_arguments(augment)
    augment.add_argument("--max-train-samples", type=positive_int, help="augment a seeded random subset of the training set")
    augment.add_argument("--seed", type=int, default=42)
    augment.set_defaults(handler=run_augment)

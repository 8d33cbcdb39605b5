"""`distill kd` (task-specific logit distillation into a BiLSTM) and `augment` (its transfer set alone)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bertdistill.cli.common import RAW, check_output, print_metrics, run_config
from bertdistill.cli.config_flags import add_config_arguments, config_from_arguments
from bertdistill.config import DEFAULT_SEED

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


def run_distill_kd(args: argparse.Namespace) -> None:
    from bertdistill.methods.kd import distill_kd

    config = run_config(args, "distill kd")
    if config is None:
        return
    record = distill_kd(config, command=args.command_line)
    print(f"{record['original_examples']} original + {record['transfer_examples']} synthetic examples")
    print_metrics(record)
    teacher = record["teacher_metrics"][next(iter(record["teacher_metrics"]))][record["primary_metric"]]
    print(f"teacher {record['primary_metric']}: {teacher:.4f}; student saved to {config.output_dir}")


def run_augment(args: argparse.Namespace) -> None:
    import dataclasses

    from bertdistill.data.loading import load_task_data
    from bertdistill.methods.kd import write_generated_transfer_set

    check_output(args.output, "--output")
    data = load_task_data(config_from_arguments(args, "data"), splits=("train",))
    augmentation = config_from_arguments(args, "augmentation")
    if augmentation.seed is None:
        augmentation = dataclasses.replace(augmentation, seed=args.seed)
    metadata = write_generated_transfer_set(Path(args.output), data, augmentation)
    print(f"wrote {metadata['examples']} synthetic examples from {len(data.train)} originals to {args.output}")


def register_distill(methods: argparse._SubParsersAction) -> None:
    from bertdistill.methods.kd import KDConfig

    kd = methods.add_parser("kd", help="task-specific: a BiLSTM learns a fine-tuned teacher's logits "
                            "(Tang et al. 2019)", epilog=KD_EXAMPLES, formatter_class=RAW)
    add_config_arguments(kd, KDConfig, titles={
        "data": "data (a GLUE task, or custom CSV/TSV/JSONL files)", "shape": "student (a new BiLSTM)",
        "augmentation": "augmentation (Tang et al. 2019; the paper's values are the defaults)"})
    kd.set_defaults(handler=run_distill_kd)


def register(commands: argparse._SubParsersAction) -> None:
    from bertdistill.data.augmentation import AugmentConfig
    from bertdistill.data.loading import DataConfig

    augment = commands.add_parser("augment", help="build a Tang et al. transfer set from a task's training data",
                                  epilog=AUGMENT_EXAMPLES, formatter_class=RAW)
    augment.add_argument("--output", required=True, help="JSONL file (a .meta.json is written beside it)")
    augment.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"seed of the samples, unless "
                         f"--augmentation-seed is given (default: {DEFAULT_SEED})")
    add_config_arguments(augment, DataConfig, part="data", recipes=False, skip=("max_length",))
    add_config_arguments(augment, AugmentConfig, part="augmentation", recipes=False)
    augment.set_defaults(handler=run_augment)

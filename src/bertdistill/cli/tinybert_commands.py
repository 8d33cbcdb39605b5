"""`distill tinybert`: a small Transformer student matched layer by layer (Jiao et al. 2020)."""

from __future__ import annotations

import argparse

from bertdistill.cli.common import RAW, print_metrics, run_config
from bertdistill.cli.config_flags import add_config_arguments

TINYBERT_EXAMPLES = """examples:
  # general distillation from the pre-trained teacher on unlabeled sentences
  bertdistill distill tinybert --stage general --teacher minilm \\
      --corpus ../shared/data/corpus/wikipedia_en_slice.txt --max-sentences 100000 --output-dir runs/tinybert-general

  # task distillation from a fine-tuned teacher: step 1 (layers, augmented data), step 2 (prediction layer)
  bertdistill finetune --model minilm --task sst2 --data-dir ../shared/data/glue --output-dir runs/teacher-sst2
  bertdistill distill tinybert --stage task --teacher runs/teacher-sst2 --task sst2 --data-dir ../shared/data/glue \\
      --student runs/tinybert-general --max-length 64 --output-dir runs/tinybert-sst2

  # a BERT-base teacher, the paper's TinyBERT4 (the default shape for it), an explicit layer map
  bertdistill distill tinybert --stage general --teacher bert-base-uncased --corpus wiki.txt \\
      --layer-map 0:2,1:5,2:8,3:11 --output-dir runs/tinybert4-general

The student is a plain BERT: AutoModelForSequenceClassification.from_pretrained(OUTPUT) loads it.
Default shape: a third of the teacher's layers; BERT-base-wide teachers give TinyBERT4 (4 x 312, 12 heads,
FFN 1200), narrower ones keep their width (MiniLM 6 x 384 -> 2 x 384) and start from the teacher's layers.
"""


def run_distill_tinybert(args: argparse.Namespace) -> None:
    from bertdistill.methods.tinybert import distill_tinybert

    config = run_config(args, "distill tinybert")
    if config is None:
        return
    record = distill_tinybert(config, command=args.command_line)
    shape = f"{record['layers']} layers x {record['hidden']} ({record['heads']} heads, FFN {record['intermediate']})"
    print(f"student: {shape}, layer map {record['layer_map']}, init {record['init']}")
    if config.stage == "general":
        print(f"held-out intermediate loss: {record['held_out_loss']:.4f} ({record['held_out_sentences']} sentences)")
        print(f"general student saved to {config.output_dir}; task-distil it with: bertdistill distill tinybert "
              f"--stage task --student {config.output_dir} --teacher FINE_TUNED_TEACHER --task TASK --output-dir DIR")
        return
    print(f"{record['original_examples']} original + {record['augmented_examples']} augmented examples")
    print_metrics(record)
    teacher = record["teacher_metrics"][next(iter(record["teacher_metrics"]))][record["primary_metric"]]
    print(f"teacher {record['primary_metric']}: {teacher:.4f}; student saved to {config.output_dir}")


def register_distill(methods: argparse._SubParsersAction) -> None:
    from bertdistill.methods.tinybert import TinyBertConfig

    parser = methods.add_parser("tinybert", help="a small Transformer student matched layer by layer: general "
                                "and task stages (Jiao et al. 2020)", epilog=TINYBERT_EXAMPLES, formatter_class=RAW)
    add_config_arguments(parser, TinyBertConfig, titles={
        "corpus": "corpus (general stage)", "data": "data (task stage: a GLUE task, or custom files)",
        "shape": "student (a new one; unset: a third of the teacher's layers, see below)",
        "augmentation": "augmentation (task stage: word replacement)",
        "training": "training (the general stage, or task step 2; --intermediate-* set step 1)"})
    parser.set_defaults(handler=run_distill_tinybert)

"""`distill tinybert`: a small Transformer student matched layer by layer (Jiao et al. 2020)."""

from __future__ import annotations

import argparse
import dataclasses

from bertdistill.cli.common import (
    RAW,
    add_corpus_arguments,
    add_data_arguments,
    add_training_arguments,
    corpus_config_from,
    data_config_from,
    positive_int,
    print_metrics,
    training_config_from,
)

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
    from bertdistill.data.word_replacement import WordReplacementConfig
    from bertdistill.methods.tinybert import distill_tinybert
    from bertdistill.methods.tinybert_common import (
        TinyBertConfig,
        general_defaults,
        intermediate_defaults,
        prediction_defaults,
    )
    from bertdistill.students.tinybert import TinyBertShape

    general = args.stage == "general"
    defaults = general_defaults() if general else prediction_defaults()
    args.lr = args.lr or defaults.lr
    args.epochs = args.epochs or defaults.epochs
    stage_training = training_config_from(args, defaults)
    step_one = intermediate_defaults()
    intermediate = stage_training if general else dataclasses.replace(
        stage_training, epochs=args.intermediate_epochs, lr=args.intermediate_lr,
        warmup_ratio=step_one.warmup_ratio, weight_decay=step_one.weight_decay)
    config = TinyBertConfig(
        stage=args.stage, teacher=args.teacher, output_dir=args.output_dir,
        corpus=corpus_config_from(args) if general and args.corpus else None,
        data=data_config_from(args) if not general else None,
        student=args.student,
        shape=TinyBertShape(args.student_layers, args.student_hidden, args.student_heads, args.student_intermediate),
        layer_map=args.layer_map, init=args.init, projection=args.projection,
        embedding_weight=args.embedding_weight, attention_weight=args.attention_weight,
        hidden_weight=args.hidden_weight, attention_heads=args.attention_heads,
        prediction_loss=args.prediction_loss, temperature=args.temperature,
        alpha=args.alpha, augment=args.augment, transfer_set=args.transfer_set,
        augmentation=WordReplacementConfig(n_samples=args.n_samples, candidates=args.candidates,
                                           p_replace=args.p_replace, augmenter=args.augmenter, seed=args.seed),
        max_length=args.max_length, eval_sentences=args.eval_sentences,
        intermediate=intermediate, prediction=stage_training, cache_dir=args.cache_dir, resume=args.resume,
    )
    record = distill_tinybert(config, command=args.command_line)
    shape = f"{record['layers']} layers x {record['hidden']} ({record['heads']} heads, FFN {record['intermediate']})"
    print(f"student: {shape}, layer map {record['layer_map']}, init {record['init']}")
    if general:
        print(f"held-out intermediate loss: {record['held_out_loss']:.4f} ({record['held_out_sentences']} sentences)")
        print(f"general student saved to {args.output_dir}; task-distil it with: bertdistill distill tinybert "
              f"--stage task --student {args.output_dir} --teacher FINE_TUNED_TEACHER --task TASK --output-dir DIR")
        return
    print(f"{record['original_examples']} original + {record['augmented_examples']} augmented examples")
    print_metrics(record)
    teacher = record["teacher_metrics"][next(iter(record["teacher_metrics"]))][record["primary_metric"]]
    print(f"teacher {record['primary_metric']}: {teacher:.4f}; student saved to {args.output_dir}")


def register_distill(methods: argparse._SubParsersAction) -> None:
    from bertdistill.methods.tinybert_common import prediction_defaults

    parser = methods.add_parser("tinybert", help="a small Transformer student matched layer by layer: general "
                                "and task stages (Jiao et al. 2020)", epilog=TINYBERT_EXAMPLES, formatter_class=RAW)
    parser.add_argument("--stage", choices=["general", "task"], required=True)
    parser.add_argument("--teacher", required=True,
                        help="general: a pre-trained encoder (e.g. minilm); task: a teacher fine-tuned on the task")
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--student", help="start from this BERT folder (a general-stage output); default: a new one")
    parser.add_argument("--corpus", nargs="+", metavar="PATH", help="general stage: text files, globs or hf:NAME")
    add_corpus_arguments(parser).add_argument("--eval-sentences", type=positive_int, default=1000,
                                              help="general stage: held-out sentences for the final loss")
    add_data_arguments(parser)
    student = parser.add_argument_group("student (a new one; default: a third of the teacher's layers, see below)")
    student.add_argument("--student-layers", type=positive_int)
    student.add_argument("--student-hidden", type=positive_int)
    student.add_argument("--student-heads", type=positive_int)
    student.add_argument("--student-intermediate", type=positive_int)
    student.add_argument("--init", choices=["random", "teacher-layers"],
                         help="default: teacher-layers when the student has the teacher's width, heads and FFN")
    add_objective_arguments(parser)
    add_task_stage_arguments(parser)
    add_training_arguments(parser, prediction_defaults(), helps={
        "lr": "learning rate (default: 5e-5 general stage, 3e-5 task step 2)",
        "epochs": "epochs (default: 3, of the general stage or of task step 2)"})
    parser.set_defaults(lr=None, epochs=None)   # each stage fills in its own default
    parser.epilog += ("\nThe training flags apply to the general stage, or to task step 2; "
                      "--intermediate-epochs/--intermediate-lr set step 1.\n")
    parser.set_defaults(handler=run_distill_tinybert)



def add_objective_arguments(parser: argparse.ArgumentParser) -> None:
    from bertdistill.losses.logits import LOGIT_LOSSES

    objective = parser.add_argument_group("objective")
    objective.add_argument("--layer-map", default="uniform",
                           help="uniform (student layer i <- teacher layer (i+1)N/M - 1) or STUDENT:TEACHER,... "
                           "0-based, e.g. 0:2,1:5")
    objective.add_argument("--projection", choices=["separate", "shared", "none"], default="separate",
                           help="W_e and one W_h per layer (paper), one for all (authors' code), or none (same width)")
    objective.add_argument("--attention-heads", choices=["match", "mean"], default="match",
                           help="compare scores head by head, or head-averaged (different head counts)")
    objective.add_argument("--embedding-weight", type=float, default=1.0)
    objective.add_argument("--attention-weight", type=float, default=1.0)
    objective.add_argument("--hidden-weight", type=float, default=1.0)
    objective.add_argument("--prediction-loss", choices=list(LOGIT_LOSSES), default="soft-ce",
                           help="task step 2 on class logits: soft cross-entropy (paper) or logit MSE (Tang et al.); "
                           "a regression score always uses mse")
    objective.add_argument("--temperature", type=float, default=1.0, help="task step 2 soft cross-entropy")
    objective.add_argument("--alpha", type=float, default=0.0, help="task step 2: weight of the gold-label loss "
                           "on original examples, 1 - alpha on the teacher's (paper: 0)")
    objective.add_argument("--cache-dir", help="teacher-logit and augmentation cache (default: $BERTDISTILL_CACHE)")


def add_task_stage_arguments(parser: argparse.ArgumentParser) -> None:
    from bertdistill.data.word_replacement import WordReplacementConfig
    from bertdistill.methods.tinybert_common import intermediate_defaults

    task = parser.add_argument_group("task stage")
    step_one = intermediate_defaults()
    task.add_argument("--intermediate-epochs", type=float, default=step_one.epochs,
                      help="step 1 epochs (default: 10, as the authors' README; paper: 20)")
    task.add_argument("--intermediate-lr", type=float, default=step_one.lr, help="step 1 learning rate (constant)")
    defaults = WordReplacementConfig()
    task.add_argument("--augment", action=argparse.BooleanOptionalAction, default=True,
                      help="word-replacement augmentation of the task data (default on)")
    task.add_argument("--n-samples", type=positive_int, default=defaults.n_samples, help="N_a: attempts per example")
    task.add_argument("--candidates", type=positive_int, default=defaults.candidates, help="K: candidates per word")
    task.add_argument("--p-replace", type=float, default=defaults.p_replace, help="p_t: per-word replacement")
    task.add_argument("--augmenter", help="a masked LM for candidates (default: the teacher's MLM head, else "
                      "nearest neighbours in the teacher's input embeddings)")
    task.add_argument("--transfer-set", help="instead of word replacement: synthetic or unlabeled in-domain "
                      "examples in JSONL (`text`, `text_pair` for pairs), e.g. from `bertdistill augment`")

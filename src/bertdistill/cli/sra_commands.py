"""`distill sra`, `init-student` and `encode`: the general (task-agnostic) BiLSTM student."""

from __future__ import annotations

import argparse

from bertdistill.cli.common import RAW, check_output, positive_int, run_config
from bertdistill.cli.config_flags import add_config_arguments, config_from_arguments
from bertdistill.config import DEFAULT_SEED

SRA_EXAMPLES = """examples:
  # a general student from 100k Wikipedia sentences, the embedded teacher's mean vector as target
  bertdistill distill sra --teacher minilm --corpus ../shared/data/corpus/wikipedia_en_slice.txt \\
      --max-sentences 100000 --output-dir runs/general-student

  # then fine-tune it like BERT, on any task
  bertdistill finetune --model runs/general-student --task sst2 --output-dir runs/student-sst2

  # a static student first, then a BiLSTM that starts where it ends (its residual static path)
  bertdistill distill sra --student static --target-pca 256 --output-dir runs/general-static
  bertdistill distill sra --target-pca 256 --init-student runs/general-static --output-dir runs/general-bilstm

  # many files, a streamed hub dataset, another objective
  bertdistill distill sra --corpus 'corpus/*.txt' hf:wikitext:wikitext-103-raw-v1:train \\
      --representation idf_mean --loss mse+cosine --output-dir runs/general-idf
"""


ENCODE_EXAMPLES = """examples:
  bertdistill encode --model runs/general-student --input sentences.txt --output vectors.npy
  bertdistill encode --model minilm --input sentences.txt --output teacher.npy --normalize
"""



def run_distill_sra(args: argparse.Namespace) -> None:
    from bertdistill.methods.sra import distill_sra

    config = run_config(args, "distill sra")
    if config is None:
        return
    record = distill_sra(config, command=args.command_line)
    print(f"held-out cosine to the teacher: {record['held_out_cosine']:.4f} ({record['held_out_sentences']} sentences)")
    for source, agreement in record.get("held_out_cosine_by_source", {}).items():
        print(f"  {source}: {agreement['cosine']:.4f} ({agreement['sentences']} sentences)")
    sts = record["stsb_zero_shot"]
    if "skipped" not in sts:
        print(f"zero-shot STS-B dev Spearman: student {sts['spearman_student']:.4f}, teacher {sts['spearman_teacher']:.4f}")
    print(f"general student saved to {config.output_dir}; fine-tune it with: "
          f"bertdistill finetune --model {config.output_dir} --task TASK --output-dir DIR")


def run_init_student(args: argparse.Namespace) -> None:
    from bertdistill.methods.sra import init_student

    output = init_student(args.teacher, args.output_dir, config_from_arguments(args, "shape"), seed=args.seed)
    print(f"untrained BiLSTM student saved to {output}")


def check_vector_flags(args: argparse.Namespace, kind) -> None:
    """--representation and --vector apply to one kind of model each: refused where they cannot apply."""
    from bertdistill.errors import ConfigError
    from bertdistill.students import StaticConfig
    from bertdistill.teachers.loading import load_config
    from bertdistill.teachers.model_kind import ModelKind

    if kind is ModelKind.GENERAL_STUDENT and args.representation != "mean":
        raise ConfigError(f"--representation {args.representation}: {args.model} is a general student with its own "
                          "sentence vector; --representation picks a Transformer's (drop the flag)")
    if kind is ModelKind.ENCODER and args.vector != "projected":
        raise ConfigError(f"--vector {args.vector}: {args.model} is a Transformer encoder; --vector picks a BiLSTM "
                          "student's vector (use --representation)")
    if args.vector == "pooled" and load_config(args.model).model_type == StaticConfig.model_type:
        raise ConfigError(f"--vector pooled: {args.model} is a static student, whose one vector is its table's "
                          "weighted mean (its projection is folded in); --vector pooled is for BiLSTM students")


def run_encode(args: argparse.Namespace) -> None:
    from bertdistill.encoding import SentenceEncoder, encode_file, read_texts
    from bertdistill.teachers.model_kind import SENTENCE_ENCODERS, require_kind

    check_output(args.output, "--output")
    read_texts(args.input)   # a bad input file fails before the model is loaded
    kind = require_kind(args.model, "--model", SENTENCE_ENCODERS, "a fine-tuned classifier gives labels: bertdistill predict")
    check_vector_flags(args, kind)
    encoder = SentenceEncoder(args.model, representation=args.representation, output=args.vector,
                              max_length=args.max_length)
    vectors = encode_file(encoder, args.input, args.output, args.batch_size, args.normalize)
    print(f"wrote {vectors.shape[0]} x {vectors.shape[1]} vectors to {args.output}")


def register_distill(methods: argparse._SubParsersAction) -> None:
    from bertdistill.methods.sra import SRAConfig

    sra = methods.add_parser("sra", help="task-agnostic: a general BiLSTM student learns the teacher's sentence vector",
                             epilog=SRA_EXAMPLES, formatter_class=RAW)
    add_config_arguments(sra, SRAConfig, titles={"student": "student (the BiLSTM; --embedding-dim also sets a "
                                                 "static student's width)", "span_crops": "span crops"})
    sra.set_defaults(handler=run_distill_sra)


def register(commands: argparse._SubParsersAction) -> None:
    from bertdistill.encoding import ENCODE_BATCH_SIZE
    from bertdistill.methods.sra import SRAConfig
    from bertdistill.students.factory import StudentShape
    from bertdistill.students.sentence_transformers_files import ENCODE_MAX_LENGTH

    init = commands.add_parser("init-student", help="an untrained BiLSTM student over a teacher's vocabulary "
                               "(the from-scratch baseline)")
    init.add_argument("--teacher", default=SRAConfig.teacher, help=f"default: {SRAConfig.teacher}")
    init.add_argument("--output-dir", required=True)
    init.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"default: {DEFAULT_SEED}")
    add_config_arguments(init, StudentShape, part="shape", recipes=False)
    init.set_defaults(handler=run_init_student)

    encode = commands.add_parser("encode", help="sentence vectors from a general student or any encoder",
                                 epilog=ENCODE_EXAMPLES, formatter_class=RAW)
    encode.add_argument("--model", required=True, help="a general student folder, `minilm`, or any encoder")
    encode.add_argument("--input", required=True, help="a text file, one sentence per line")
    encode.add_argument("--output", required=True, help="a .npy file, (sentences, dimensions) float32")
    encode.add_argument("--representation", choices=["cls", "pooler", "mean", "idf_mean"], default="mean",
                        help="for teachers: which sentence vector (default: mean)")
    encode.add_argument("--vector", choices=["projected", "pooled"], default="projected",
                        help="for students: the projected (teacher-space) vector or the pooled BiLSTM vector")
    encode.add_argument("--normalize", action=argparse.BooleanOptionalAction, default=None,
                        help="L2-normalise the vectors (default: as the model says: a static student saved with "
                             "normalize gives unit vectors, as model2vec and sentence-transformers do)")
    encode.add_argument("--batch-size", type=positive_int, default=ENCODE_BATCH_SIZE,
                        help=f"default: {ENCODE_BATCH_SIZE}")
    encode.add_argument("--max-length", type=positive_int, default=ENCODE_MAX_LENGTH,
                        help=f"default: {ENCODE_MAX_LENGTH}")
    encode.set_defaults(handler=run_encode)

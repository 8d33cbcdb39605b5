"""`distill sra`, `init-student` and `encode`: the general (task-agnostic) BiLSTM student."""

from __future__ import annotations

import argparse
import os

from bertdistill.cli.common import (
    RAW,
    add_corpus_arguments,
    add_student_arguments,
    add_training_arguments,
    check_output,
    corpus_config_from,
    positive_int,
    student_shape_from,
    training_config_from,
)
from bertdistill.data.loading import DATA_DIR_VARIABLE

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
    from bertdistill.data.span_crops import SpanCropConfig
    from bertdistill.methods.sra import SRAConfig, distill_sra, sra_training_defaults

    corpus = corpus_config_from(args)
    config = SRAConfig(
        teacher=args.teacher, output_dir=args.output_dir,
        corpus=corpus,
        representation=args.representation, loss=args.loss, cosine_weight=args.cosine_weight,
        temperature=args.temperature, target_pca=args.target_pca, student_type=args.student,
        token_weight=args.token_weight, similarity_weight=args.similarity_weight,
        student=student_shape_from(args),
        span_crops=SpanCropConfig(per_sentence=args.span_crops, min_words=args.crop_words[0],
                                  max_words=args.crop_words[1], seed=corpus.seed),
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
    from bertdistill.methods.sra import init_student

    output = init_student(args.teacher, args.output_dir, student_shape_from(args), seed=args.seed)
    print(f"untrained BiLSTM student saved to {output}")


def run_encode(args: argparse.Namespace) -> None:
    from bertdistill.encoding import SentenceEncoder, encode_file, read_texts

    check_output(args.output, "--output")
    read_texts(args.input)   # a bad input file fails before the model is loaded
    encoder = SentenceEncoder(args.model, representation=args.representation, output=args.vector,
                              max_length=args.max_length)
    vectors = encode_file(encoder, args.input, args.output, args.batch_size, args.normalize)
    print(f"wrote {vectors.shape[0]} x {vectors.shape[1]} vectors to {args.output}")


def add_sra_arguments(parser: argparse.ArgumentParser) -> None:
    from bertdistill.methods.sra import DEFAULT_SPAN_CROPS, SRAConfig, sra_training_defaults

    parser.add_argument("--teacher", default="minilm", help="a pre-trained (not fine-tuned) encoder; default: minilm")
    parser.add_argument("--corpus", nargs="+", required=True, metavar="PATH",
                        help="text files or globs (one sentence or paragraph per line), or hf:NAME[:CONFIG[:SPLIT]]")
    parser.add_argument("--output-dir", required=True)
    corpus = add_corpus_arguments(parser)
    corpus.add_argument("--cache-dir", help="teacher-vector cache (default: $BERTDISTILL_CACHE or ~/.cache/bertdistill)")
    corpus.add_argument("--eval-sentences", type=positive_int, default=1000, help="held-out sentences for the cosine check")
    corpus.add_argument("--span-crops", type=int, default=DEFAULT_SPAN_CROPS, metavar="N",
                        help="add N random word spans of each training sentence as extra training texts, each "
                             "encoded by the teacher (cached): short, fragmentary text that whole corpus "
                             "sentences rarely show (default: 1; 0: none)")
    corpus.add_argument("--crop-words", type=positive_int, nargs=2, default=(4, 16), metavar=("MIN", "MAX"),
                        help="the length range of a span crop in words (default: 4 16)")
    objective = parser.add_argument_group("objective")
    objective.add_argument("--representation", choices=["cls", "pooler", "mean", "idf_mean"], default="mean",
                           help="the teacher's sentence vector to approximate (default: mean)")
    objective.add_argument("--loss", choices=["mse", "cosine", "mse+cosine", "contrastive"], default=SRAConfig.loss,
                           help="contrastive: in-batch InfoNCE on cosine similarity")
    objective.add_argument("--cosine-weight", type=float, default=1.0, help="lambda_cos for mse+cosine")
    objective.add_argument("--temperature", type=float, default=0.05, help="of the contrastive loss")
    objective.add_argument("--target-pca", type=int, default=0, metavar="N",
                           help="learn the teacher vector's top N principal coordinates (PCA fitted on the "
                                "training vectors, saved with the student); 0: the raw vector")
    objective.add_argument("--similarity-weight", type=float, default=0.0, metavar="X",
                           help="add X times a relational loss: the batch's pair cosines against the teacher's "
                                "(the structure STS scores)")
    objective.add_argument("--token-weight", type=float, default=0.0, metavar="X",
                           help="BiLSTM: add X times a token-level loss (each position's state, projected, "
                                "against the teacher's last-layer vector of that word piece; the teacher runs "
                                "on every batch, so this costs a teacher forward per step)")
    parser.add_argument("--student", choices=["bilstm", "static"], default="bilstm",
                        help="static: weighted mean of token vectors (model2vec format; --embedding-dim is its "
                             "width); bilstm: the paper's student")
    add_student_arguments(parser).add_argument(
        "--init-student", metavar="DIR",
        help="a BiLSTM general student to continue, or a static one a new residual BiLSTM starts from (its "
             "static path then encodes like the static student at step 0)")
    parser.add_argument("--data-dir", default=os.environ.get(DATA_DIR_VARIABLE),
                        help="glue_data folder for the zero-shot STS-B check (default: $BERTDISTILL_DATA_DIR, else the hub)")
    add_training_arguments(parser, sra_training_defaults(), task_data=False)


def register_distill(methods: argparse._SubParsersAction) -> None:
    sra = methods.add_parser("sra", help="task-agnostic: a general BiLSTM student learns the teacher's sentence vector",
                             epilog=SRA_EXAMPLES, formatter_class=RAW)
    add_sra_arguments(sra)
    sra.set_defaults(handler=run_distill_sra)


def register(commands: argparse._SubParsersAction) -> None:
    init = commands.add_parser("init-student", help="an untrained BiLSTM student over a teacher's vocabulary "
                               "(the from-scratch baseline)")
    init.add_argument("--teacher", default="minilm")
    init.add_argument("--output-dir", required=True)
    init.add_argument("--seed", type=int, default=42)
    add_student_arguments(init)
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
    encode.add_argument("--batch-size", type=positive_int, default=128)
    encode.add_argument("--max-length", type=positive_int, default=128)
    encode.set_defaults(handler=run_encode)

"""`evaluate-encoder`: general students as sentence encoders, beside the teacher and data-free baselines."""

from __future__ import annotations

import argparse
import os
import sys

from bertdistill.cli.common import RAW, check_output, positive_int

EXAMPLES = """examples:
  # the teacher, the model2vec baseline and TF-IDF on all eight transfer tasks, with speed
  bertdistill evaluate-encoder --transfer-dir ../shared/data/transfer

  # two general students beside them; results as JSON and markdown
  bertdistill evaluate-encoder --model runs/general-static --model runs/general-bilstm \\
      --transfer-dir ../shared/data/transfer --json results/encoders.json --markdown results/encoders.md

  # quick look: two tasks, no speed, no baselines
  bertdistill evaluate-encoder --model runs/general-static --baseline --tasks sts12,mr --no-speed
"""


def run_evaluate_encoder(args: argparse.Namespace) -> None:
    from bertdistill.evaluation.encoder_benchmark import EncoderBenchmarkConfig, run_encoder_benchmark
    from bertdistill.evaluation.encoder_table import entries, markdown
    from bertdistill.io import atomic_write_json, atomic_write_text

    check_output(args.json, "--json", create_folders=False)
    check_output(args.markdown, "--markdown", create_folders=False)
    tasks = tuple(task.strip() for task in args.tasks.split(",") if task.strip())
    config = EncoderBenchmarkConfig(
        models=tuple(args.model), baselines=tuple(args.baseline), teacher=args.teacher,
        transfer_dir=args.transfer_dir, tasks=tasks, data_dir=args.data_dir, batch_size=args.batch_size,
        max_length=args.max_length, speed=not args.no_speed, repeats=args.repeats, cache_dir=args.cache_dir,
        score_cache=not args.no_score_cache, device=args.device,
    )
    progress = (lambda message: None) if args.no_progress else (lambda message: print(f"... {message}", file=sys.stderr))
    result = run_encoder_benchmark(config, progress)
    result["command"] = args.command_line
    table = markdown(result)
    print(table)
    if args.json:
        atomic_write_json(args.json, {**result, "entries": entries(result)})
    if args.markdown:
        atomic_write_text(args.markdown, table)


def register(commands: argparse._SubParsersAction) -> None:
    from bertdistill.data.loading import DATA_DIR_VARIABLE
    from bertdistill.evaluation.transfer import TRANSFER_DIR_VARIABLE, TRANSFER_TASKS

    parser = commands.add_parser("evaluate-encoder", help="score sentence encoders on transfer tasks, with speed",
                                 epilog=EXAMPLES, formatter_class=RAW)
    parser.add_argument("--model", action="append", default=[], metavar="M",
                        help="a general student folder, a model2vec folder, any Hugging Face encoder or `minilm` "
                             "(repeatable)")
    parser.add_argument("--baseline", nargs="*", default=["teacher", "model2vec", "tfidf"],
                        choices=["teacher", "model2vec", "tfidf"],
                        help="baselines run in the same process (default: all three; none with a bare --baseline)")
    parser.add_argument("--teacher", default="minilm", help="the teacher the baselines come from (default: minilm)")
    parser.add_argument("--transfer-dir", default=os.environ.get(TRANSFER_DIR_VARIABLE),
                        help=f"SentEval-layout folder (default: ${TRANSFER_DIR_VARIABLE})")
    parser.add_argument("--tasks", default=",".join(TRANSFER_TASKS),
                        help="comma-separated, from " + ",".join(TRANSFER_TASKS) + ",stsb-dev (default: the eight)")
    parser.add_argument("--data-dir", default=os.environ.get(DATA_DIR_VARIABLE), help="GLUE folder, for stsb-dev")
    parser.add_argument("--json", help="write the full result (with `entries` for `bertdistill report`)")
    parser.add_argument("--markdown", help="write the table")
    parser.add_argument("--batch-size", type=positive_int, default=128)
    parser.add_argument("--max-length", type=positive_int, default=128)
    parser.add_argument("--repeats", type=positive_int, default=3, help="timed repeats per speed cell (median kept)")
    parser.add_argument("--no-speed", action="store_true", help="skip the speed measurement")
    parser.add_argument("--cache-dir", help="where the model2vec baseline and the scores of unchanged local encoders "
                                            "are cached (default: $BERTDISTILL_CACHE)")
    parser.add_argument("--no-score-cache", action="store_true",
                        help="score every encoder again (by default a local folder's scores are reused while its "
                             "weights, the task data, the protocol and the libraries are unchanged)")
    parser.add_argument("--device", help="cpu or cuda (default: cuda when present)")
    parser.add_argument("--no-progress", action="store_true")
    parser.set_defaults(handler=run_evaluate_encoder)

"""`evaluate-encoder`: general students as sentence encoders, beside the teacher and data-free baselines."""

from __future__ import annotations

import argparse
import sys

from bertdistill.cli.common import RAW, check_output
from bertdistill.cli.config_flags import add_config_arguments, config_from_arguments

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
    from bertdistill.evaluation.encoder_benchmark import run_encoder_benchmark
    from bertdistill.evaluation.encoder_table import entries, markdown
    from bertdistill.io import atomic_write_json, atomic_write_text

    check_output(args.json, "--json", create_folders=False)
    check_output(args.markdown, "--markdown", create_folders=False)
    config = config_from_arguments(args)
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
    from bertdistill.evaluation.encoder_benchmark import EncoderBenchmarkConfig

    parser = commands.add_parser("evaluate-encoder", help="score sentence encoders on transfer tasks, with speed",
                                 epilog=EXAMPLES, formatter_class=RAW)
    add_config_arguments(parser, EncoderBenchmarkConfig, recipes=False, titles={"run": "encoders and tasks"})
    outputs = parser.add_argument_group("outputs")
    outputs.add_argument("--json", help="write the full result (with `entries` for `bertdistill report`)")
    outputs.add_argument("--markdown", help="write the table")
    outputs.add_argument("--no-progress", action="store_true", help="no progress lines")
    parser.set_defaults(handler=run_evaluate_encoder)

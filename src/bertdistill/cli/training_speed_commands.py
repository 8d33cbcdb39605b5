"""`benchmark-training`: how fast an SRA config trains here, part by part (evaluation/training_speed.py)."""

from __future__ import annotations

import argparse
import sys

from bertdistill.cli.common import RAW, check_output
from bertdistill.cli.config_flags import add_config_arguments, config_from_arguments

EXAMPLES = """examples:
  # the main job's static student on 30,000 Wikipedia sentences: where does a step's time go?
  bertdistill benchmark-training --corpus ../shared/data/corpus/wikipedia_en_slice.txt --max-sentences 30000 \\
      --student static --embedding-dim 256 --target-pca 256 --span-crops 0 --json speed.json

  # any distill sra recipe, as it would train
  bertdistill benchmark-training --config recipes/one-run.yaml --steps 100
"""


def run_benchmark_training(args: argparse.Namespace) -> None:
    from bertdistill.evaluation.training_speed import benchmark_training, training_speed_table
    from bertdistill.io import atomic_write_json

    check_output(args.json, "--json")
    config = config_from_arguments(args, command="distill sra", given={"output_dir": "(not written)"})
    result = benchmark_training(config, config_from_arguments(args, "timing"),
                                progress=lambda message: print(f"... {message}", file=sys.stderr))
    print(training_speed_table(result), end="")
    if args.json:
        atomic_write_json(args.json, {**result, "command": args.command_line, "config": config.to_dict()})


def register(commands: argparse._SubParsersAction) -> None:
    from bertdistill.evaluation.training_speed import TimingConfig
    from bertdistill.methods.sra import SRAConfig

    parser = commands.add_parser("benchmark-training", help="how fast an SRA config trains here: input path, "
                                 "trainer loop, student, teacher", epilog=EXAMPLES, formatter_class=RAW)
    add_config_arguments(parser, SRAConfig, skip=("output_dir", "resume"), titles={"corpus": "corpus"})
    add_config_arguments(parser, TimingConfig, part="timing", recipes=False, titles={"run": "timing"})
    parser.add_argument("--json", help="write the result")
    parser.set_defaults(handler=run_benchmark_training)

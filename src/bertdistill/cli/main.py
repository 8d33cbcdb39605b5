"""The `bertdistill` command line: argument parsing only; the work is done by `methods/` and `evaluation/`."""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
from collections.abc import Sequence

from bertdistill import __version__
from bertdistill.cli import (
    cache_commands,
    encoder_commands,
    export_commands,
    kd_commands,
    run_commands,
    sra_commands,
    task_commands,
    tinybert_commands,
    training_speed_commands,
)
from bertdistill.cli.common import silence_library_progress_bars
from bertdistill.distributed import leave_process_group
from bertdistill.errors import BertdistillError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bertdistill",
        description="Distil BERT-family teachers into small, fast students.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="more logging")
    parser.add_argument("--version", action="version", version=f"bertdistill {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    task_commands.register(commands)
    distill = commands.add_parser("distill", help="distil a teacher into a student")
    methods = distill.add_subparsers(dest="method", required=True, metavar="METHOD")
    sra_commands.register_distill(methods)
    kd_commands.register_distill(methods)
    tinybert_commands.register_distill(methods)
    sra_commands.register(commands)
    kd_commands.register(commands)
    export_commands.register(commands)
    encoder_commands.register(commands)
    cache_commands.register(commands)
    training_speed_commands.register(commands)
    run_commands.register(commands, (build_parser, main))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.command_line = shlex.join(["bertdistill", *argv])
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if getattr(args, "no_progress", False):   # commands without a training config (evaluate-encoder)
        silence_library_progress_bars()
    try:
        args.handler(args)
    except BertdistillError as error:
        print(f"bertdistill: error: {error}", file=sys.stderr)
        return 2
    except (PermissionError, IsADirectoryError, NotADirectoryError, FileExistsError) as error:
        # a path the command was told to write (or read) cannot be used: one line that names it
        print(f"bertdistill: error: {error.filename}: {error.strerror}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bertdistill: interrupted; rerun with --resume to continue from the last checkpoint", file=sys.stderr)
        return 130
    finally:
        leave_process_group()
    return 0


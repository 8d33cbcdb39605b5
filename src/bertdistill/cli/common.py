"""What several commands share: output checks, argparse types, the resolved run config, metrics printing."""

from __future__ import annotations

import argparse

from bertdistill.api import silence_library_progress_bars
from bertdistill.cli.config_flags import at_least, config_from_arguments
from bertdistill.config import Config
from bertdistill.io import check_output_file

RAW = argparse.RawDescriptionHelpFormatter
positive_int = at_least(1, int)   # argparse type: batch sizes, lengths, repeats


def check_output(path: str | None, flag: str, create_folders: bool = True) -> None:
    """An output file flag, checked before any work (see `io.check_output_file`); None passes."""
    if path is not None:
        check_output_file(path, flag, create_folders)


def run_config(args: argparse.Namespace, command: str) -> Config | None:
    """The command's config from its recipe and flags; None after `--print-config` has printed it."""
    config = config_from_arguments(args, command=command)
    if args.print_config:
        print(config.to_yaml(), end="")
        return None
    training = getattr(config, "training", None)
    if training is not None and not training.progress_bar:
        silence_library_progress_bars()
    return config


def print_metrics(record: dict) -> None:
    for split, metrics in record["metrics"].items():
        shown = "  ".join(f"{name}={value:.4f}" for name, value in metrics.items())
        print(f"{record['task']} {split}: {shown}")

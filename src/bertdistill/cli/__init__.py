"""The `bertdistill` command line."""

from bertdistill.cli.main import build_parser, main

__all__ = ["build_parser", "main"]

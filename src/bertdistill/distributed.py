"""Multi-process runs (`torchrun`, `accelerate launch`): which process this is, and where only one acts.

A launcher starts one process per device and tells each its place through the environment (`WORLD_SIZE`,
`RANK`, `LOCAL_RANK`). `Trainer` then trains data-parallel by itself; everything else a run does is ours and
follows one rule: the main process (rank 0) alone creates the run folder, builds shared caches and writes
results, while the others wait for it (`main_process_first`) and then read what it wrote. The process group
comes from accelerate's `PartialState`, the same state `Trainer` uses (gloo on CPU, NCCL on GPUs). Without a
launcher every function here is a no-op.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import torch


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_distributed() -> bool:
    return world_size() > 1


def rank() -> int:
    """This process's place among all processes (on every machine), 0 without a launcher."""
    return int(os.environ.get("RANK", "0"))


def local_rank() -> int:
    return int(os.environ.get("LOCAL_RANK", "0"))


def _state():
    from accelerate import PartialState

    # cpu=True when there is no GPU: accelerate then forms a gloo group instead of assuming one process
    return PartialState(cpu=not torch.cuda.is_available())


def is_main_process() -> bool:
    return not is_distributed() or _state().is_main_process


def wait_for_everyone() -> None:
    if is_distributed():
        _state().wait_for_everyone()


@contextlib.contextmanager
def main_process_first() -> Iterator[None]:
    """The main process runs the block first (building caches, writing files); the others wait, then run
    it and find the work done."""
    if not is_distributed():
        yield
        return
    with _state().main_process_first():
        yield


def leave_process_group() -> None:
    """The end of a command under a launcher: a gloo group left open until the interpreter exits can abort the
    process ('terminate called without an active exception') after the work is done."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()

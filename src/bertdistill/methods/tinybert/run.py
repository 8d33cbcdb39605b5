"""A TinyBERT run: the general stage or the task stage, in one process."""

from __future__ import annotations

from transformers import TrainerCallback

from bertdistill.methods.tinybert.config import TinyBertConfig
from bertdistill.methods.tinybert.general import distill_general
from bertdistill.methods.tinybert.task import distill_task
from bertdistill.training.outputs import check_run_folder
from bertdistill.training.run import refuse_multi_process


def distill_tinybert(config: TinyBertConfig, callbacks: tuple[TrainerCallback, ...] = (),
                     command: str | None = None) -> dict:
    # its stages are not rank-aware yet (their own caches, the task stage's two steps)
    refuse_multi_process("distill tinybert", "its stages build their caches and steps in one process")
    check_run_folder(config.output_dir, config.resume)
    if config.stage == "general":
        return distill_general(config, callbacks, command)
    return distill_task(config, callbacks, command)


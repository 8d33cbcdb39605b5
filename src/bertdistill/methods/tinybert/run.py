"""A TinyBERT run: the general stage or the task stage (in one process or under a launcher)."""

from __future__ import annotations

from transformers import TrainerCallback

from bertdistill.methods.tinybert.config import TinyBertConfig
from bertdistill.methods.tinybert.general import distill_general
from bertdistill.methods.tinybert.task import distill_task
from bertdistill.training.outputs import check_run_folder


def distill_tinybert(config: TinyBertConfig, callbacks: tuple[TrainerCallback, ...] = (),
                     command: str | None = None) -> dict:
    check_run_folder(config.output_dir, config.resume)
    if config.stage == "general":
        return distill_general(config, callbacks, command)
    return distill_task(config, callbacks, command)


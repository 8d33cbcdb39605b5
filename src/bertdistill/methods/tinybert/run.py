"""A TinyBERT run: the general stage or the task stage, in one process."""

from __future__ import annotations

from transformers import TrainerCallback

from bertdistill.distributed import is_distributed
from bertdistill.errors import ConfigError
from bertdistill.methods.tinybert.config import TinyBertConfig
from bertdistill.methods.tinybert.general import distill_general
from bertdistill.methods.tinybert.task import distill_task


def distill_tinybert(config: TinyBertConfig, callbacks: tuple[TrainerCallback, ...] = (),
                     command: str | None = None) -> dict:
    if is_distributed():   # its stages are not rank-aware yet (their own caches, the task stage's two steps)
        raise ConfigError("distill tinybert runs in one process; multi-process runs (torchrun, accelerate "
                          "launch) are supported for finetune, distill sra and distill kd")
    if config.stage == "general":
        return distill_general(config, callbacks, command)
    return distill_task(config, callbacks, command)


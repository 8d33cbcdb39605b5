"""`Trainer`: Hugging Face's maintained engine plus commit-marked checkpoints and a NaN guard.

The engine knows nothing about the model: fine-tuning uses it as is, and the distillation methods
subclass it to override `compute_loss`.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import torch
from transformers import Trainer as HuggingFaceTrainer
from transformers import TrainerCallback
from transformers.integrations import TensorBoardCallback

from bertdistill.errors import TrainingError
from bertdistill.training.checkpoints import last_complete_checkpoint, mark_complete

logger = logging.getLogger(__name__)


class Trainer(HuggingFaceTrainer):
    """A `transformers.Trainer` whose checkpoints are committed atomically and which stops on NaN."""

    def _save_checkpoint(self, model, trial) -> None:
        super()._save_checkpoint(model, trial)
        if self.args.should_save:
            folder = Path(self._get_output_dir(trial=trial)) / f"checkpoint-{self.state.global_step}"
            mark_complete(folder)  # written last: only now does the checkpoint count

    def training_step(self, model, inputs, num_items_in_batch=None) -> torch.Tensor:
        loss = super().training_step(model, inputs, num_items_in_batch)
        if not math.isfinite(loss.item()):
            last = last_complete_checkpoint(self.args.output_dir)
            where = f"the last good checkpoint is {last}" if last else "no checkpoint was written yet"
            raise TrainingError(
                f"the training loss became {loss.item()} at step {self.state.global_step + 1}; stopped. "
                f"{where}. Lower --lr, or check the data for extreme values, then rerun with --resume."
            )
        return loss


def tensorboard_callback(log_dir: str | Path) -> TrainerCallback | None:
    """TensorBoard logs in `log_dir`, or None (with a warning) when tensorboard is not installed."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        logger.warning("tensorboard is not installed; no TensorBoard logs")
        return None
    return TensorBoardCallback(tb_writer=SummaryWriter(log_dir=str(log_dir)))

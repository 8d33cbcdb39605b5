"""`Trainer`: Hugging Face's maintained engine plus commit-marked checkpoints and a NaN guard.

The engine knows nothing about the model: fine-tuning uses it as is, and the distillation methods
subclass it to override `compute_loss`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from pathlib import Path

import datasets
import numpy as np
import torch
from transformers import Trainer as HuggingFaceTrainer
from transformers import TrainerCallback
from transformers.integrations import TensorBoardCallback
from transformers.trainer_pt_utils import LengthGroupedSampler

from bertdistill.distributed import is_main_process, wait_for_everyone
from bertdistill.errors import TrainingError
from bertdistill.io import publish_directory
from bertdistill.training.checkpoints import last_complete_checkpoint, mark_complete, quarantine_incomplete_checkpoints

logger = logging.getLogger(__name__)


class Trainer(HuggingFaceTrainer):
    """A `transformers.Trainer` whose checkpoints are committed atomically, which stops on NaN, and whose
    length-grouped batches read the `length` column once."""

    def _get_train_sampler(self, train_dataset=None):
        # transformers hands the column on as a lazy `datasets` Column: one Arrow row read per lookup, for every
        # row of every epoch's sort; a list read once gives the same batches. A dataset that knows its rows'
        # lengths (`TableRows`) gives them directly.
        dataset = self.train_dataset if train_dataset is None else train_dataset
        lengths = row_lengths(dataset, self.args.length_column_name)
        if self.args.train_sampling_strategy != "group_by_length" or lengths is None:
            return super()._get_train_sampler(train_dataset)
        return LengthGroupedSampler(self.args.train_batch_size * self.args.gradient_accumulation_steps,
                                    lengths=lengths)

    def _get_eval_sampler(self, eval_dataset):
        # transformers groups evaluation batches by length too, but finds lengths only in a `datasets` column
        lengths = row_lengths(eval_dataset, self.args.length_column_name)
        if (self.args.train_sampling_strategy != "group_by_length" or lengths is None
                or isinstance(eval_dataset, datasets.Dataset)):
            return super()._get_eval_sampler(eval_dataset)
        seed = self.args.data_seed if self.args.data_seed is not None else self.args.seed
        return LengthGroupedSampler(self.args.eval_batch_size, lengths=lengths,
                                    generator=torch.Generator().manual_seed(seed))

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


def row_lengths(dataset, column: str) -> list[int] | None:
    """(N,) lengths of the dataset's rows in its own order, or None when it has no length column."""
    if isinstance(getattr(dataset, "lengths", None), np.ndarray):
        return dataset.lengths.tolist()
    if isinstance(dataset, datasets.Dataset) and column in dataset.column_names:
        return dataset.select_columns([column])[:][column]
    return None


def tensorboard_callback(log_dir: str | Path) -> TrainerCallback | None:
    """TensorBoard logs in `log_dir`, or None (with a warning) when tensorboard is not installed."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        logger.warning("tensorboard is not installed; no TensorBoard logs")
        return None
    return TensorBoardCallback(tb_writer=SummaryWriter(log_dir=str(log_dir)))


def logging_callbacks(output_dir: str | Path) -> list[TrainerCallback]:
    """The callbacks every run gets: TensorBoard logs in OUTPUT/logs (none when tensorboard is missing;
    written by the main process of a multi-process run)."""
    if not is_main_process():
        return []
    callback = tensorboard_callback(Path(output_dir) / "logs")
    return [] if callback is None else [callback]


def checkpoint_to_resume(checkpoint_dir: str | Path, resume: bool) -> Path | None:
    """With `--resume`: the newest complete checkpoint (incomplete ones are renamed out of the way)."""
    if not resume:
        return None
    for moved in quarantine_incomplete_checkpoints(checkpoint_dir):
        logger.warning("ignoring an incomplete checkpoint (the run was killed while saving it): %s", moved)
    checkpoint = last_complete_checkpoint(checkpoint_dir)
    if checkpoint is None:
        logger.warning("--resume: no complete checkpoint in %s; starting from the beginning", checkpoint_dir)
    return checkpoint


def save_final_model(trainer: HuggingFaceTrainer, output_dir: Path, tokenizer=None,
                     extra: Callable[[Path], None] | None = None) -> None:
    """Write the trainer's model (the best checkpoint when one was selected) as a save_pretrained
    folder: into a staging folder first, then moved into `output_dir` file by file, config.json last.
    In a multi-process run every process calls this; the main process writes."""
    staging = output_dir / ".final-model.tmp"
    trainer.save_model(str(staging))   # writes on the main process only
    if not is_main_process():
        wait_for_everyone()
        return
    (staging / "training_args.bin").unlink(missing_ok=True)  # a pickle; config.yaml records the arguments
    if tokenizer is not None:
        tokenizer.save_pretrained(staging)
    if extra is not None:
        extra(staging)
    publish_directory(staging, output_dir)
    wait_for_everyone()

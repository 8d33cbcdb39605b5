"""The common training flags and their translation into Hugging Face `TrainingArguments`."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Literal

import torch
from transformers import TrainingArguments

from bertdistill.config import DEFAULT_SEED, Config, setting
from bertdistill.distributed import is_distributed, world_size
from bertdistill.errors import ConfigError


@dataclasses.dataclass
class TrainingConfig(Config):
    """Optimisation and bookkeeping shared by fine-tuning and every distillation method."""

    epochs: float = setting(3.0, help="passes over the training set (fractions allowed)", above=0)
    batch_size: int = setting(32, help="examples per optimizer step (the global batch under a launcher)", minimum=1)
    eval_batch_size: int = setting(128, help="examples per evaluation batch", minimum=1)
    lr: float | None = setting(None, help="peak learning rate; unset: by model type, 2e-5 for Transformers, "
                               "1e-3 for BiLSTM and static students", above=0)
    weight_decay: float = setting(0.01, help="AdamW weight decay", minimum=0)
    warmup_ratio: float = setting(0.1, help="share of the steps the learning rate warms up over", rate=True)
    seed: int = setting(DEFAULT_SEED, help="seed of initialisation, batch order and every seed left unset", minimum=0)
    eval_steps: int | None = setting(None, help="evaluate and checkpoint every N steps (default: each epoch)",
                                     minimum=1, metavar="N")
    save_total_limit: int = setting(2, help="checkpoints kept on disk", minimum=1)
    logging_steps: int = setting(50, help="log the loss every N steps", minimum=1, metavar="N")
    precision: Literal["auto", "fp32", "bf16", "fp16"] = setting("auto", help="auto: bf16 or fp16 on a GPU, "
                                                                 "fp32 on CPU")
    progress_bar: bool = setting(True, help="progress bars (--no-progress: logs only)", flag="--progress")
    dataloader_workers: int = setting(0, help="processes that prepare batches beside the training loop (0: the "
                                      "loop's own process; measure with bertdistill benchmark-training)", minimum=0)

    def __post_init__(self) -> None:
        if self.epochs <= 0:
            raise ConfigError(f"epochs must be > 0, got {self.epochs}")
        if self.batch_size < 1 or self.eval_batch_size < 1:
            raise ConfigError("batch sizes must be >= 1")
        if self.lr is not None and self.lr <= 0:
            raise ConfigError(f"lr must be > 0, got {self.lr}")
        if not 0 <= self.warmup_ratio < 1:
            raise ConfigError(f"warmup_ratio must be in [0, 1), got {self.warmup_ratio}")
        if self.eval_steps is not None and self.eval_steps < 1:
            raise ConfigError(f"eval_steps must be >= 1, got {self.eval_steps}")
        if self.batch_size % world_size():   # a multi-process run splits every batch evenly
            raise ConfigError(f"--batch-size {self.batch_size} must be a multiple of the {world_size()} processes "
                              "(each takes an equal share of every batch)")


DEFAULT_LEARNING_RATES = {"bertdistill-bilstm": 1e-3, "model2vec": 1e-3}   # the BiLSTM and the static student
TRANSFORMER_LEARNING_RATE = 2e-5


def resolve_learning_rate(config: TrainingConfig, model_type: str) -> TrainingConfig:
    """Fill an unset learning rate with the default for the model type (recorded in config.yaml)."""
    if config.lr is not None:
        return config
    return dataclasses.replace(config, lr=DEFAULT_LEARNING_RATES.get(model_type, TRANSFORMER_LEARNING_RATE))


def resolve_precision(precision: str) -> str:
    """`auto`: bf16 on GPUs that support it, fp16 on other GPUs, fp32 on CPU."""
    if precision != "auto":
        if precision in ("bf16", "fp16") and not torch.cuda.is_available():
            raise ConfigError(f"precision {precision} needs a CUDA GPU; use fp32 (or auto) on CPU")
        return precision
    if not torch.cuda.is_available():
        return "fp32"
    return "bf16" if torch.cuda.is_bf16_supported() else "fp16"


def distributed_arguments(config: TrainingConfig) -> dict:
    """Under a launcher (torchrun, accelerate launch): --batch-size stays the global batch, split across the
    processes (accelerate's `split_batches`), so a run on N processes takes the same steps on the same
    batches as a run on one; gloo on CPU, NCCL on GPUs."""
    if not is_distributed():
        return {}
    processes = world_size()
    evaluation = -(-config.eval_batch_size // processes) * processes
    cpu = not torch.cuda.is_available()
    # average_tokens_across_devices off: our losses are means over the batch share, which DDP's gradient
    # averaging turns into the mean over the whole batch; Trainer's rescaling assumes summed token losses
    return {"accelerator_config": {"split_batches": True}, "per_device_eval_batch_size": evaluation,
            "average_tokens_across_devices": False, "use_cpu": cpu, **({"ddp_backend": "gloo"} if cpu else {})}


def make_training_arguments(
    config: TrainingConfig,
    checkpoint_dir: str | Path,
    metric_for_best_model: str | None,
    greater_is_better: bool = True,
    label_names: list[str] | None = None,
) -> TrainingArguments:
    """Checkpoints go to `checkpoint_dir`; with a metric, the best checkpoint is restored at the end.
    `label_names` (distillation: teacher outputs, labels, or none) keeps every dataset column for the
    method's own collator and tells `Trainer` which inputs are targets."""
    if config.lr is None:
        raise ConfigError("the learning rate is unresolved; call resolve_learning_rate first")
    precision = resolve_precision(config.precision)
    strategy = "epoch" if config.eval_steps is None else "steps"
    evaluate = metric_for_best_model is not None
    arguments = {"per_device_eval_batch_size": config.eval_batch_size, **distributed_arguments(config)}
    return TrainingArguments(
        output_dir=str(checkpoint_dir),
        num_train_epochs=config.epochs,
        per_device_train_batch_size=config.batch_size,
        learning_rate=config.lr,
        weight_decay=config.weight_decay,
        warmup_steps=config.warmup_ratio,
        seed=config.seed,
        eval_strategy=strategy if evaluate else "no",
        save_strategy=strategy,
        eval_steps=config.eval_steps,
        save_steps=config.eval_steps or 500,
        save_total_limit=config.save_total_limit,
        load_best_model_at_end=evaluate,
        metric_for_best_model=metric_for_best_model,
        greater_is_better=greater_is_better,
        logging_steps=config.logging_steps,
        logging_first_step=True,
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        report_to="none",  # TensorBoard is attached explicitly, with the run's own log folder
        disable_tqdm=not config.progress_bar,
        train_sampling_strategy="group_by_length",
        dataloader_num_workers=config.dataloader_workers,
        dataloader_pin_memory=torch.cuda.is_available(),
        remove_unused_columns=label_names is None,
        **({} if label_names is None else {"label_names": label_names}),
        **arguments,
    )

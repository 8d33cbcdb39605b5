"""The configuration of a KD run: every default of `bertdistill distill kd`, stated once."""

from __future__ import annotations

import dataclasses

from bertdistill.config import Config, setting
from bertdistill.data.augmentation import AugmentConfig
from bertdistill.data.loading import DataConfig
from bertdistill.errors import ConfigError
from bertdistill.losses.logits import LogitLoss
from bertdistill.losses.objectives import KDObjective
from bertdistill.students.factory import StudentShape, tang_shape
from bertdistill.training.arguments import TrainingConfig


def kd_training_defaults() -> TrainingConfig:
    return TrainingConfig(epochs=5, batch_size=64, eval_batch_size=256, lr=1e-3, weight_decay=0.0,
                          warmup_ratio=0.02, logging_steps=100)


@dataclasses.dataclass(kw_only=True)
class KDConfig(Config):
    teacher: str = setting(help="a teacher fine-tuned on the task (`bertdistill finetune`)")
    output_dir: str = setting(help="where the student is saved")
    data: DataConfig = setting(help="a GLUE task, or custom CSV/TSV/JSONL files")
    student: str = setting("bilstm", help="bilstm: a new BiLSTM (the shape below, Tang et al.'s by default); or a "
                           "student folder, e.g. an SRA general student")
    shape: StudentShape = setting(factory=tang_shape, help="a new BiLSTM's shape")
    augment: bool = setting(True, help="generate a transfer set (--no-augment: train on the original examples)")
    augmentation: AugmentConfig = setting(factory=AugmentConfig, help="Tang et al.'s augmentation")
    transfer_set: str | None = setting(None, help="a transfer set saved by `bertdistill augment` (JSONL) instead "
                                       "of generating one")
    loss: LogitLoss = setting("mse", help="logit MSE (the paper's) or soft-target cross-entropy")
    temperature: float = setting(1.0, help="of soft-ce", above=0)
    alpha: float = setting(0.0, help="weight of gold-label cross-entropy on original examples (the paper's best: 0)", minimum=0)
    teacher_max_length: int | None = setting(None, help="the teacher's token length (unset: its fine-tuning "
                                             "length)", minimum=1)
    teacher_batch_size: int = setting(128, help="examples per teacher batch when logits are computed", minimum=1)
    training: TrainingConfig = setting(factory=kd_training_defaults, help="optimisation")
    cache_dir: str | None = setting(None, help="teacher-logit cache (unset: $BERTDISTILL_CACHE or "
                                    "~/.cache/bertdistill)")
    resume: bool = setting(False, help="continue from the last complete checkpoint in --output-dir")

    def __post_init__(self) -> None:
        if self.augmentation.seed is None:   # an unset augmentation seed follows the run's
            self.augmentation = dataclasses.replace(self.augmentation, seed=self.training.seed)
        try:
            _ = self.objective  # building it validates loss, alpha and temperature
        except ValueError as error:
            raise ConfigError(str(error)) from None
        if self.student == "bilstm" and self.shape.residual_static:
            raise ConfigError("--residual-static belongs to SRA general students (a static path added to the "
                              "projected sentence vector); a new KD student has none. Leave it off, or distil "
                              "into a general student with --student DIR")

    @property
    def objective(self) -> KDObjective:
        return KDObjective(self.loss, self.temperature, self.alpha)

"""How the logit losses are combined for task-specific KD (the losses themselves are in `logits.py`)."""

from __future__ import annotations

import dataclasses

from torch import Tensor

from bertdistill.losses.logits import LOGIT_LOSSES, LogitLoss, distillation_loss, gold_loss


@dataclasses.dataclass(frozen=True)
class KDObjective:
    """L = alpha * L_gold + (1 - alpha) * L_distill (Tang et al. 2019, eq. 2; alpha = 0: distillation only)."""

    loss: LogitLoss = "mse"
    temperature: float = 1.0
    alpha: float = 0.0

    def __post_init__(self) -> None:
        if self.loss not in LOGIT_LOSSES:
            raise ValueError(f"loss must be one of {LOGIT_LOSSES}, got {self.loss!r}")
        if not 0 <= self.alpha <= 1:
            raise ValueError(f"alpha must be in [0, 1], got {self.alpha}")
        if self.temperature <= 0:
            raise ValueError(f"temperature must be > 0, got {self.temperature}")

    def __call__(self, student_logits: Tensor, teacher_logits: Tensor, labels: Tensor, has_gold: Tensor) -> Tensor:
        distill = distillation_loss(student_logits, teacher_logits, self.loss, self.temperature)
        if self.alpha == 0:
            return distill
        return self.alpha * gold_loss(student_logits, labels, has_gold) + (1 - self.alpha) * distill

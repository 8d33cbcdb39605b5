"""How the logit losses are combined for task-specific KD (the losses themselves are in `logits.py`)."""

from __future__ import annotations

import dataclasses

from torch import Tensor

from bertdistill.losses.logits import DISTILLATION_TERMS, LOGIT_LOSSES, LogitLoss
from bertdistill.losses.registry import WeightedSum


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

    @property
    def terms(self) -> WeightedSum:
        """The objective as a weighted sum of registered losses."""
        return WeightedSum(((DISTILLATION_TERMS[self.loss], 1 - self.alpha), ("gold", self.alpha)))

    def __call__(self, student_logits: Tensor, teacher_logits: Tensor, labels: Tensor, has_gold: Tensor) -> Tensor:
        return self.terms(student_logits=student_logits, teacher_logits=teacher_logits, labels=labels,
                          has_gold=has_gold, temperature=self.temperature)["loss"]

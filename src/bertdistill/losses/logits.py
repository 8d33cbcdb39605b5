"""Logit distillation losses for task-specific KD (Tang et al. 2019, arXiv 1903.12136; docs/methods.md 2.3).

With student logits z_S and teacher logits z_T, both (B, C), gold targets t:

    L_mse     = 1/B * sum_b ||z_T,b - z_S,b||^2              (summed over classes, the paper's form)
    L_soft_ce = T^2/B * sum_b sum_c -softmax(z_T,b/T)_c * log softmax(z_S,b/T)_c    (Hinton et al. 2015)
    L_gold    = CE(t, softmax(z_S)) over gold-labelled rows   (MSE to the gold score for regression)
    L         = alpha * L_gold + (1 - alpha) * L_distill      (Tang et al.: alpha = 0 was best)

The T^2 factor keeps soft-CE gradients comparable across temperatures. d-bert's code averages the MSE
over classes too (C times smaller); the paper's per-example sum is used here.
"""

from __future__ import annotations

from typing import Literal

from torch import Tensor
from torch.nn import functional

from bertdistill.losses.registry import register_loss

LogitLoss = Literal["mse", "soft-ce"]
LOGIT_LOSSES = ("mse", "soft-ce")


@register_loss("logit-mse")
def logit_mse(student_logits: Tensor, teacher_logits: Tensor) -> Tensor:
    """1/B sum_b ||z_T,b - z_S,b||^2. Args: (B, C) each; C = 1 for regression scores."""
    return ((student_logits - teacher_logits) ** 2).sum(dim=-1).mean()


def soft_cross_entropy(student_logits: Tensor, teacher_logits: Tensor, temperature: float = 1.0) -> Tensor:
    """T^2/B sum_b H(softmax(z_T,b / T), softmax(z_S,b / T)). Args: (B, C) each, C >= 2."""
    teacher_probabilities = functional.softmax(teacher_logits / temperature, dim=-1)        # (B, C)
    student_log_probabilities = functional.log_softmax(student_logits / temperature, dim=-1)  # (B, C)
    per_example = -(teacher_probabilities * student_log_probabilities).sum(dim=-1)           # (B,)
    return per_example.mean() * temperature**2


@register_loss("gold")
def gold_loss(student_logits: Tensor, labels: Tensor, has_gold: Tensor) -> Tensor:
    """Cross-entropy (or, for one output, squared error) over the rows that have a gold label; 0 if none.

    Args:
        student_logits: (B, C).
        labels: (B,) class indices, or scores when C = 1; ignored where `has_gold` is 0.
        has_gold: (B,) 1 for original examples, 0 for synthetic ones.
    """
    mask = has_gold.bool()
    if not mask.any():
        return student_logits.sum() * 0.0  # keeps the graph (and the device) of a normal loss
    if student_logits.shape[-1] == 1:
        return functional.mse_loss(student_logits[mask].squeeze(-1), labels[mask].float())
    return functional.cross_entropy(student_logits[mask], labels[mask].long())


@register_loss("soft-ce")
def soft_cross_entropy_of_classes(student_logits: Tensor, teacher_logits: Tensor, temperature: float) -> Tensor:
    """`soft_cross_entropy`, refused for a single output (a regression score has no distribution)."""
    if student_logits.shape[-1] < 2:
        raise ValueError("soft-ce needs class logits; a regression task (one output) uses mse")
    return soft_cross_entropy(student_logits, teacher_logits, temperature)


# the registered loss of each `--loss` choice of logit distillation
DISTILLATION_TERMS = {"mse": "logit-mse", "soft-ce": "soft-ce"}

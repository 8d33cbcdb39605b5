"""How TinyBERT's intermediate losses are combined (the losses themselves are in `intermediate.py`).

    L = w_e * L_embd + sum over mapped layers m of (w_a * L_attn(m) + w_h * L_hidn(m))

The paper uses every weight 1 (lambda_m = 1). Head counts: `match` compares head by head and needs equal
counts; `mean` compares the head-averaged score maps, for a student with fewer or more heads than its
teacher (a bertdistill option; the original code simply fails, docs/methods.md 4.1).
"""

from __future__ import annotations

import dataclasses
from typing import Literal

from torch import Tensor

from bertdistill.losses.intermediate import RealCounts, attention_score_mse, hidden_state_mse
from bertdistill.losses.registry import WeightedSum, register_loss
from bertdistill.teachers.layer_outputs import LayerOutputs

HeadStrategy = Literal["match", "mean"]


def head_view(scores: Tensor, heads: HeadStrategy) -> Tensor:
    return scores.mean(dim=1, keepdim=True) if heads == "mean" else scores   # (B, h or 1, T, T)


@register_loss("embedding")
def embedding_mse(student: LayerOutputs, teacher: LayerOutputs, attention_mask: Tensor,
                  counts: RealCounts | None) -> Tensor:
    """L_embd: the (projected) embedding-layer outputs against the teacher's."""
    return hidden_state_mse(student.embeddings, teacher.embeddings, attention_mask, counts)


@register_loss("attention")
def attention_mse(student: LayerOutputs, teacher: LayerOutputs, attention_mask: Tensor, heads: HeadStrategy,
                  counts: RealCounts | None) -> Tensor:
    """sum over mapped layers of L_attn: attention scores, head by head or head-averaged (`heads`)."""
    return sum(attention_score_mse(head_view(mine, heads), head_view(theirs, heads), attention_mask, counts)
               for mine, theirs in zip(student.scores, teacher.scores, strict=True))


@register_loss("hidden")
def hidden_mse(student: LayerOutputs, teacher: LayerOutputs, attention_mask: Tensor,
               counts: RealCounts | None) -> Tensor:
    """sum over mapped layers of L_hidn: the (projected) hidden states against the teacher's."""
    return sum(hidden_state_mse(mine, theirs, attention_mask, counts)
               for mine, theirs in zip(student.hidden, teacher.hidden, strict=True))


@dataclasses.dataclass(frozen=True)
class IntermediateObjective:
    embedding_weight: float = 1.0
    attention_weight: float = 1.0
    hidden_weight: float = 1.0
    heads: HeadStrategy = "match"

    def __post_init__(self) -> None:
        if self.heads not in ("match", "mean"):
            raise ValueError(f"heads must be match or mean, got {self.heads!r}")
        _ = self.terms   # checks the weights

    @property
    def terms(self) -> WeightedSum:
        """The objective as a weighted sum of registered losses."""
        return WeightedSum((("embedding", self.embedding_weight), ("attention", self.attention_weight),
                            ("hidden", self.hidden_weight)))

    def __call__(self, student: LayerOutputs, teacher: LayerOutputs, attention_mask: Tensor,
                 counts: RealCounts | None = None) -> dict[str, Tensor]:
        """`student` already projected to the teacher's width; `counts` what the means divide by (the batch's own
        when None). Returns each part of weight > 0 and their sum (under "loss")."""
        return self.terms(student=student, teacher=teacher, attention_mask=attention_mask, heads=self.heads,
                          counts=counts)

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

from bertdistill.losses.intermediate import attention_score_mse, hidden_state_mse
from bertdistill.teachers.layer_outputs import LayerOutputs

HeadStrategy = Literal["match", "mean"]


@dataclasses.dataclass(frozen=True)
class IntermediateObjective:
    embedding_weight: float = 1.0
    attention_weight: float = 1.0
    hidden_weight: float = 1.0
    heads: HeadStrategy = "match"

    def __post_init__(self) -> None:
        weights = (self.embedding_weight, self.attention_weight, self.hidden_weight)
        if min(weights) < 0 or max(weights) == 0:
            raise ValueError(f"loss weights must be >= 0 and not all 0, got {weights}")
        if self.heads not in ("match", "mean"):
            raise ValueError(f"heads must be match or mean, got {self.heads!r}")

    def head_view(self, scores: Tensor) -> Tensor:
        return scores.mean(dim=1, keepdim=True) if self.heads == "mean" else scores   # (B, h or 1, T, T)

    def __call__(self, student: LayerOutputs, teacher: LayerOutputs, attention_mask: Tensor) -> dict[str, Tensor]:
        """`student` already projected to the teacher's width; returns each part and their weighted sum."""
        embedding = hidden_state_mse(student.embeddings, teacher.embeddings, attention_mask)
        attention = sum(attention_score_mse(self.head_view(mine), self.head_view(theirs), attention_mask)
                        for mine, theirs in zip(student.scores, teacher.scores, strict=True))
        hidden = sum(hidden_state_mse(mine, theirs, attention_mask)
                     for mine, theirs in zip(student.hidden, teacher.hidden, strict=True))
        total = self.embedding_weight * embedding + self.attention_weight * attention + self.hidden_weight * hidden
        return {"loss": total, "embedding": embedding, "attention": attention, "hidden": hidden}

"""TinyBERT's intermediate-layer losses (Jiao et al. 2020, arXiv 1909.10351, eqs. 7-10; docs/methods.md 3.3).

With a (B, T) attention mask m (1 for real tokens), pre-softmax attention scores A = Q K^T / sqrt(d_k)
of shape (B, h, T, T), hidden states H of shape (B, T, d) and a learned projection W (d_S -> d_T):

    L_attn = 1/h sum_heads MSE(A_S, A_T)   over real (query, key) pairs only:
           = sum_{b,h,i,j} m_bi m_bj (A_S - A_T)^2 / (h * sum_{b,i,j} m_bi m_bj)
    L_hidn = MSE(H_S W_h, H_T)             over real tokens:  sum_{b,t} m_bt ||.||^2 / (d_T * sum m)
    L_embd = MSE(E_S W_e, E_T)             the same, on the embedding-layer outputs

The prediction-layer loss is `losses.logits.soft_cross_entropy` (t = 1 in the paper).

The denominators count a batch's real tokens and pairs (`RealCounts`). When several processes each hold a share of
the batch, each passes the counts of the whole batch divided by the process count, so the gradients they
average are those of the whole batch's mean (a share's own count would weight short and long shares alike).

Where the original code differs (docs/methods.md 4.1): it zeroes masked scores but still counts them in
the mean's denominator, and averages hidden MSE over padding too; here padding counts nowhere, so a
batch's loss does not depend on how much padding it happens to carry.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import Tensor


@dataclasses.dataclass(frozen=True)
class RealCounts:
    """What the means divide by: real tokens (sum m) and real (query, key) pairs (sum_b (sum_t m_bt)^2)."""

    tokens: Tensor
    pairs: Tensor

    @classmethod
    def of(cls, attention_mask: Tensor) -> RealCounts:
        lengths = attention_mask.sum(dim=1).to(torch.float32)                          # (B,)
        return cls(lengths.sum(), (lengths**2).sum())

    def stacked(self) -> Tensor:
        return torch.stack([self.tokens, self.pairs])                                   # (2,)


def attention_score_mse(student_scores: Tensor, teacher_scores: Tensor, attention_mask: Tensor,
                        counts: RealCounts | None = None) -> Tensor:
    """Args: scores (B, h, T, T) each, without the additive mask; attention_mask (B, T) of 0/1; `counts`: the
    batch's own unless given."""
    if student_scores.shape != teacher_scores.shape:
        raise ValueError(f"attention scores differ in shape: student {tuple(student_scores.shape)}, "
                         f"teacher {tuple(teacher_scores.shape)}")
    mask = attention_mask.to(student_scores.dtype)                                      # (B, T)
    pairs = mask[:, None, :, None] * mask[:, None, None, :]                             # (B, 1, T, T)
    squared = (student_scores - teacher_scores) ** 2 * pairs                            # (B, h, T, T)
    real_pairs = pairs.sum() if counts is None else counts.pairs
    return squared.sum() / (real_pairs * student_scores.shape[1]).clamp(min=1)


def hidden_state_mse(projected_student: Tensor, teacher: Tensor, attention_mask: Tensor,
                     counts: RealCounts | None = None) -> Tensor:
    """Args: projected_student and teacher (B, T, d_T); attention_mask (B, T) of 0/1; `counts`: the batch's own
    unless given. Serves L_hidn and L_embd (the caller applies W_h or W_e)."""
    if projected_student.shape != teacher.shape:
        raise ValueError(f"hidden states differ in shape: student {tuple(projected_student.shape)} after "
                         f"projection, teacher {tuple(teacher.shape)}")
    mask = attention_mask.to(projected_student.dtype)                                   # (B, T)
    squared = ((projected_student - teacher) ** 2).sum(dim=-1) * mask                   # (B, T)
    real_tokens = mask.sum() if counts is None else counts.tokens
    return squared.sum() / (real_tokens * teacher.shape[-1]).clamp(min=1)

"""TinyBERT's intermediate-layer losses (Jiao et al. 2020, arXiv 1909.10351, eqs. 7-10; docs/methods.md 3.3).

With a (B, T) attention mask m (1 for real tokens), pre-softmax attention scores A = Q K^T / sqrt(d_k)
of shape (B, h, T, T), hidden states H of shape (B, T, d) and a learned projection W (d_S -> d_T):

    L_attn = 1/h sum_heads MSE(A_S, A_T)   over real (query, key) pairs only:
           = sum_{b,h,i,j} m_bi m_bj (A_S - A_T)^2 / (h * sum_{b,i,j} m_bi m_bj)
    L_hidn = MSE(H_S W_h, H_T)             over real tokens:  sum_{b,t} m_bt ||.||^2 / (d_T * sum m)
    L_embd = MSE(E_S W_e, E_T)             the same, on the embedding-layer outputs

The prediction-layer loss is `losses.logits.soft_cross_entropy` (t = 1 in the paper).

Where the original code differs (docs/methods.md 4.1): it zeroes masked scores but still counts them in
the mean's denominator, and averages hidden MSE over padding too; here padding counts nowhere, so a
batch's loss does not depend on how much padding it happens to carry.
"""

from __future__ import annotations

from torch import Tensor


def attention_score_mse(student_scores: Tensor, teacher_scores: Tensor, attention_mask: Tensor) -> Tensor:
    """Args: scores (B, h, T, T) each, without the additive mask; attention_mask (B, T) of 0/1."""
    if student_scores.shape != teacher_scores.shape:
        raise ValueError(f"attention scores differ in shape: student {tuple(student_scores.shape)}, "
                         f"teacher {tuple(teacher_scores.shape)}")
    mask = attention_mask.to(student_scores.dtype)                                      # (B, T)
    pairs = mask[:, None, :, None] * mask[:, None, None, :]                             # (B, 1, T, T)
    squared = (student_scores - teacher_scores) ** 2 * pairs                            # (B, h, T, T)
    return squared.sum() / (pairs.sum() * student_scores.shape[1]).clamp(min=1)


def hidden_state_mse(projected_student: Tensor, teacher: Tensor, attention_mask: Tensor) -> Tensor:
    """Args: projected_student and teacher (B, T, d_T); attention_mask (B, T) of 0/1.
    Serves L_hidn and L_embd (the caller applies W_h or W_e)."""
    if projected_student.shape != teacher.shape:
        raise ValueError(f"hidden states differ in shape: student {tuple(projected_student.shape)} after "
                         f"projection, teacher {tuple(teacher.shape)}")
    mask = attention_mask.to(projected_student.dtype)                                   # (B, T)
    squared = ((projected_student - teacher) ** 2).sum(dim=-1) * mask                   # (B, T)
    return squared.sum() / (mask.sum() * teacher.shape[-1]).clamp(min=1)

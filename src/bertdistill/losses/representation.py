"""Sentence-representation losses for SRA (Wu et al. 2020, arXiv 2004.03097; docs/methods.md 1.2).

With student vectors s_S and teacher vectors s_T, both (B, d):

    L_mse    = 1/(B*d) * sum_b ||s_S,b - s_T,b||^2
    L_cosine = 1/B * sum_b (1 - cos(s_S,b, s_T,b))
    L_SRA    = L_mse + lambda_cos * L_cosine     ("mse+cosine", lambda_cos = 1 by default)
    L_contrastive = 1/B * sum_b -log softmax_j(cos(s_S,b, s_T,j) / tau)[b]
                                                 (in-batch InfoNCE: the own teacher vector against the
                                                  batch's others; tau the temperature)
    L_similarity  = 1/B^2 * sum_{i,j} (cos(s_S,i, s_S,j) - cos(s_T,i, s_T,j))^2
                                                 (relational: the batch's pair similarities, the thing STS
                                                  scores, match the teacher's; added with a weight)
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor

from bertdistill.losses.registry import WeightedSum, register_loss

RepresentationLoss = Literal["mse", "cosine", "mse+cosine", "contrastive"]
REPRESENTATION_LOSSES = ("mse", "cosine", "mse+cosine", "contrastive")


@register_loss("mse")
def representation_mse(student: Tensor, teacher: Tensor) -> Tensor:
    """Mean squared error over every element: 1/(B*d) sum ||s_S - s_T||^2.

    Args:
        student: (B, d) student sentence vectors (after the projection to the teacher's width).
        teacher: (B, d) teacher sentence vectors.
    """
    return torch.mean((student - teacher) ** 2)


@register_loss("cosine")
def representation_cosine(student: Tensor, teacher: Tensor) -> Tensor:
    """Mean cosine distance: 1/B sum_b (1 - cos(s_S,b, s_T,b)); scale-free, unlike the MSE."""
    return torch.mean(1.0 - torch.nn.functional.cosine_similarity(student, teacher, dim=-1, eps=1e-8))


@register_loss("contrastive")
def representation_contrastive(student: Tensor, teacher: Tensor, temperature: float) -> Tensor:
    """In-batch InfoNCE on cosine similarity: each student vector must pick its own teacher vector
    among the batch's teacher vectors. 1/B sum_b -log softmax_j(cos(s_S,b, s_T,j) / tau)[b].

    Args:
        student: (B, d); teacher: (B, d); temperature: tau > 0.
    """
    student = torch.nn.functional.normalize(student, dim=-1, eps=1e-8)
    teacher = torch.nn.functional.normalize(teacher, dim=-1, eps=1e-8)
    logits = student @ teacher.T / temperature                          # (B, B)
    targets = torch.arange(student.shape[0], device=student.device)     # (B,)
    return torch.nn.functional.cross_entropy(logits, targets)


@register_loss("similarity")
def representation_similarity(student: Tensor, teacher: Tensor) -> Tensor:
    """Squared difference between the student's and the teacher's in-batch cosine-similarity matrices,
    averaged over all B*B pairs: 1/B^2 sum_ij (cos(s_S,i, s_S,j) - cos(s_T,i, s_T,j))^2. It constrains how
    sentences relate to each other rather than where each one lies (relational KD, Park et al. 2019).

    Args:
        student: (B, d_S); teacher: (B, d_T) (the widths may differ: only each side's cosines are compared).
    """
    student = torch.nn.functional.normalize(student, dim=-1, eps=1e-8)
    teacher = torch.nn.functional.normalize(teacher, dim=-1, eps=1e-8)
    return torch.mean((student @ student.T - teacher @ teacher.T) ** 2)   # (B, B) -> ()


def sra_objective(loss: RepresentationLoss, cosine_weight: float = 1.0, similarity_weight: float = 0.0,
                  token_weight: float = 0.0) -> WeightedSum:
    """SRA's objective as a weighted sum of registered terms: the sentence-vector loss `loss` (a bertdistill
    choice; the paper's loss is unknown), plus the relational and token-level terms at their weights."""
    sentence = {"mse": (("mse", 1.0),), "cosine": (("cosine", 1.0),), "contrastive": (("contrastive", 1.0),),
                "mse+cosine": (("mse", 1.0), ("cosine", cosine_weight))}
    if loss not in sentence:
        raise ValueError(f"loss must be one of {REPRESENTATION_LOSSES}, got {loss!r}")
    return WeightedSum((*sentence[loss], ("similarity", similarity_weight), ("token-cosine", token_weight)))


@register_loss("token-cosine")
def token_cosine(student_tokens: Tensor, teacher_tokens: Tensor, mask: Tensor) -> Tensor:
    """Token-level targets: mean cosine distance between each position's projected student state and the
    teacher's last-layer vector of the same word piece, over the positions where `mask` is 1.

        L_token = sum_{b,t} m_bt (1 - cos(h_S,bt, h_T,bt)) / sum_{b,t} m_bt

    Args:
        student_tokens: (B, T, d_T) projected BiLSTM states; teacher_tokens: (B, T, d_T); mask: (B, T).
    """
    distance = 1.0 - torch.nn.functional.cosine_similarity(student_tokens, teacher_tokens, dim=-1, eps=1e-8)  # (B, T)
    weights = mask.to(distance.dtype)
    return (distance * weights).sum() / weights.sum().clamp(min=1.0)

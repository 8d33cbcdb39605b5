"""Pooling shared by the static student and the BiLSTM's residual static path."""

from __future__ import annotations

import torch


def weighted_token_mean(vectors: torch.Tensor, weights: torch.Tensor | None, keep: torch.Tensor) -> torch.Tensor:
    """1/|K| sum_{t in K} w_t e_t: vectors (B, T, d), weights (B, T) or None, keep (B, T) bool -> (B, d)."""
    if weights is not None:
        vectors = vectors * weights.unsqueeze(-1)                                   # w_t * e_t
    counts = keep.sum(dim=1, keepdim=True).clamp(min=1)                             # (B, 1)
    return (vectors * keep.unsqueeze(-1)).sum(dim=1) / counts                       # (B, d)


def ignored_token_mask(input_ids: torch.Tensor, ignored_token_ids: list[int]) -> torch.Tensor:
    """True where a token never counts in a static mean (special tokens, unknown, padding)."""
    ignored = torch.tensor(ignored_token_ids, dtype=torch.long, device=input_ids.device)      # (K,)
    return (input_ids.unsqueeze(-1) == ignored).sum(dim=-1) > 0   # (B, T); not torch.isin: ONNX has no isin

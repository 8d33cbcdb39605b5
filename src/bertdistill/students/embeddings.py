"""Initialising the student's word-piece embeddings from the teacher's input-embedding matrix."""

from __future__ import annotations

import torch


def project_teacher_embeddings(teacher_embeddings: torch.Tensor, width: int, target_std: float,
                               generator: torch.Generator | None = None) -> torch.Tensor:
    """(V, d_T) teacher matrix -> (V, width) student matrix by PCA.

    The centred teacher matrix is projected onto its top `width` principal directions (all of them
    when width >= d_T, padding the rest with small noise), then scaled so the whole matrix has
    standard deviation `target_std`: relative geometry (which pieces are near which) is kept at the
    scale the LSTM expects. This is the `teacher` initialisation of docs/methods.md, section 1.2.
    """
    matrix = teacher_embeddings.detach().float()                          # (V, d_T)
    centred = matrix - matrix.mean(dim=0, keepdim=True)
    _, _, right = torch.linalg.svd(centred, full_matrices=False)          # right: (d_T, d_T), rows = directions
    keep = min(width, right.shape[0])
    projected = centred @ right[:keep].T                                  # (V, keep)
    if keep < width:
        noise = torch.randn(matrix.shape[0], width - keep, generator=generator) * projected.std() * 0.1
        projected = torch.cat([projected, noise], dim=1)                  # (V, width)
    return projected * (target_std / projected.std().clamp(min=1e-12))

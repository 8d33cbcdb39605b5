"""Model size as the speed tables report it: all parameters, and those outside the input embeddings.

(Throughput itself is measured one way, by `bertdistill benchmark`: `evaluation/benchmark.py`.)
"""

from __future__ import annotations

import torch


def count_parameters(model: torch.nn.Module) -> dict[str, int]:
    """All parameters, and those outside the input embeddings (what scales with depth and width)."""
    total = sum(parameter.numel() for parameter in model.parameters())
    embeddings = model.get_input_embeddings() if hasattr(model, "get_input_embeddings") else None
    embedding_count = 0 if embeddings is None else sum(parameter.numel() for parameter in embeddings.parameters())
    return {"parameters": total, "parameters_without_embeddings": total - embedding_count}

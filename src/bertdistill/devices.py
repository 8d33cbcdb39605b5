"""Which device a model runs on, decided one way everywhere: the one asked for, else the GPU when there
is one (in a multi-process run, the GPU of this process: `LOCAL_RANK`), else the CPU."""

from __future__ import annotations

import torch

from bertdistill.distributed import is_distributed, local_rank


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    if device is not None:
        return torch.device(device)
    if not torch.cuda.is_available():
        return torch.device("cpu")
    return torch.device("cuda", local_rank()) if is_distributed() else torch.device("cuda")

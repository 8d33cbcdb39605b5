"""Side-by-side inference speed: throughput of several models on the same batches.

CPU timings are noisy, so we report ratios measured in one run: every model runs on the same
pre-tokenised batches, after a warm-up, and the models are interleaved repeat by repeat so that
machine drift affects them alike. The median over repeats is kept.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase


def count_parameters(model: torch.nn.Module) -> dict[str, int]:
    """All parameters, and those outside the input embeddings (what scales with depth and width)."""
    total = sum(parameter.numel() for parameter in model.parameters())
    embeddings = model.get_input_embeddings() if hasattr(model, "get_input_embeddings") else None
    embedding_count = 0 if embeddings is None else sum(parameter.numel() for parameter in embeddings.parameters())
    return {"parameters": total, "parameters_without_embeddings": total - embedding_count}


def make_batches(tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], batch_size: int, max_length: int,
                 pairs: Sequence[str] | None = None) -> list[dict[str, torch.Tensor]]:
    batches = []
    for start in range(0, len(texts), batch_size):
        second = None if pairs is None else list(pairs[start : start + batch_size])
        batches.append(dict(tokenizer(list(texts[start : start + batch_size]), second, padding=True,
                                      truncation=True, max_length=max_length, return_tensors="pt")))
    return batches


@torch.inference_mode()
def _run(model: PreTrainedModel, batches: list[dict[str, torch.Tensor]]) -> float:
    start = time.perf_counter()
    for batch in batches:
        model(**batch)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - start


def compare_throughput(models: dict[str, PreTrainedModel], batches: list[dict[str, torch.Tensor]],
                       repeats: int = 5, warmup: int = 1) -> dict[str, float]:
    """Sentences per second for each model, median over `repeats` interleaved passes."""
    sentences = sum(len(batch["input_ids"]) for batch in batches)
    for model in models.values():
        model.eval()
        for _ in range(warmup):
            _run(model, batches[:2])
    seconds: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(repeats):
        for name, model in models.items():
            seconds[name].append(_run(model, batches))
    return {name: sentences / statistics.median(times) for name, times in seconds.items()}

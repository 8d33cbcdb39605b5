"""Zero-shot semantic similarity: Spearman correlation between cos(u, v) and gold STS-B scores."""

from __future__ import annotations

import numpy as np
from scipy import stats

from bertdistill.encoding import SentenceEncoder


def zero_shot_spearman(encoder: SentenceEncoder, first: list[str], second: list[str], gold: list[float],
                       batch_size: int = 128) -> float:
    u = encoder.encode(first, batch_size=batch_size, normalize_embeddings=True)  # (N, d)
    v = encoder.encode(second, batch_size=batch_size, normalize_embeddings=True)  # (N, d)
    cosine = (u * v).sum(axis=1)
    return float(stats.spearmanr(cosine, np.asarray(gold)).statistic)

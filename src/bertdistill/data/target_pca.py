"""Teacher targets reduced by PCA (`--target-pca N`), fitted on the training vectors.

The student then learns N centred principal coordinates of the teacher vector instead of the raw
d-dimensional vector: the common direction that every sentence shares (large in mean-pooled vectors)
is removed and the loss spends itself on the directions that tell sentences apart. Stored beside the
student (`target_pca.safetensors`: `mean` (d,), `components` (N, d)), so its vectors can be mapped back
to the teacher's space: t ~= s @ components + mean.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from bertdistill.errors import ConfigError

TARGET_PCA_FILE = "target_pca.safetensors"


@dataclasses.dataclass
class TargetPCA:
    mean: np.ndarray          # (d,)
    components: np.ndarray    # (N, d), orthonormal rows

    def transform(self, vectors: np.ndarray) -> np.ndarray:
        """(B, d) -> (B, N)."""
        return (np.asarray(vectors, dtype=np.float32) - self.mean) @ self.components.T

    def save(self, folder: str | Path) -> None:
        import torch
        from safetensors.torch import save_file

        save_file({"mean": torch.from_numpy(self.mean), "components": torch.from_numpy(self.components)},
                  str(Path(folder) / TARGET_PCA_FILE))


def fit_target_pca(vectors: np.ndarray, rows: np.ndarray, dimensions: int, sample: int = 200_000,
                   seed: int = 0) -> TargetPCA:
    """PCA of `vectors[rows]` (a seeded sample of at most `sample` rows), keeping `dimensions` components."""
    width = vectors.shape[1]
    if not 1 <= dimensions <= width:
        raise ConfigError(f"--target-pca must be between 1 and the teacher's width {width}, got {dimensions}")
    chosen = rows if len(rows) <= sample else np.random.default_rng(seed).choice(rows, sample, replace=False)
    data = np.asarray(vectors[np.sort(chosen)], dtype=np.float32)               # (S, d)
    mean = data.mean(axis=0)
    _, _, right = np.linalg.svd(data - mean, full_matrices=False)               # right: (d, d)
    return TargetPCA(mean.astype(np.float32), np.ascontiguousarray(right[:dimensions], dtype=np.float32))

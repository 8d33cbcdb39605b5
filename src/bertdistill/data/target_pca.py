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

    def transform_tensor(self, vectors):
        """(B, d) tensor -> (B, N) tensor, computed by torch. In a training loop this matters: numpy's BLAS
        threads keep spinning after each product and fight torch's for the cores (results/training_speed.md)."""
        import torch

        mean = torch.from_numpy(np.asarray(self.mean, dtype=np.float32))                # (d,)
        components = torch.from_numpy(np.asarray(self.components, dtype=np.float32))    # (N, d)
        return (vectors.float() - mean) @ components.T                                  # (B, N)

    def save(self, folder: str | Path) -> None:
        import torch
        from safetensors.torch import save_file

        save_file({name: torch.from_numpy(np.ascontiguousarray(values, dtype=np.float32))
                   for name, values in (("mean", self.mean), ("components", self.components))},
                  str(Path(folder) / TARGET_PCA_FILE))


def fit_target_pca(vectors, rows: np.ndarray, dimensions: int, block: int = 65_536) -> TargetPCA:
    """PCA of `vectors[rows]` (an array, or a `VectorFile` read a block at a time), keeping `dimensions`
    components. The mean and the (d, d) scatter matrix are summed block by block, so memory does not grow
    with the number of rows; components are the scatter matrix's leading eigenvectors, each signed so that
    its largest entry is positive (reproducible across runs and platforms)."""
    width = vectors.shape[1]
    if not 1 <= dimensions <= width:
        raise ConfigError(f"--target-pca must be between 1 and the teacher's width {width}, got {dimensions}")
    rows = np.sort(np.asarray(rows))
    total, scatter = np.zeros(width), np.zeros((width, width))                   # (d,), (d, d)
    for start in range(0, len(rows), block):
        data = np.asarray(vectors[rows[start : start + block]], dtype=np.float64)  # (b, d)
        total += data.sum(axis=0)
        scatter += data.T @ data
    mean = total / len(rows)                                                      # (d,)
    covariance = scatter / len(rows) - np.outer(mean, mean)                       # (d, d)
    _, eigenvectors = np.linalg.eigh(covariance)                                  # ascending eigenvalues
    components = eigenvectors[:, ::-1][:, :dimensions].T                          # (N, d)
    largest = np.abs(components).argmax(axis=1)
    components *= np.sign(components[np.arange(dimensions), largest])[:, None]
    return TargetPCA(mean.astype(np.float32), np.ascontiguousarray(components, dtype=np.float32))


def load_target_pca(folder: str | Path) -> TargetPCA | None:
    """The target PCA stored beside a general student, or None when it learned the raw teacher vector."""
    from safetensors.numpy import load_file

    path = Path(folder) / TARGET_PCA_FILE
    if not path.is_file():
        return None
    tensors = load_file(str(path))
    return TargetPCA(tensors["mean"].astype(np.float32), tensors["components"].astype(np.float32))


def basis_change(source: TargetPCA | None, target: TargetPCA | None, width: int) -> np.ndarray:
    """(N_source, N_target): maps a student's output in `source` coordinates (None: the raw d-wide teacher
    space, d = `width`) to `target` coordinates, through the teacher space: s @ C_s @ C_t^T. The identity
    when both are the same PCA. The means are left out: a cosine-trained student's vectors have no fixed
    scale to add them at, and two PCAs of one teacher over similar text have nearly the same mean."""
    to_teacher = source.components if source is not None else np.eye(width, dtype=np.float32)   # (N_s, d)
    from_teacher = target.components.T if target is not None else np.eye(width, dtype=np.float32)  # (d, N_t)
    if to_teacher.shape[1] != from_teacher.shape[0]:
        raise ConfigError(f"the students' target spaces come from teachers of different widths "
                          f"({to_teacher.shape[1]} and {from_teacher.shape[0]})")
    return to_teacher @ from_teacher

import numpy as np
import pytest

from bertdistill.data.target_pca import TargetPCA, basis_change, fit_target_pca, load_target_pca
from bertdistill.data.vector_file import VectorFile
from bertdistill.errors import ConfigError


def test_blockwise_pca_equals_the_svd_of_the_selected_rows(tmp_path):
    """Summed a block at a time from a file, the PCA is the SVD of the chosen rows, signed so that each
    component's largest entry is positive."""
    rng = np.random.default_rng(1)
    values = (rng.normal(size=(50, 6)) * [5, 4, 3, 2, 1, 0.5] + 2).astype(np.float16)
    np.save(tmp_path / "v.npy", values)
    rows = np.array([49, 0, 3, *range(10, 40)])
    pca = fit_target_pca(VectorFile(tmp_path / "v.npy"), rows, 3, block=7)

    chosen = values[np.sort(rows)].astype(np.float64)
    mean = chosen.mean(axis=0)
    _, _, right = np.linalg.svd(chosen - mean, full_matrices=False)
    expected = right[:3] * np.sign(right[:3][np.arange(3), np.abs(right[:3]).argmax(axis=1)])[:, None]
    np.testing.assert_allclose(pca.mean, mean, atol=1e-5)
    np.testing.assert_allclose(pca.components, expected, atol=1e-4)
    assert (pca.components[np.arange(3), np.abs(pca.components).argmax(axis=1)] > 0).all()


def test_basis_change_goes_through_the_teacher_space(tmp_path):
    """s @ C_s @ C_t^T: the identity between one PCA and itself, C_t^T from raw vectors, C_s back to them."""
    rng = np.random.default_rng(0)
    first = TargetPCA(rng.normal(size=5).astype(np.float32), np.linalg.qr(rng.normal(size=(5, 5)))[0].T[:3].astype(np.float32))   # (3, 5)
    second = TargetPCA(first.mean, np.linalg.qr(rng.normal(size=(5, 5)))[0].T[:2].astype(np.float32))  # (2, 5)
    np.testing.assert_allclose(basis_change(first, first, 5), np.eye(3), atol=1e-6)
    np.testing.assert_allclose(basis_change(None, second, 5), second.components.T)
    np.testing.assert_allclose(basis_change(first, None, 5), first.components)
    np.testing.assert_allclose(basis_change(first, second, 5), first.components @ second.components.T, atol=1e-6)
    assert basis_change(None, None, 4).shape == (4, 4)
    with pytest.raises(ConfigError, match="different widths"):
        basis_change(first, None, 4)

    first.save(tmp_path)
    loaded = load_target_pca(tmp_path)
    np.testing.assert_array_equal(loaded.components, first.components)
    np.testing.assert_array_equal(loaded.mean, first.mean)
    assert load_target_pca(tmp_path / "nothing-here") is None


def test_the_training_loops_torch_transform_equals_numpys():
    import torch

    rng = np.random.default_rng(3)
    pca = TargetPCA(rng.normal(size=6), np.linalg.qr(rng.normal(size=(6, 6)))[0].T[:4])   # float64, as fitted
    vectors = rng.normal(size=(5, 6)).astype(np.float16)
    expected = pca.transform(vectors)
    found = pca.transform_tensor(torch.from_numpy(vectors))
    assert found.dtype == torch.float32 and found.shape == (5, 4)
    np.testing.assert_allclose(found.numpy(), expected, atol=1e-5)

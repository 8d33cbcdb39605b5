import numpy as np

from bertdistill.data.target_pca import fit_target_pca
from bertdistill.data.vector_file import VectorFile


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

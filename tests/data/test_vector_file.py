import pickle

import numpy as np
import pytest

from bertdistill.data.vector_file import VectorFile


@pytest.fixture
def stored(tmp_path):
    values = np.random.default_rng(0).normal(size=(37, 5)).astype(np.float16)
    np.save(tmp_path / "v.npy", values)
    return tmp_path / "v.npy", values


def test_rows_read_as_numpy_indexes_them(stored):
    path, values = stored
    vectors = VectorFile(path)
    assert vectors.shape == (37, 5) and len(vectors) == 37 and vectors.dtype == np.float16
    for key in [3, -1, slice(4, 20), slice(None), np.array([5, 6, 7, 30, 2, 2]), [0, 36], np.array([], dtype=int)]:
        np.testing.assert_array_equal(vectors[key], values[key])
    np.testing.assert_array_equal(np.asarray(vectors), values)
    with pytest.raises(IndexError):
        vectors[np.array([37])]


def test_blocks_cover_every_row_once(stored):
    path, values = stored
    starts, joined = zip(*VectorFile(path).blocks(block=10), strict=True)
    assert starts == (0, 10, 20, 30)
    np.testing.assert_array_equal(np.concatenate(joined), values)


def test_written_rows_land_where_numpy_reads_them(tmp_path):
    vectors = VectorFile.create(tmp_path / "w.npy", (6, 3), np.float16)
    vectors.write(np.array([4, 1]), np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float32))
    vectors.sync()
    expected = np.zeros((6, 3), dtype=np.float16)
    expected[4], expected[1] = [1, 2, 3], [4, 5, 6]
    np.testing.assert_array_equal(np.load(tmp_path / "w.npy"), expected)
    np.testing.assert_array_equal(VectorFile(tmp_path / "w.npy")[:], expected)


def test_a_pickled_reader_opens_its_own_file(stored):
    """Data-loader workers receive the reader pickled: it must not carry the parent's descriptor."""
    path, values = stored
    vectors = VectorFile(path)
    vectors[0]
    copy = pickle.loads(pickle.dumps(vectors))
    assert copy._descriptor is None
    np.testing.assert_array_equal(copy[[1, 2]], values[[1, 2]])


def test_not_a_matrix_is_refused(tmp_path):
    np.save(tmp_path / "one.npy", np.zeros(4))
    with pytest.raises(ValueError, match="2-D"):
        VectorFile(tmp_path / "one.npy")


def test_stacked_files_read_as_their_concatenation(tmp_path):
    from bertdistill.data.vector_file import StackedVectors

    rng = np.random.default_rng(1)
    parts = [rng.normal(size=(rows, 4)).astype(np.float16) for rows in (5, 1, 9)]
    for number, part in enumerate(parts):
        np.save(tmp_path / f"{number}.npy", part)
    stacked = StackedVectors([VectorFile(tmp_path / f"{number}.npy") for number in range(3)])
    whole = np.concatenate(parts)
    assert stacked.shape == (15, 4) and len(stacked) == 15 and stacked.dtype == np.float16
    for key in [0, 5, 6, 14, -1, slice(3, 12), np.array([14, 0, 5, 5, 6, 4]), np.array([], dtype=int)]:
        np.testing.assert_array_equal(stacked[key], whole[key])
    with pytest.raises(IndexError):
        stacked[np.array([15])]
    np.save(tmp_path / "narrow.npy", np.zeros((2, 3), dtype=np.float16))
    with pytest.raises(ValueError, match="one width"):
        StackedVectors([VectorFile(tmp_path / "0.npy"), VectorFile(tmp_path / "narrow.npy")])


def test_vectors_are_held_in_memory_only_within_the_share(tmp_path, monkeypatch):
    from bertdistill.data import vector_file
    from bertdistill.data.vector_file import VectorFile, held_in_memory

    values = np.arange(20, dtype=np.float16).reshape(10, 2)
    np.save(tmp_path / "v.npy", values)
    vectors = VectorFile(tmp_path / "v.npy")                                   # 40 bytes
    monkeypatch.setattr(vector_file, "machine_memory", lambda: 1000)
    held = held_in_memory(vectors, 0.25)                                      # 40 <= 250: in RAM
    assert isinstance(held, np.ndarray) and np.array_equal(held, values)
    assert held_in_memory(vectors, 0.01) is vectors                           # 40 > 10: read from the file
    assert held_in_memory(vectors, 0.0) is vectors

"""`bertdistill cache list|clear`: every kind with its size and state, and clearing that never touches an entry in use."""

from __future__ import annotations

from filelock import FileLock

from bertdistill.cli import main
from bertdistill.data.store import KINDS, Store


def fake_cache(root):
    vectors = root / "teacher-vectors" / "abc123"
    vectors.mkdir(parents=True)
    (vectors / "vectors.npy").write_bytes(b"\0" * 3000)
    (vectors / ".lock").touch()
    table = root / "model2vec" / "def456"
    table.mkdir(parents=True)
    (table / "model.safetensors").write_bytes(b"\0" * 1000)
    (root / "model2vec" / "def456.lock").touch()
    return vectors, table


def test_list_shows_every_kind_with_its_size(tmp_path, capsys):
    fake_cache(tmp_path)
    assert main(["cache", "list", "--entries", "--cache-dir", str(tmp_path)]) == 0
    shown = capsys.readouterr().out
    for kind in KINDS:
        assert kind in shown
    assert "abc123" in shown and "2.9 KB" in shown and "def456" in shown
    assert {(entry.kind, entry.key, entry.size_bytes) for entry in Store(tmp_path).entries()} == {
        ("teacher-vectors", "abc123", 3000), ("model2vec", "def456", 1000)}


def test_clear_removes_what_was_named_and_keeps_entries_in_use(tmp_path, capsys):
    vectors, table = fake_cache(tmp_path)
    assert main(["cache", "clear", "--cache-dir", str(tmp_path)]) == 2          # nothing named: refused
    with FileLock(str(vectors / ".lock")):                                       # a running job holds it
        assert main(["cache", "clear", "--all", "--cache-dir", str(tmp_path)]) == 0
        assert "kept 1 in use" in capsys.readouterr().out
    assert vectors.is_dir() and not table.exists() and not (tmp_path / "model2vec" / "def456.lock").exists()
    assert main(["cache", "clear", "teacher-vectors", "--cache-dir", str(tmp_path)]) == 0
    assert not vectors.exists()
    assert main(["cache", "clear", "no-such-kind", "--cache-dir", str(tmp_path)]) == 2
    assert "no cache kind" in capsys.readouterr().err


def test_older_than_keeps_recent_entries(tmp_path):
    fake_cache(tmp_path)
    assert main(["cache", "clear", "--all", "--older-than", "1", "--cache-dir", str(tmp_path)]) == 0
    assert len(Store(tmp_path).entries()) == 2


def test_list_shows_state_and_description_of_store_entries(tmp_path, capsys):
    entry = Store(tmp_path).entry("teacher-vectors", description={"teacher": "minilm", "rows": 3}, corpus="c")
    entry.commit("vectors.npy", b"\0" * 10)
    other = Store(tmp_path).entry("teacher-vectors", corpus="d")
    other.save_state({"rows": 5})
    assert main(["cache", "list", "--entries", "--cache-dir", str(tmp_path)]) == 0
    shown = capsys.readouterr().out
    assert f"{entry.key}" in shown and "complete" in shown and "teacher=minilm rows=3" in shown
    assert "unfinished" in shown

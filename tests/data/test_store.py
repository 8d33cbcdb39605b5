"""The one store behind every cache: keys, locks, manifests, and damage found by digests."""

from __future__ import annotations

import pytest

from bertdistill.data.store import DIGEST_BLOCK_BYTES, Store, cache_key, file_digests


def test_an_entry_is_trusted_only_when_finished_with_the_bytes_it_vouched_for(tmp_path):
    entry = Store(tmp_path).entry("model2vec", description={"teacher": "t"}, teacher="t", width=8)
    assert entry.problem() == "not built"
    with entry.writing():
        entry.path("table.bin").write_bytes(b"abc" * 100)
        entry.save_state({"step": 1})
        assert entry.problem() == "unfinished" and entry.state == {"step": 1}
        entry.finish(["table.bin"])
    assert entry.complete and entry.manifest()["description"] == {"teacher": "t"}
    entry.path("table.bin").write_bytes(b"abd" * 100)                      # same size, other bytes
    assert "differ from the digest" in entry.problem()
    entry.path("table.bin").write_bytes(b"abc" * 99)
    assert "differ" in entry.problem() or "blocks" in entry.problem()
    entry.path("table.bin").unlink()
    assert "unreadable" in entry.problem()
    entry.reset()
    assert entry.problem() == "not built" and entry.folder.is_dir()


def test_committed_files_are_read_back_only_with_their_bytes(tmp_path):
    entry = Store(tmp_path).entry("encoder-scores", encoder="e")
    entry.commit("a.json", b'{"score": 1}')
    entry.commit("b.json", b'{"score": 2}')
    assert entry.committed() == ["a.json", "b.json"] and entry.read("a.json") == b'{"score": 1}'
    entry.path("a.json").write_bytes(b'{"score": 9}')
    assert entry.read("a.json") is None and entry.read("b.json") == b'{"score": 2}'
    assert entry.read("never.json") is None


def test_keys_depend_on_every_part_and_kinds_are_known(tmp_path):
    store = Store(tmp_path)
    assert store.entry("corpora", a=1).key == cache_key(a=1) != store.entry("corpora", a=2).key
    assert store.entry("corpora", a=1).folder == tmp_path / "corpora" / cache_key(a=1)
    with pytest.raises(ValueError, match="no cache kind"):
        store.entry("vectors", a=1)


def test_digests_are_per_block(tmp_path):
    path = tmp_path / "big"
    path.write_bytes(b"\0" * (DIGEST_BLOCK_BYTES + 1))
    assert len(file_digests(path)) == 2
    path.write_bytes(b"")
    assert len(file_digests(path)) == 1


def test_a_second_lock_in_one_process_is_the_same_lock(tmp_path):
    """Re-entrant: a holder may call what locks again (commit inside writing) without deadlocking."""
    entry = Store(tmp_path).entry("corpora", a=1)
    same = Store(tmp_path).entry("corpora", a=1)
    with entry.writing(), same.writing():
        same.commit("x", b"1")
    assert entry.read("x") == b"1"


def test_every_cache_goes_through_the_store():
    """No module but the store locks files or names a folder under the cache root itself."""
    from pathlib import Path

    package = Path(__file__).resolve().parents[2] / "src" / "bertdistill"
    offending = [str(path.relative_to(package)) for path in package.rglob("*.py") if path.name != "store.py"
                 and any(pattern in path.read_text(encoding="utf-8")
                         for pattern in ("FileLock", "cache_root /", "default_cache_root() /"))]
    assert offending == []

import os

from bertdistill.io import atomic_write_json, atomic_write_text, publish_directory
from bertdistill.training.checkpoints import (
    is_complete,
    last_complete_checkpoint,
    mark_complete,
    quarantine_incomplete_checkpoints,
)


def test_atomic_write_replaces_and_leaves_no_temporaries(tmp_path):
    path = tmp_path / "sub" / "a.txt"
    atomic_write_text(path, "one")
    atomic_write_text(path, "two")
    assert path.read_text() == "two"
    assert os.listdir(path.parent) == ["a.txt"]
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)


def test_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "metrics.json"
    atomic_write_json(path, {"ok": 1})
    try:
        atomic_write_json(path, {"bad": object()})  # not serialisable: fails before anything is written
    except TypeError:
        pass
    assert path.read_text().strip().startswith('{\n  "ok": 1')
    assert os.listdir(tmp_path) == ["metrics.json"]


def test_only_marked_checkpoints_count(tmp_path):
    for step in (10, 20, 30):
        (tmp_path / f"checkpoint-{step}").mkdir()
    mark_complete(tmp_path / "checkpoint-10")
    mark_complete(tmp_path / "checkpoint-20")
    assert last_complete_checkpoint(tmp_path) == tmp_path / "checkpoint-20"
    moved = quarantine_incomplete_checkpoints(tmp_path)
    assert [path.name for path in moved] == ["incomplete-checkpoint-30"]
    assert not (tmp_path / "checkpoint-30").exists()
    assert is_complete(tmp_path / "checkpoint-20")


def test_numeric_not_lexical_order(tmp_path):
    for step in (9, 100):
        (tmp_path / f"checkpoint-{step}").mkdir()
        mark_complete(tmp_path / f"checkpoint-{step}")
    assert last_complete_checkpoint(tmp_path).name == "checkpoint-100"


def test_publish_directory_puts_config_last(tmp_path):
    staging, target = tmp_path / "staging", tmp_path / "target"
    staging.mkdir()
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        (staging / name).write_text(name)
    publish_directory(staging, target)
    assert sorted(os.listdir(target)) == ["config.json", "model.safetensors", "tokenizer.json"]
    assert not staging.exists()

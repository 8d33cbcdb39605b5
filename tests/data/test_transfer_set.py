"""Transfer sets round-trip through disk; bad or empty files get an error naming the file."""

import pytest

from bertdistill.data.augmentation import TransferExample
from bertdistill.data.transfer_set import read_metadata, read_transfer_set, write_transfer_set
from bertdistill.errors import DataError


def as_examples(dataset) -> list[TransferExample]:
    return [TransferExample(row["text"], row.get("text_pair"), row["source"]) for row in dataset]


def test_round_trip_with_metadata(tmp_path, monkeypatch):
    monkeypatch.setenv("BERTDISTILL_CACHE", str(tmp_path / "cache"))
    examples = [TransferExample("a [MASK] film", "second one", 0), TransferExample("héllo", "x", 3)]
    path = tmp_path / "set.jsonl"
    assert write_transfer_set(path, iter(examples), {"task": "mrpc"}) == 2   # streamed from an iterator
    assert as_examples(read_transfer_set(path, is_pair=True)) == examples
    assert read_metadata(path) == {"task": "mrpc", "examples": 2}
    single = tmp_path / "single.jsonl"
    write_transfer_set(single, [TransferExample("only", None, 1)], {})
    dataset = read_transfer_set(single, is_pair=False)
    assert dataset.column_names == ["text", "source"] and as_examples(dataset) == [TransferExample("only", None, 1)]


def test_an_empty_stream_is_the_given_error_and_writes_nothing(tmp_path):
    with pytest.raises(DataError, match="nothing to write"):
        write_transfer_set(tmp_path / "none.jsonl", iter([]), {}, when_empty="nothing to write")
    assert list(tmp_path.iterdir()) == []


def test_empty_and_bad_transfer_sets_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("BERTDISTILL_CACHE", str(tmp_path / "cache"))
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with pytest.raises(DataError, match="empty"):
        read_transfer_set(empty, is_pair=False)
    blank = tmp_path / "blank.jsonl"
    blank.write_text('{"text": "fine"}\n{"text": "  "}\n')
    with pytest.raises(DataError, match="line 2: empty text"):
        read_transfer_set(blank, is_pair=False)
    unpaired = tmp_path / "unpaired.jsonl"
    unpaired.write_text('{"text": "fine"}\n')
    with pytest.raises(DataError, match="line 1: no `text_pair` field"):
        read_transfer_set(unpaired, is_pair=True)
    late = tmp_path / "late.jsonl"   # a bad line far down the file is found before anything is built
    late.write_text('{"text": "fine", "source": 0}\n' * 50 + '{"text": "fine", "source": "x"}\n')
    with pytest.raises(DataError, match="line 51: `source` must be an integer"):
        read_transfer_set(late, is_pair=False)
    assert not (tmp_path / "cache").exists()

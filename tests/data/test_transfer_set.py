"""Transfer sets round-trip through disk; bad or empty files get an error naming the file."""

import pytest

from bertdistill.data.augmentation import TransferExample
from bertdistill.data.transfer_set import read_metadata, read_transfer_set, write_transfer_set
from bertdistill.errors import DataError


def test_round_trip_with_metadata(tmp_path):
    examples = [TransferExample("a [MASK] film", "second one", 0), TransferExample("héllo", "x", 3)]
    path = tmp_path / "set.jsonl"
    write_transfer_set(path, examples, {"task": "mrpc"})
    assert read_transfer_set(path, is_pair=True) == examples
    assert read_metadata(path) == {"task": "mrpc", "examples": 2}
    single = tmp_path / "single.jsonl"
    write_transfer_set(single, [TransferExample("only", None, 1)], {})
    assert read_transfer_set(single, is_pair=False) == [TransferExample("only", None, 1)]


def test_empty_and_bad_transfer_sets_are_refused(tmp_path):
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
    with pytest.raises(DataError, match="text_pair"):
        read_transfer_set(unpaired, is_pair=True)

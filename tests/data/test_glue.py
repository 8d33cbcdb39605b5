"""One loader test per GLUE layout, on tiny files shaped like the originals; the hub path too."""

from pathlib import Path

import pytest
from datasets import Dataset

from bertdistill.data.glue import GLUE_TASKS, get_glue_task, load_glue_split
from bertdistill.data.loading import DataConfig, load_task_data
from bertdistill.errors import DataError
from tests.conftest import GLUE_DIR, needs_shared_data, write_tsv

MNLI_TRAIN = ["index", "promptID", "pairID", "genre", "sentence1_binary_parse", "sentence2_binary_parse",
              "sentence1_parse", "sentence2_parse", "sentence1", "sentence2", "label1", "gold_label"]
MNLI_DEV = MNLI_TRAIN[:-1] + ["label2", "label3", "label4", "label5", "gold_label"]


def mnli_row(premise: str, hypothesis: str, label: str, dev: bool) -> list[str]:
    votes = [label] * (5 if dev else 1)
    return ["0", "1", "1e", "fiction", "( x )", "( y )", "(ROOT x)", "(ROOT y)", premise, hypothesis, *votes, label]


@pytest.fixture
def glue_dir(tmp_path) -> Path:
    """A miniature glue_data folder: two rows per file, same columns and quirks as the originals."""
    root = tmp_path / "glue_data"
    for folder in ("CoLA", "SST-2", "MRPC", "STS-B", "QQP", "MNLI", "QNLI", "RTE", "WNLI"):
        (root / folder).mkdir(parents=True)
    for split in ("train", "dev"):
        write_tsv(root / "CoLA" / f"{split}.tsv", None,
                  [["gj04", "1", "", "Our friends won't buy this."], ["gj04", "0", "*", "They drank the pub."]])
        write_tsv(root / "SST-2" / f"{split}.tsv", ["sentence", "label"],
                  [["a gripping film ", "1"], ["dull and tedious ", "0"]])
        write_tsv(root / "MRPC" / f"{split}.tsv", ["Quality", "#1 ID", "#2 ID", "#1 String", "#2 String"],
                  [["1", "702876", "702977", "He said so .", "He said it ."], ["0", "1", "2", "A .", "B ."]], bom=True)
        write_tsv(root / "STS-B" / f"{split}.tsv",
                  ["index", "genre", "filename", "year", "old_index", "source1", "source2", "sentence1",
                   "sentence2", "score"],
                  [["0", "main-captions", "MSRvid", "2012test", "0001", "none", "none", " A plane is taking off.",
                    "An air plane is taking off.", "5.000"],
                   ["1", "main-captions", "MSRvid", "2012test", "0004", "none", "none", "A man plays.",
                    "A cat sleeps.", "0.250"]])
        write_tsv(root / "QQP" / f"{split}.tsv", ["id", "qid1", "qid2", "question1", "question2", "is_duplicate"],
                  [["0", "1", "2", "How do I learn?", "How can I learn?", "1"],
                   ["1", "3", "4", "broken row without the rest"],
                   ["2", "5", "6", "Why?", "What?", "0"]])
        write_tsv(root / "QNLI" / f"{split}.tsv", ["index", "question", "sentence", "label"],
                  [["0", "When?", "In 1990.", "entailment"], ["1", "Who?", "Nobody knows.", "not_entailment"]])
        write_tsv(root / "RTE" / f"{split}.tsv", ["index", "sentence1", "sentence2", "label"],
                  [["0", "No weapons found.", "Weapons found.", "not_entailment"], ["1", "A b.", "A.", "entailment"]])
        write_tsv(root / "WNLI" / f"{split}.tsv", ["index", "sentence1", "sentence2", "label"],
                  [["0", "I stuck a pin.", "The pin had a hole.", "0"], ["1", "X.", "Y.", "1"]])
    write_tsv(root / "MNLI" / "train.tsv", MNLI_TRAIN,
              [mnli_row("The cat sat.", "A cat sat.", "entailment", False),
               mnli_row("It rained.", "It was dry.", "contradiction", False)])
    for split in ("dev_matched", "dev_mismatched"):
        write_tsv(root / "MNLI" / f"{split}.tsv", MNLI_DEV,
                  [mnli_row("He ran.", "He moved.", "entailment", True),
                   mnli_row("She slept.", "She was tired.", "neutral", True)])
    return root


EXPECTED_FIRST = {
    "cola": ("Our friends won't buy this.", None, 1),
    "sst2": ("a gripping film", None, 1),
    "mrpc": ("He said so .", "He said it .", 1),
    "stsb": ("A plane is taking off.", "An air plane is taking off.", 5.0),
    "qqp": ("How do I learn?", "How can I learn?", 1),
    "mnli": ("The cat sat.", "A cat sat.", 0),
    "qnli": ("When?", "In 1990.", 0),
    "rte": ("No weapons found.", "Weapons found.", 1),
    "wnli": ("I stuck a pin.", "The pin had a hole.", 0),
}


@pytest.mark.parametrize("name", sorted(GLUE_TASKS))
def test_local_layout(glue_dir, name):
    data = load_task_data(DataConfig(task=name, data_dir=str(glue_dir)))
    text, pair, label = EXPECTED_FIRST[name]
    first = data.train[0]
    assert first["text"] == text
    assert first.get("text_pair") == pair
    assert first["label"] == pytest.approx(label)
    expected_rows = 2  # QQP's broken row is skipped
    assert len(data.train) == expected_rows
    assert all(len(split) == 2 for split in data.dev.values())


def test_mnli_has_matched_and_mismatched_dev(glue_dir):
    data = load_task_data(DataConfig(task="mnli", data_dir=str(glue_dir)))
    assert list(data.dev) == ["dev_matched", "dev_mismatched"]
    assert data.dev["dev_mismatched"]["label"] == [0, 1]  # entailment, neutral


def test_task_aliases():
    assert get_glue_task("SST-2").spec.name == "sst2"
    assert get_glue_task("STS-B").spec.is_regression
    with pytest.raises(DataError, match="unknown task"):
        get_glue_task("squad")


def test_wrong_header_is_named(glue_dir):
    write_tsv(glue_dir / "RTE" / "train.tsv", ["index", "premise", "hypothesis", "label"], [["0", "a", "b", "entailment"]])
    with pytest.raises(DataError, match=r"RTE/train.tsv, line 1: wrong header"):
        load_glue_split(get_glue_task("rte"), "train", glue_dir)


def test_unknown_label_names_file_and_line(glue_dir):
    write_tsv(glue_dir / "RTE" / "train.tsv", ["index", "sentence1", "sentence2", "label"],
              [["0", "a", "b", "entailment"], ["1", "c", "d", "maybe"]])
    with pytest.raises(DataError, match=r"RTE/train.tsv, line 3: unknown label 'maybe'"):
        load_glue_split(get_glue_task("rte"), "train", glue_dir)


def test_empty_text_names_file_and_line(glue_dir):
    write_tsv(glue_dir / "SST-2" / "train.tsv", ["sentence", "label"], [["fine", "1"], ["   ", "0"]])
    with pytest.raises(DataError, match=r"SST-2/train.tsv, line 3: empty or whitespace-only text"):
        load_glue_split(get_glue_task("sst2"), "train", glue_dir)


def test_malformed_row_is_an_error_outside_qqp(glue_dir):
    write_tsv(glue_dir / "CoLA" / "train.tsv", None, [["gj04", "1", "", "fine."], ["gj04", "1", "short"]])
    with pytest.raises(DataError, match=r"CoLA/train.tsv, line 2: expected 4 tab-separated fields"):
        load_glue_split(get_glue_task("cola"), "train", glue_dir)


def test_missing_task_folder_names_data_dir(tmp_path):
    with pytest.raises(DataError, match="--data-dir"):
        load_glue_split(get_glue_task("rte"), "train", tmp_path)


def test_hub_loading_maps_columns(monkeypatch):
    import datasets

    calls = []

    def fake_load_dataset(path, name, split):
        calls.append((path, name, split))
        return Dataset.from_dict({"premise": ["P."], "hypothesis": ["H."], "label": [2], "idx": [0]})

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    data = load_task_data(DataConfig(task="mnli"))
    assert calls == [("nyu-mll/glue", "mnli", "train"), ("nyu-mll/glue", "mnli", "validation_matched"),
                     ("nyu-mll/glue", "mnli", "validation_mismatched")]
    assert data.train[0] == {"text": "P.", "text_pair": "H.", "label": 2}


def test_hub_label_out_of_range_is_reported(monkeypatch):
    import datasets

    monkeypatch.setattr(datasets, "load_dataset",
                        lambda path, name, split: Dataset.from_dict({"sentence": ["x"], "label": [-1]}))
    with pytest.raises(DataError, match="row 0: label index -1"):
        load_glue_split(get_glue_task("sst2"), "train", None)


def test_offline_without_data_dir_is_one_clear_error(monkeypatch):
    import datasets

    def offline(*args, **kwargs):
        raise ConnectionError("Couldn't reach the Hugging Face Hub")

    monkeypatch.delenv("BERTDISTILL_DATA_DIR", raising=False)
    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(DataError, match="--data-dir"):
        load_task_data(DataConfig(task="cola"))


@needs_shared_data()
@pytest.mark.parametrize("name, train, dev", [("cola", 8551, 1043), ("sst2", 67349, 872), ("mrpc", 3668, 408),
                                              ("stsb", 5749, 1500), ("rte", 2490, 277), ("wnli", 635, 71)])
def test_shared_glue_counts(name, train, dev):
    data = load_task_data(DataConfig(task=name, data_dir=str(GLUE_DIR)))
    assert (len(data.train), len(data.dev["dev"])) == (train, dev)

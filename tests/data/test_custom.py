import pytest

from bertdistill.data.loading import DataConfig, load_task_data, task_spec_for
from bertdistill.errors import ConfigError, DataError
from tests.conftest import pair_rows, sentiment_rows, write_csv, write_jsonl, write_tsv


def test_csv_classification(tmp_path):
    train = write_csv(tmp_path / "train.csv", sentiment_rows(10, seed=1))
    dev = write_csv(tmp_path / "dev.csv", sentiment_rows(4, seed=2))
    data = load_task_data(DataConfig(train_file=str(train), dev_file=str(dev)))
    assert data.spec.labels == ("neg", "pos")
    assert data.spec.metrics == ("accuracy", "f1")
    assert len(data.train) == 10 and len(data.dev["dev"]) == 4
    assert data.train[0]["label"] == data.spec.labels.index(sentiment_rows(10, seed=1)[0]["label"])


def test_jsonl_pair_regression(tmp_path):
    rows = pair_rows(6, seed=3, regression=True)
    train = write_jsonl(tmp_path / "train.jsonl", rows)
    data = load_task_data(DataConfig(train_file=str(train), dev_file=str(train), pair_column="text_pair",
                                     regression=True), splits=("train", "dev"))
    assert data.spec.is_regression and data.spec.is_pair
    assert data.train["label"] == [row["label"] for row in rows]


def test_tsv_with_custom_column_names(tmp_path):
    train = write_tsv(tmp_path / "t.tsv", ["review", "stars"], [["great", "5"], ["bad", "1"], ["ok", "10"]])
    spec = task_spec_for(DataConfig(train_file=str(train), text_column="review", label_column="stars"))
    assert spec.labels == ("1", "5", "10")  # integer labels sort numerically


def test_a_stray_word_among_integer_labels_is_a_typo_not_a_class(tmp_path):
    rows = [{"text": f"text {index}", "label": str(index % 2)} for index in range(20)]
    rows[6]["label"] = "positive"
    train = write_csv(tmp_path / "train.csv", rows)
    with pytest.raises(DataError, match=r"train.csv, line 8: label 'positive' among integer labels \['0', '1'\]"):
        task_spec_for(DataConfig(train_file=str(train)))
    words = write_csv(tmp_path / "words.csv", [{"text": "a", "label": "neg"}, {"text": "b", "label": "pos"}])
    assert task_spec_for(DataConfig(train_file=str(words))).labels == ("neg", "pos")   # all words: fine


def test_unknown_label_in_dev_is_named(tmp_path):
    train = write_csv(tmp_path / "train.csv", [{"text": "a", "label": "x"}, {"text": "b", "label": "y"}])
    dev = write_csv(tmp_path / "dev.csv", [{"text": "a", "label": "x"}, {"text": "c", "label": "z"}])
    with pytest.raises(DataError, match=r"dev.csv, line 3: unknown label 'z'"):
        load_task_data(DataConfig(train_file=str(train), dev_file=str(dev)))


def test_missing_column_is_named(tmp_path):
    train = write_csv(tmp_path / "train.csv", [{"sentence": "a", "label": "x"}, {"sentence": "b", "label": "y"}])
    with pytest.raises(DataError, match=r"missing column\(s\) \['text'\]"):
        load_task_data(DataConfig(train_file=str(train), dev_file=str(train)))


def test_missing_key_in_one_jsonl_line(tmp_path):
    train = tmp_path / "train.jsonl"
    train.write_text('{"text": "a", "label": "x"}\n{"label": "y"}\n{"text": "b", "label": "y"}\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"train.jsonl, line 2: missing column 'text'"):
        load_task_data(DataConfig(train_file=str(train), dev_file=str(train)))


def test_non_numeric_regression_label(tmp_path):
    train = write_csv(tmp_path / "train.csv", [{"text": "a", "label": "1.5"}, {"text": "b", "label": "high"}])
    with pytest.raises(DataError, match=r"line 3: label 'high' is not a number"):
        load_task_data(DataConfig(train_file=str(train), dev_file=str(train), regression=True))


def test_single_label_value_is_an_error(tmp_path):
    train = write_csv(tmp_path / "train.csv", [{"text": "a", "label": "x"}, {"text": "b", "label": "x"}])
    with pytest.raises(DataError, match="1 distinct label"):
        load_task_data(DataConfig(train_file=str(train), dev_file=str(train)))


def test_max_train_samples_is_a_seeded_subset(tmp_path):
    train = write_csv(tmp_path / "train.csv", sentiment_rows(50, seed=1))
    config = DataConfig(train_file=str(train), dev_file=str(train), max_train_samples=7)
    first, second = load_task_data(config).train, load_task_data(config).train
    assert len(first) == 7 and first["text"] == second["text"]


def test_custom_task_needs_dev_file(tmp_path):
    train = write_csv(tmp_path / "train.csv", sentiment_rows(4, seed=1))
    with pytest.raises(ConfigError, match="--dev-file"):
        load_task_data(DataConfig(train_file=str(train)))

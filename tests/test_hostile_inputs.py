"""Hostile inputs a careless user gives: each ends with exit status 2, one line naming the problem, no
traceback, and nothing written (or is handled correctly)."""

from __future__ import annotations

import json
import math
import shutil

import pytest

from bertdistill.cli import main
from bertdistill.io import atomic_write_json
from tests.conftest import sentiment_rows, write_csv


def refused(capsys, arguments: list, message: str) -> None:
    capsys.readouterr()
    try:
        code = main([str(argument) for argument in arguments])
    except SystemExit as stop:   # argparse's own refusals exit with status 2 too
        code = stop.code
    assert code == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error, error


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_damaged_weights_are_named_not_a_traceback(general_students, tmp_path, capsys, damage):
    folder = tmp_path / "student"
    shutil.copytree(general_students["bilstm"], folder)
    weights = folder / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2] if damage == "truncated" else b"\x07" * len(data))
    (tmp_path / "texts.txt").write_text("a good film\n")
    refused(capsys, ["encode", "--model", folder, "--input", tmp_path / "texts.txt", "--output", tmp_path / "v.npy"],
            f"{folder}: its safetensors weights are damaged or truncated")
    refused(capsys, ["export", "onnx", "--model", folder, "--output", tmp_path / "e.onnx"], "damaged or truncated")
    assert not (tmp_path / "v.npy").exists() and not list(tmp_path.glob("*.onnx*"))


def test_a_binary_file_that_is_valid_utf8_is_not_a_corpus(tiny_bert, tmp_path, capsys):
    corpus = tmp_path / "corpus.txt"
    corpus.write_bytes(b"a fine sentence about films here.\nsome \x00\x00 binary \x00 bytes in a line\n")
    refused(capsys, ["distill", "sra", "--teacher", tiny_bert, "--corpus", corpus, "--output-dir", tmp_path / "out",
                     "--cache-dir", tmp_path / "cache"], f"{corpus}, line 2: a NUL byte")
    assert not (tmp_path / "out").exists()


def test_zero_and_negative_sizes_are_refused_before_anything_is_written(tiny_bert, tmp_path, capsys):
    train = write_csv(tmp_path / "train.csv", sentiment_rows(16, seed=1))
    dev = write_csv(tmp_path / "dev.csv", sentiment_rows(8, seed=2))
    data = ["--train-file", train, "--dev-file", dev]
    refused(capsys, ["finetune", "--model", tiny_bert, *data, "--output-dir", tmp_path / "a", "--max-length", "0"],
            "--max-length: must be at least 1")
    refused(capsys, ["predict", "--model", tiny_bert, "--batch-size", "0", "good"], "--batch-size: must be at least 1")
    refused(capsys, ["init-student", "--teacher", tiny_bert, "--output-dir", tmp_path / "b", "--hidden-size", "-4"],
            "--hidden-size: must be at least 1")
    refused(capsys, ["init-student", "--teacher", tiny_bert, "--output-dir", tmp_path / "c", "--dropout", "2"],
            "--dropout: must be in [0, 1)")
    assert not any((tmp_path / name).exists() for name in "abc")


def test_resume_refuses_other_settings_and_keeps_the_record_true(tiny_bert, tmp_path, capsys):
    train = write_csv(tmp_path / "train.csv", sentiment_rows(32, seed=1))
    dev = write_csv(tmp_path / "dev.csv", sentiment_rows(8, seed=2))
    run = ["finetune", "--model", tiny_bert, "--train-file", train, "--dev-file", dev, "--output-dir",
           tmp_path / "run", "--epochs", "1", "--batch-size", "16", "--max-length", "16", "--no-progress"]
    assert main([str(argument) for argument in run]) == 0
    recorded = (tmp_path / "run" / "config.yaml").read_text()
    refused(capsys, [*run, "--resume", "--lr", "0.5"], "--resume with other settings than the run started with")
    refused(capsys, [*run[:-1], "--resume", "--seed", "7"], "training.seed: 42 -> 7")
    assert (tmp_path / "run" / "config.yaml").read_text() == recorded
    assert main([str(argument) for argument in [*run, "--resume"]]) == 0   # the same settings resume


def test_metrics_are_strict_json_with_a_note_where_a_value_was_not_finite(tmp_path):
    path = tmp_path / "metrics.json"
    atomic_write_json(path, {"metrics": {"dev": {"pearson": math.nan, "spearman": 0.5}}, "losses": [1.0, math.inf]})
    text = path.read_text()
    json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in strict JSON"))
    data = json.loads(text)
    assert data["metrics"]["dev"] == {"pearson": None, "spearman": 0.5} and data["losses"] == [1.0, None]
    assert data["non_finite_values"]["fields"] == ["metrics.dev.pearson", "losses[1]"]


def test_lengths_beyond_a_transformers_positions_are_refused(tiny_bert, tmp_path, capsys):
    """The tiny BERT has 64 positions: asking a fine-tuned copy for more is a clear error before anything is
    written (it used to fail inside the model with a tensor-size error)."""
    train = write_csv(tmp_path / "train.csv", sentiment_rows(16, seed=1))
    dev = write_csv(tmp_path / "dev.csv", sentiment_rows(8, seed=2))
    model = tmp_path / "model"
    assert main([str(argument) for argument in ["finetune", "--model", tiny_bert, "--train-file", train, "--dev-file",
                 dev, "--output-dir", model, "--epochs", "1", "--max-length", "16", "--no-progress"]]) == 0
    refused(capsys, ["evaluate", "--model", model, "--dev-file", dev, "--max-length", "100", "--output-dir",
                     tmp_path / "eval"], "--max-length 100: ")
    refused(capsys, ["predict", "--model", model, "--max-length", "100", "a good film"], "reads at most 64 tokens")
    assert not (tmp_path / "eval").exists()


def test_an_output_that_cannot_be_written_is_one_line(general_students, tmp_path, capsys):
    (tmp_path / "texts.txt").write_text("a good film\n")
    (tmp_path / "taken").mkdir()
    refused(capsys, ["encode", "--model", general_students["static"], "--input", tmp_path / "texts.txt",
                     "--output", tmp_path / "taken"], f"--output {tmp_path / 'taken'}: is a folder")
    (tmp_path / "a-file").write_text("x")
    refused(capsys, ["encode", "--model", general_students["static"], "--input", tmp_path / "texts.txt",
                     "--output", tmp_path / "a-file" / "v.npy"], "a-file is a file, not a folder")
    assert main(["encode", "--model", str(general_students["static"]), "--input", str(tmp_path / "texts.txt"),
                 "--output", str(tmp_path / "new" / "folder" / "v.npy")]) == 0   # missing folders are made


def test_a_new_run_that_fails_before_its_first_checkpoint_leaves_nothing(tiny_bert, tmp_path, capsys, monkeypatch):
    """A crash at step 0 (here: every loss is NaN) must not leave a folder that the corrected rerun refuses."""
    import torch

    from bertdistill.training.trainer import Trainer

    original = Trainer.compute_loss

    def nan_loss(self, *args, **kwargs):
        loss = original(self, *args, **kwargs)
        return (loss[0] * torch.nan, *loss[1:]) if isinstance(loss, tuple) else loss * torch.nan

    monkeypatch.setattr(Trainer, "compute_loss", nan_loss)
    train = write_csv(tmp_path / "train.csv", sentiment_rows(16, seed=1))
    dev = write_csv(tmp_path / "dev.csv", sentiment_rows(8, seed=2))
    run = ["finetune", "--model", tiny_bert, "--train-file", train, "--dev-file", dev, "--output-dir",
           tmp_path / "run", "--epochs", "1", "--batch-size", "8", "--max-length", "16", "--no-progress"]
    refused(capsys, run, "loss")
    assert not (tmp_path / "run").exists()


def test_glue_aliases_name_the_task_the_model_was_fine_tuned_on(tmp_path, monkeypatch):
    """`evaluate --task mnli-m` on an MNLI model is that model's task (it was refused as another one)."""
    from bertdistill.data.glue import get_glue_task
    from bertdistill.data.loading import DataConfig
    from bertdistill.errors import ConfigError, DataError
    from bertdistill.evaluation.evaluate import labelled_splits

    monkeypatch.delenv("BERTDISTILL_DATA_DIR", raising=False)
    spec = get_glue_task("mnli").spec
    with pytest.raises(DataError):   # past the task check: only the (absent) data is missing
        labelled_splits("model", spec, DataConfig(task="mnli-m", data_dir=str(tmp_path)), "dev")
    with pytest.raises(ConfigError, match="was fine-tuned on 'mnli', not 'sst2'"):
        labelled_splits("model", spec, DataConfig(task="sst2", data_dir=str(tmp_path)), "dev")


def test_a_pair_task_with_a_tokenizer_without_token_type_ids_is_a_clear_error(tiny_bert, tmp_path, capsys):
    from transformers import AutoTokenizer

    from tests.conftest import pair_rows, save_general_bilstm, write_jsonl

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_bert), model_input_names=["input_ids", "attention_mask"])
    student = save_general_bilstm(tokenizer, tmp_path / "student")   # a RoBERTa-style tokenizer: no types
    pairs = write_jsonl(tmp_path / "pairs.jsonl", pair_rows(16, seed=1))
    refused(capsys, ["finetune", "--model", student, "--train-file", pairs, "--dev-file", pairs, "--pair-column",
                     "text_pair", "--output-dir", tmp_path / "run"], "does not produce them (RoBERTa-style)")
    assert not (tmp_path / "run").exists()

"""End to end on a tiny random BERT: raw files -> finetune -> saved model -> reload -> evaluate/predict."""

import json
import math
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoModelForSequenceClassification, AutoTokenizer, TrainerCallback

from bertdistill.cli import main
from bertdistill.data.loading import DataConfig
from bertdistill.errors import ConfigError, TrainingError
from bertdistill.methods.finetune import FinetuneConfig, finetune
from bertdistill.training.arguments import TrainingConfig
from tests.conftest import Interrupt, KillAtStep, pair_rows, write_csv, write_jsonl

FAST = ["--epochs", "2", "--batch-size", "16", "--lr", "1e-3", "--max-length", "16", "--no-progress"]


def run_cli(*arguments: str) -> int:
    return main([str(argument) for argument in arguments])


def test_finetune_evaluate_predict_single_sentence(tiny_bert, sentiment_files, tmp_path, capsys):
    train, dev = sentiment_files
    output = tmp_path / "run"
    assert run_cli("finetune", "--model", tiny_bert, "--train-file", train, "--dev-file", dev,
                   "--output-dir", output, "--epochs", "8", *FAST[2:4], "--lr", "2e-3", *FAST[6:]) == 0

    # a save_pretrained folder that plain transformers loads, plus metrics, predictions and the config
    for name in ("config.json", "model.safetensors", "tokenizer.json", "metrics.json", "predictions_dev.tsv",
                 "config.yaml"):
        assert (output / name).is_file(), name
    assert not (output / "training_args.bin").exists()
    assert list((output / "logs").glob("events.out.tfevents.*")), "no TensorBoard log"
    model = AutoModelForSequenceClassification.from_pretrained(output)
    assert model.config.id2label == {0: "neg", 1: "pos"}
    AutoTokenizer.from_pretrained(output)
    assert FinetuneConfig.load(output / "config.yaml").data.train_file == str(train)

    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["primary_metric"] == "accuracy"
    assert metrics["primary"] >= 0.8  # the generated task is easy: one sentiment word decides it

    capsys.readouterr()
    assert run_cli("evaluate", "--model", output, "--dev-file", dev) == 0
    printed = capsys.readouterr().out
    evaluated = json.loads((output / "eval-custom-dev" / "metrics.json").read_text())
    assert evaluated["metrics"]["dev"]["accuracy"] == pytest.approx(metrics["metrics"]["dev"]["accuracy"])
    assert "custom dev: accuracy=" in printed

    assert run_cli("predict", "--model", output, "the movie was great", "the film was awful") == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split("\t")[0] for line in lines] == ["pos", "neg"]

    # command-line texts get the same checks as files: an empty one is named, not passed to the model
    assert run_cli("predict", "--model", output, "the movie was great", "   ") == 2
    assert "text 2: empty or whitespace-only text" in capsys.readouterr().err


def test_pair_classification_with_input_file(tiny_bert, tmp_path, capsys):
    train = write_jsonl(tmp_path / "train.jsonl", pair_rows(48, seed=1))
    dev = write_jsonl(tmp_path / "dev.jsonl", pair_rows(16, seed=2))
    output = tmp_path / "pairs"
    assert run_cli("finetune", "--model", tiny_bert, "--train-file", train, "--dev-file", dev,
                   "--pair-column", "text_pair", "--output-dir", output, *FAST) == 0
    inputs = tmp_path / "pairs.tsv"
    inputs.write_text("the film was good\tthe plot was nice\nthe film was good\tthe cast was awful\n")
    capsys.readouterr()
    assert run_cli("predict", "--model", output, "--input", inputs, "--output", tmp_path / "out.tsv") == 0
    rows = (tmp_path / "out.tsv").read_text().strip().splitlines()
    assert rows[0].split("\t")[:5] == ["index", "text", "text_pair", "prediction", "confidence"]
    assert len(rows) == 3 and rows[1].split("\t")[3] in ("same", "different")


def test_pair_regression(tiny_bert, tmp_path):
    train = write_csv(tmp_path / "train.csv", pair_rows(48, seed=1, regression=True))
    dev = write_csv(tmp_path / "dev.csv", pair_rows(16, seed=2, regression=True))
    output = tmp_path / "sts"
    assert run_cli("finetune", "--model", tiny_bert, "--train-file", train, "--dev-file", dev, "--pair-column",
                   "text_pair", "--regression", "--output-dir", output, *FAST) == 0
    metrics = json.loads((output / "metrics.json").read_text())
    assert set(metrics["metrics"]["dev"]) == {"pearson", "spearman"}
    assert AutoModelForSequenceClassification.from_pretrained(output).config.num_labels == 1


def test_glue_task_from_local_layout(tiny_bert, tmp_path):
    folder = tmp_path / "glue" / "SST-2"
    folder.mkdir(parents=True)
    rows = "".join(f"{'the film was good' if i % 2 else 'the film was bad'} \t{i % 2}\n" for i in range(24))
    for split in ("train", "dev"):
        (folder / f"{split}.tsv").write_text("sentence\tlabel\n" + rows)
    output = tmp_path / "sst2"
    assert run_cli("finetune", "--model", tiny_bert, "--task", "sst2", "--data-dir", tmp_path / "glue",
                   "--output-dir", output, *FAST) == 0
    config = AutoModelForSequenceClassification.from_pretrained(output).config
    assert config.id2label == {0: "negative", 1: "positive"}
    assert run_cli("evaluate", "--model", output, "--task", "sst2", "--data-dir", tmp_path / "glue") == 0


def test_bad_input_fails_before_writing_anything(tiny_bert, tmp_path, capsys):
    train = tmp_path / "train.csv"
    train.write_bytes(b"text,label\nfine,a\nbad \xff byte,b\n")
    output = tmp_path / "never"
    assert run_cli("finetune", "--model", tiny_bert, "--train-file", train, "--dev-file", train,
                   "--output-dir", output, *FAST) == 2
    assert "train.csv, line 3: not valid UTF-8" in capsys.readouterr().err
    assert not output.exists()


def test_existing_output_needs_resume(tiny_bert, sentiment_files, tmp_path):
    train, dev = sentiment_files
    output = tmp_path / "used"
    output.mkdir()
    (output / "precious.txt").write_text("keep me")
    config = FinetuneConfig(model=str(tiny_bert), output_dir=str(output),
                            data=DataConfig(train_file=str(train), dev_file=str(dev)))
    with pytest.raises(ConfigError, match="--resume"):
        finetune(config)
    assert (output / "precious.txt").read_text() == "keep me"


def resume_config(tiny_bert, files, output: Path, resume: bool = False) -> FinetuneConfig:
    train, dev = files
    return FinetuneConfig(
        model=str(tiny_bert), output_dir=str(output), resume=resume,
        data=DataConfig(train_file=str(train), dev_file=str(dev), max_length=16),
        training=TrainingConfig(epochs=2, batch_size=16, lr=3e-3, eval_steps=4, progress_bar=False),
    )


def test_resume_after_kill_ends_where_an_uninterrupted_run_ends(tiny_bert, sentiment_files, tmp_path):
    straight = finetune(resume_config(tiny_bert, sentiment_files, tmp_path / "straight"))

    killed_dir = tmp_path / "killed"
    with pytest.raises(Interrupt):
        finetune(resume_config(tiny_bert, sentiment_files, killed_dir), callbacks=(KillAtStep(7),))
    # a checkpoint half-written when the kill came: no commit marker, so it must never be loaded
    (killed_dir / "checkpoints" / "checkpoint-8").mkdir()
    (killed_dir / "checkpoints" / "checkpoint-8" / "model.safetensors").write_bytes(b"truncated")

    resumed = finetune(resume_config(tiny_bert, sentiment_files, killed_dir, resume=True))
    assert resumed["resumed_from"].endswith("checkpoint-4")
    assert resumed["global_steps"] == straight["global_steps"] == 24  # 192 examples / 16, 2 epochs
    assert resumed["metrics"] == straight["metrics"]
    weights_straight = load_file(tmp_path / "straight" / "model.safetensors")
    weights_resumed = load_file(killed_dir / "model.safetensors")
    for name, tensor in weights_straight.items():
        torch.testing.assert_close(weights_resumed[name], tensor, rtol=0, atol=1e-6, msg=name)
    assert (killed_dir / "checkpoints" / "incomplete-checkpoint-8").is_dir()


class PoisonWeights(TrainerCallback):
    """Turns the classifier weights into NaN after step `step`, so the next loss is NaN."""

    def __init__(self, step: int):
        self.step = step

    def on_step_end(self, args, state, control, model=None, **kwargs):
        if state.global_step == self.step:
            with torch.no_grad():
                model.classifier.weight.fill_(math.nan)


def test_nan_loss_stops_with_step_and_keeps_last_checkpoint(tiny_bert, sentiment_files, tmp_path):
    output = tmp_path / "nan"
    with pytest.raises(TrainingError, match=r"became nan at step 6.*checkpoint-4"):
        finetune(resume_config(tiny_bert, sentiment_files, output), callbacks=(PoisonWeights(5),))
    good = load_file(output / "checkpoints" / "checkpoint-4" / "model.safetensors")
    assert all(torch.isfinite(tensor).all() for tensor in good.values())


def test_pickled_weights_are_refused(tiny_bert, sentiment_files, tmp_path, capsys):
    """Weights load from safetensors only: a folder with just pytorch_model.bin gets a clear error."""
    import shutil

    from transformers import BertModel

    pickled = tmp_path / "pickled"
    shutil.copytree(tiny_bert, pickled)
    (pickled / "model.safetensors").unlink()
    torch.save(BertModel.from_pretrained(tiny_bert).state_dict(), pickled / "pytorch_model.bin")
    train, dev = sentiment_files
    assert run_cli("finetune", "--model", pickled, "--train-file", train, "--dev-file", dev,
                   "--output-dir", tmp_path / "out", *FAST) == 2
    assert "safetensors" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()

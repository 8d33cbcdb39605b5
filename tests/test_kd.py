"""Task-specific KD end to end on tiny models: raw files -> fine-tuned teacher -> transfer set -> KD ->
saved student -> reload -> evaluate; the cooperation path from a general student; and bad input."""

import json
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForSequenceClassification, BertTokenizer

import bertdistill.students  # noqa: F401  (registers the BiLSTM with the Auto classes)
from bertdistill.cli import main
from bertdistill.data.loading import DataConfig
from bertdistill.data.transfer_set import read_transfer_set
from bertdistill.methods.kd import KDConfig, distill_kd, kd_training_defaults
from bertdistill.students.factory import StudentShape
from tests.conftest import Interrupt, KillAtStep, pair_rows, sentiment_rows, write_csv, write_jsonl

TINY_STUDENT = ["--embedding-dim", "16", "--hidden-size", "16", "--classifier-hidden-size", "16"]
FAST = ["--batch-size", "16", "--max-length", "16", "--no-progress"]


def run_cli(*arguments) -> int:
    return main([str(argument) for argument in arguments])


@pytest.fixture(scope="module")
def sentiment_task(tiny_bert, tmp_path_factory) -> dict[str, Path]:
    """Train/dev files and a teacher fine-tuned on them."""
    root = tmp_path_factory.mktemp("kd-sentiment")
    train = write_csv(root / "train.csv", sentiment_rows(160, seed=1))
    dev = write_csv(root / "dev.csv", sentiment_rows(60, seed=2))
    teacher = root / "teacher"
    assert run_cli("finetune", "--model", tiny_bert, "--train-file", train, "--dev-file", dev, "--output-dir",
                   teacher, "--epochs", "6", "--lr", "2e-3", *FAST) == 0
    return {"train": train, "dev": dev, "teacher": teacher, "root": root}


def test_kd_with_augmentation_end_to_end(sentiment_task, tmp_path, capsys):
    output = tmp_path / "kd"
    assert run_cli("distill", "kd", "--teacher", sentiment_task["teacher"], "--train-file", sentiment_task["train"],
                   "--dev-file", sentiment_task["dev"], "--output-dir", output, "--n-iter", "3", "--epochs", "4",
                   "--lr", "3e-3", "--cache-dir", tmp_path / "cache", *TINY_STUDENT, *FAST) == 0
    for name in ("config.json", "model.safetensors", "tokenizer.json", "metrics.json", "config.yaml",
                 "predictions_dev.tsv", "transfer_set.jsonl", "transfer_set.meta.json"):
        assert (output / name).is_file(), name
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["method"] == "kd" and metrics["original_examples"] == 160
    transfer = read_transfer_set(output / "transfer_set.jsonl", is_pair=False)
    assert metrics["transfer_examples"] == len(transfer) > 160
    assert any("[MASK]" in text for text in transfer["text"])
    assert metrics["transfer_set"]["pos_tagger"].endswith("PatternTagger")
    assert metrics["primary"] >= 0.75  # the task is easy and the teacher is right on it
    assert KDConfig.load(output / "config.yaml").augmentation.n_iter == 3

    student = AutoModelForSequenceClassification.from_pretrained(output)  # plain transformers loads it
    assert student.config.model_type == "bertdistill-bilstm" and student.config.pooling == "last"
    assert student.config.num_layers == 1 and student.config.projection_dim == 0
    assert student.config.id2label == {0: "neg", 1: "pos"}
    assert len(list((tmp_path / "cache" / "teacher-logits").glob("*/manifest.json"))) == 1

    capsys.readouterr()
    assert run_cli("evaluate", "--model", output, "--dev-file", sentiment_task["dev"]) == 0
    evaluated = json.loads((output / "eval-custom-dev" / "metrics.json").read_text())
    assert evaluated["primary"] == pytest.approx(metrics["primary"])

    # the run folder is a report row: its score against the teacher's (measured in the same run), and its
    # speed-up over the teacher's run from one benchmark
    assert run_cli("report", "--run", output, "--teacher-run", sentiment_task["teacher"], "--speed", "--repeats", "1",
                   "--json", tmp_path / "kd.json", "--output", tmp_path / "kd.md", "--no-plot") == 0
    row = json.loads((tmp_path / "kd.json").read_text())["entries"][0]
    teacher_score = metrics["teacher_metrics"]["dev"][metrics["primary_metric"]]   # as the KD run measured it
    assert row["method"] == "kd:kd" and row["score"] == metrics["primary"] and row["teacher_score"] == teacher_score
    assert row["parameters"] == metrics["parameters"] and row["speedup_vs_teacher"] > 0
    assert f"| kd | {100 * metrics['primary']:.1f} (" in (tmp_path / "kd.md").read_text()

    # exported to ONNX and scored there: one row per backend, speed by ONNX Runtime in the same benchmark
    assert run_cli("export", "onnx", "--model", output, "--output", tmp_path / "kd.onnx", "--quantize", "int8",
                   "--dev-file", sentiment_task["dev"]) == 0
    assert run_cli("report", "--run", tmp_path / "kd.onnx.json", "--label", "KD", "--teacher-run",
                   sentiment_task["teacher"], "--speed", "--repeats", "1", "--json", tmp_path / "serving.json",
                   "--output", tmp_path / "serving.md", "--no-plot") == 0
    exported = json.loads((tmp_path / "kd.onnx.json").read_text())["metrics"]
    rows = json.loads((tmp_path / "serving.json").read_text())["entries"]
    assert [(row["label"], row["backend"]) for row in rows] == [("KD (onnx)", "onnx"), ("KD (onnx-int8)", "onnx-int8")]
    assert [row["score"] for row in rows] == [exported["onnx"]["accuracy"], exported["onnx-int8"]["accuracy"]]
    assert all(row["speedup_vs_teacher"] > 0 for row in rows)


def test_augment_command_then_reuse(sentiment_task, tmp_path, capsys):
    transfer = tmp_path / "transfer.jsonl"
    assert run_cli("augment", "--train-file", sentiment_task["train"], "--output", transfer, "--n-iter", "2",
                   "--max-train-samples", "40", "--seed", "5") == 0
    examples = read_transfer_set(transfer, is_pair=False)
    assert 0 < len(examples) <= 80 and all(0 <= source < 40 for source in examples["source"])
    again = tmp_path / "again.jsonl"
    assert run_cli("augment", "--train-file", sentiment_task["train"], "--output", again, "--n-iter", "2",
                   "--max-train-samples", "40", "--seed", "5") == 0
    assert again.read_text() == transfer.read_text()  # seeded: the same set twice

    output = tmp_path / "kd"
    assert run_cli("distill", "kd", "--teacher", sentiment_task["teacher"], "--train-file", sentiment_task["train"],
                   "--dev-file", sentiment_task["dev"], "--output-dir", output, "--transfer-set", transfer,
                   "--epochs", "1", "--loss", "soft-ce", "--temperature", "2", "--alpha", "0.5",
                   "--cache-dir", tmp_path / "cache", *TINY_STUDENT, *FAST) == 0
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["transfer_examples"] == len(examples) and metrics["loss"] == "soft-ce"


def test_cooperation_from_a_general_student_on_pair_regression(tiny_bert, tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", pair_rows(120, seed=3, regression=True))
    dev = write_jsonl(tmp_path / "dev.jsonl", pair_rows(40, seed=4, regression=True))
    data = ["--train-file", train, "--dev-file", dev, "--pair-column", "text_pair", "--regression"]
    teacher = tmp_path / "teacher"
    assert run_cli("finetune", "--model", tiny_bert, *data, "--output-dir", teacher, "--epochs", "2",
                   "--lr", "2e-3", *FAST) == 0
    general = tmp_path / "general"
    assert run_cli("init-student", "--teacher", tiny_bert, "--output-dir", general, "--embedding-dim", "16",
                   "--hidden-size", "8", "--num-layers", "1") == 0
    output = tmp_path / "kd"
    assert run_cli("distill", "kd", "--teacher", teacher, *data, "--student", general, "--output-dir", output,
                   "--n-iter", "2", "--epochs", "1", "--cache-dir", tmp_path / "cache", *FAST) == 0
    metrics = json.loads((output / "metrics.json").read_text())
    assert set(metrics["metrics"]["dev"]) >= {"pearson", "spearman"}
    assert metrics["student"] == str(general)
    student = AutoModelForSequenceClassification.from_pretrained(output)
    assert student.config.bertdistill_task["is_pair"] and student.config.hidden_size == 8  # the general student's
    pairs = read_transfer_set(output / "transfer_set.jsonl", is_pair=True)
    originals = {(row["text"], row["text_pair"]) for row in pair_rows(120, seed=3, regression=True)}
    first_changed = sum(1 for e in pairs if e["text_pair"] in {p for _, p in originals}
                        and (e["text"], e["text_pair"]) not in originals)
    assert first_changed > 0  # the rotation edits the first sentence alone, among others


def test_bad_teacher_student_and_transfer_set_are_refused(sentiment_task, tiny_bert, tmp_path, capsys):
    base = ["distill", "kd", "--train-file", sentiment_task["train"], "--dev-file", sentiment_task["dev"],
            "--cache-dir", tmp_path / "cache", *FAST]
    pairs = write_csv(tmp_path / "pairs.csv", pair_rows(20, seed=1))
    assert run_cli("distill", "kd", "--teacher", sentiment_task["teacher"], "--train-file", pairs, "--dev-file",
                   pairs, "--pair-column", "text_pair", "--output-dir", tmp_path / "a", *FAST) == 2
    assert "fine-tuned for 2 output(s)" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()

    assert run_cli(*base, "--teacher", tiny_bert, "--output-dir", tmp_path / "b") == 2
    assert "not a fine-tuned bertdistill model" in capsys.readouterr().err

    other = tmp_path / "other-student"
    assert run_cli("init-student", "--teacher", tiny_bert, "--output-dir", other, "--embedding-dim", "8",
                   "--hidden-size", "8", "--num-layers", "1") == 0
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "other", "words"]) + "\n")
    for stale in ("tokenizer.json", "tokenizer_config.json", "vocab.txt"):
        (other / stale).unlink(missing_ok=True)
    BertTokenizer(vocab=str(vocab)).save_pretrained(other)
    assert run_cli(*base, "--teacher", sentiment_task["teacher"], "--student", other,
                   "--output-dir", tmp_path / "c") == 2
    assert "tokenise differently" in capsys.readouterr().err

    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert run_cli(*base, "--teacher", sentiment_task["teacher"], "--transfer-set", empty,
                   "--output-dir", tmp_path / "d") == 2
    assert "empty" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()   # read before the run folder is made: a corrected rerun just works

    regression = write_jsonl(tmp_path / "scores.jsonl", pair_rows(10, seed=1, regression=True))
    assert run_cli("distill", "kd", "--teacher", sentiment_task["teacher"], "--train-file", regression,
                   "--dev-file", regression, "--pair-column", "text_pair", "--regression", "--loss", "soft-ce",
                   "--output-dir", tmp_path / "e", *FAST) == 2
    assert "use --loss mse" in capsys.readouterr().err


def test_a_killed_run_resumes_with_the_same_transfer_set(sentiment_task, tmp_path):
    def config(resume: bool) -> KDConfig:
        training = kd_training_defaults()
        training.epochs, training.batch_size, training.progress_bar = 2, 32, False
        return KDConfig(teacher=str(sentiment_task["teacher"]), output_dir=str(tmp_path / "run"),
                        data=DataConfig(train_file=str(sentiment_task["train"]), dev_file=str(sentiment_task["dev"]),
                                        max_length=16),
                        shape=StudentShape(embedding_dim=16, hidden_size=16, num_layers=1, pooling="last",
                                           classifier_hidden_size=16, embedding_init="teacher",
                                           residual_static=False),
                        training=training, cache_dir=str(tmp_path / "cache"), resume=resume)

    cfg = config(False)
    cfg.augmentation.n_iter = 2
    with pytest.raises(Interrupt):
        distill_kd(cfg, callbacks=(KillAtStep(16),))
    saved = (tmp_path / "run" / "transfer_set.jsonl").read_text()
    resumed = config(True)
    resumed.augmentation.n_iter = 2
    record = distill_kd(resumed)
    assert record["resumed_from"] and record["resumed_from"].endswith("checkpoint-" + str(record["global_steps"] // 2))
    assert (tmp_path / "run" / "transfer_set.jsonl").read_text() == saved

    # and ends where an uninterrupted run with the same transfer set ends
    from safetensors.torch import load_file

    solo = config(False)
    solo.output_dir, solo.augment, solo.transfer_set = str(tmp_path / "solo"), False, str(tmp_path / "run" /
                                                                                         "transfer_set.jsonl")
    distill_kd(solo)
    resumed_weights, solo_weights = (load_file(tmp_path / name / "model.safetensors") for name in ("run", "solo"))
    assert resumed_weights.keys() == solo_weights.keys()
    for name, tensor in solo_weights.items():
        torch.testing.assert_close(resumed_weights[name], tensor, rtol=0, atol=1e-6, msg=name)

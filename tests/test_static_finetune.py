"""A static general student used like the BiLSTM: fine-tune (single sentences and pairs), evaluate, predict,
export to ONNX; reloaded with plain `transformers` Auto classes after `import bertdistill`."""

import json

import torch
from transformers import AutoModelForSequenceClassification

from bertdistill.cli import main
from bertdistill.students import StaticConfig, StaticForSequenceClassification, StaticModel
from bertdistill.students.static import save_static
from bertdistill.teachers.loading import load_tokenizer
from tests.conftest import pair_rows, sentiment_rows, write_jsonl


def static_student(tiny_bert, folder):
    tokenizer = load_tokenizer(str(tiny_bert))
    torch.manual_seed(0)
    model = StaticModel(StaticConfig(vocab_size=len(tokenizer), hidden_dim=16, projection_dim=8, token_weights=True,
                                     ignored_token_ids=tokenizer.all_special_ids))
    save_static(model, tokenizer, folder)
    return folder


def test_static_student_fine_tunes_evaluates_predicts_and_exports(tiny_bert, tmp_path, capsys):
    from safetensors.torch import load_file

    general = static_student(tiny_bert, tmp_path / "static")
    start = AutoModelForSequenceClassification.from_pretrained(general, num_labels=2)   # the table, a new head
    torch.testing.assert_close(start.static.embeddings.detach(), load_file(general / "model.safetensors")["embeddings"])
    train = write_jsonl(tmp_path / "train.jsonl", sentiment_rows(160, seed=1))
    dev = write_jsonl(tmp_path / "dev.jsonl", sentiment_rows(40, seed=2))
    common = ["--train-file", str(train), "--dev-file", str(dev), "--text-column", "text", "--label-column",
              "label", "--epochs", "4", "--max-length", "16", "--no-progress"]
    assert main(["finetune", "--model", str(general), "--output-dir", str(tmp_path / "tuned"), *common]) == 0
    metrics = json.loads((tmp_path / "tuned" / "metrics.json").read_text())
    assert metrics["primary"] > 0.7   # the sentiment words decide the label: a bag of words learns it
    model = AutoModelForSequenceClassification.from_pretrained(tmp_path / "tuned")
    assert isinstance(model, StaticForSequenceClassification) and model.classifier[0].in_features == 8
    assert main(["evaluate", "--model", str(tmp_path / "tuned"), "--dev-file", str(dev)]) == 0
    capsys.readouterr()
    assert main(["predict", "--model", str(tmp_path / "tuned"), "the film was great"]) == 0
    assert capsys.readouterr().out.split("\t")[0] in ("pos", "neg")
    assert main(["export", "onnx", "--model", str(tmp_path / "tuned"), "--output", str(tmp_path / "m.onnx")]) == 0


def test_static_student_pairs_are_siamese(tiny_bert, tmp_path):
    general = static_student(tiny_bert, tmp_path / "static")
    train = write_jsonl(tmp_path / "train.jsonl", pair_rows(64, seed=1))
    assert main(["finetune", "--model", str(general), "--output-dir", str(tmp_path / "pairs"), "--train-file",
                 str(train), "--dev-file", str(train), "--text-column", "text", "--pair-column", "text_pair",
                 "--label-column", "label", "--epochs", "1", "--max-length", "24", "--no-progress"]) == 0
    model = AutoModelForSequenceClassification.from_pretrained(tmp_path / "pairs")
    assert model.is_pair and model.classifier[0].in_features == 4 * 8


def test_static_student_takes_task_distillation(tiny_bert, tmp_path):
    general = static_student(tiny_bert, tmp_path / "static")
    train = write_jsonl(tmp_path / "train.jsonl", sentiment_rows(96, seed=1))
    common = ["--train-file", str(train), "--dev-file", str(train), "--text-column", "text", "--label-column",
              "label", "--epochs", "1", "--max-length", "16", "--no-progress"]
    assert main(["finetune", "--model", str(tiny_bert), "--output-dir", str(tmp_path / "teacher"), *common]) == 0
    assert main(["distill", "kd", "--teacher", str(tmp_path / "teacher"), "--student", str(general), "--no-augment",
                 "--output-dir", str(tmp_path / "kd"), "--cache-dir", str(tmp_path / "cache"), *common]) == 0
    assert isinstance(AutoModelForSequenceClassification.from_pretrained(tmp_path / "kd"),
                      StaticForSequenceClassification)

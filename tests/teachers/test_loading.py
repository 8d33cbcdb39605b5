"""Teachers and students saved in half precision load in float32 (transformers 5 would keep float16), so
training, distilling and copying layers never run in half precision by accident."""

from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from transformers import AutoModel, BertForSequenceClassification

from bertdistill.cli import main
from bertdistill.data.tasks import TaskSpec
from bertdistill.teachers.loading import load_encoder, load_fine_tuned, load_for_training
from bertdistill.teachers.sentence_vector import SentenceVectorTeacher
from tests.conftest import sentiment_rows, write_csv

FAST = ["--batch-size", "16", "--max-length", "16", "--no-progress"]


def half_precision_copy(source: Path, target: Path, model_class=AutoModel) -> Path:
    model = model_class.from_pretrained(source, dtype=torch.float32)
    model.to(torch.float16).save_pretrained(target)
    for name in ("vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.json"):
        if (source / name).is_file():
            (target / name).write_bytes((source / name).read_bytes())
    return target


def stored_dtypes(folder: Path) -> set[torch.dtype]:
    with safe_open(str(folder / "model.safetensors"), framework="pt") as handle:
        return {handle.get_tensor(key).dtype for key in handle.keys()}


@pytest.fixture(scope="module")
def half_bert(tiny_bert, tmp_path_factory) -> Path:
    folder = half_precision_copy(tiny_bert, tmp_path_factory.mktemp("half-bert"))
    assert stored_dtypes(folder) == {torch.float16}
    assert next(AutoModel.from_pretrained(folder).parameters()).dtype == torch.float16  # what we guard against
    return folder


def test_every_loader_gives_float32_weights_equal_to_the_stored_ones(half_bert):
    spec = TaskSpec(name="sentiment", labels=("negative", "positive"), is_pair=False, metrics=("accuracy",),
                    primary_metric="accuracy")
    reference = AutoModel.from_pretrained(half_bert).float()
    encoder = load_encoder(str(half_bert))
    for model in (encoder, load_for_training(str(half_bert), spec), SentenceVectorTeacher(str(half_bert), "mean").model):
        assert {parameter.dtype for parameter in model.parameters()} == {torch.float32}
    torch.testing.assert_close(encoder.embeddings.word_embeddings.weight, reference.embeddings.word_embeddings.weight)


def test_half_precision_fine_tuned_teacher_gives_a_float32_tinybert_student(tiny_bert, tmp_path):
    train = write_csv(tmp_path / "train.csv", sentiment_rows(48, seed=1))
    dev = write_csv(tmp_path / "dev.csv", sentiment_rows(16, seed=2))
    teacher = tmp_path / "teacher"
    assert main([str(value) for value in ("finetune", "--model", tiny_bert, "--train-file", train, "--dev-file", dev,
                                          "--output-dir", teacher, "--epochs", "1", *FAST)]) == 0
    half_teacher = half_precision_copy(teacher, tmp_path / "half-teacher", BertForSequenceClassification)
    assert stored_dtypes(half_teacher) == {torch.float16}
    model, _ = load_fine_tuned(str(half_teacher))
    assert {parameter.dtype for parameter in model.parameters()} == {torch.float32}

    student = tmp_path / "student"
    assert main([str(value) for value in ("distill", "tinybert", "--stage", "task", "--teacher", half_teacher,
                                          "--train-file", train, "--dev-file", dev, "--output-dir", student,
                                          "--epochs", "1", "--intermediate-epochs", "1", "--no-augment",
                                          "--cache-dir", tmp_path / "cache", *FAST)]) == 0
    assert stored_dtypes(student) == {torch.float32}

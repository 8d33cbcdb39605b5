"""Building a new BiLSTM student over a teacher's vocabulary, its embeddings initialised from the teacher's."""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

import torch

from bertdistill.config import Config
from bertdistill.errors import ModelError
from bertdistill.students.configuration_bilstm import BiLSTMConfig
from bertdistill.students.embeddings import project_teacher_embeddings


@dataclasses.dataclass
class StudentShape(Config):
    """A BiLSTM student's shape. The defaults are the SRA general student's; `tang_shape()` is the
    task-specific student of Tang et al. 2019."""

    embedding_dim: int = 300
    hidden_size: int = 300
    num_layers: int = 2
    pooling: Literal["max", "mean", "last", "attention"] = "max"
    dropout: float = 0.1
    embedding_init: Literal["teacher", "random"] = "teacher"
    classifier_hidden_size: int = 400


def tang_shape() -> StudentShape:
    """Tang et al.'s single-sentence BiLSTM: one layer of 150 units per direction, the last forward and
    backward states, a ReLU layer of 200 (the pair model is its siamese version)."""
    return StudentShape(embedding_dim=300, hidden_size=150, num_layers=1, pooling="last",
                        classifier_hidden_size=200)


def student_config(shape: StudentShape, teacher_embeddings: torch.Tensor, tokenizer_size: int,
                   pad_token_id: int, projection_dim: int, **extra: Any) -> BiLSTMConfig:
    """The config of a new student with as many embedding rows as the teacher (checkpoints often pad the
    matrix to a multiple of 8); fewer rows than the tokenizer has word pieces is an error."""
    vocab_size = teacher_embeddings.shape[0]
    if vocab_size < tokenizer_size:
        raise ModelError(f"the teacher has {vocab_size} input embeddings but its tokenizer has "
                         f"{tokenizer_size} word pieces")
    return BiLSTMConfig(
        vocab_size=vocab_size, embedding_dim=shape.embedding_dim, hidden_size=shape.hidden_size,
        num_layers=shape.num_layers, pooling=shape.pooling, dropout=shape.dropout,
        classifier_hidden_size=shape.classifier_hidden_size, projection_dim=projection_dim,
        pad_token_id=pad_token_id, **extra,
    )


def initialise_embeddings(student: torch.nn.Module, teacher_embeddings: torch.Tensor, shape: StudentShape) -> None:
    """`teacher`: a PCA projection of the teacher's input embeddings; `random`: keep the random init."""
    if shape.embedding_init != "teacher":
        return
    embeddings = student.get_input_embeddings().weight                                  # (V, d_S)
    with torch.no_grad():
        embeddings.copy_(project_teacher_embeddings(teacher_embeddings.detach().cpu(), shape.embedding_dim,
                                                    student.config.initializer_range))

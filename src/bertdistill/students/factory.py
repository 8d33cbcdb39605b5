"""Building new students over a teacher's vocabulary, their token vectors initialised from the teacher.

Token-vector initialisations (`embedding_init`):
  teacher    : PCA of the teacher's *input* embedding matrix;
  contextual : each token run through the teacher in its own short sequence, pooled, PCA'd and weighted
               by a frequency prior (the model2vec recipe; the table comes from `teachers/static_distill`);
  random     : N(0, initializer_range).
A BiLSTM with a residual static path can also start from a trained static student
(`initialise_from_static`): it then outputs exactly the static student's vector until training adds context.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

import torch

from bertdistill.config import Config, setting
from bertdistill.errors import ConfigError, ModelError
from bertdistill.model_config import TASK_CONFIG_KEY
from bertdistill.students.configuration_bilstm import BiLSTMConfig
from bertdistill.students.embeddings import project_teacher_embeddings
from bertdistill.students.heads import BiLSTMForSequenceClassification
from bertdistill.students.static import StaticConfig, StaticModel

RECIPE = BiLSTMConfig()   # the shape defaults below are its values: one source for the BiLSTM's recipe


@dataclasses.dataclass
class StudentShape(Config):
    """A BiLSTM student's shape and how its token vectors start. The shape defaults are `BiLSTMConfig()`'s,
    the SRA general student's recipe chosen by the encoder benchmark (results/sra.md: contextual token
    vectors +8.9 points over random ones, the residual static path, 1 x 256 as good as 2 x 300 at 2.3x its
    speed, 384-d token vectors 0.2-0.7 above 256-d ones); `tang_shape()` is `BiLSTMConfig.tang()`'s."""

    embedding_dim: int = setting(RECIPE.embedding_dim, help="token-vector width (a static student's output "
                                 "width)", minimum=1)
    hidden_size: int = setting(RECIPE.hidden_size, help="LSTM units per direction", minimum=1)
    num_layers: int = setting(RECIPE.num_layers, help="LSTM layers", minimum=1)
    pooling: Literal["max", "mean", "last", "attention"] = setting(RECIPE.pooling, help="how the BiLSTM states "
                                                                   "become the sentence vector")
    dropout: float = setting(RECIPE.dropout, help="dropout probability", rate=True)
    embedding_init: Literal["teacher", "random", "contextual"] = setting(
        "contextual", help="teacher: PCA of the teacher's input embeddings; contextual: each token run through "
        "the teacher (model2vec's distill, PCA'd to --embedding-dim); random")
    classifier_hidden_size: int = setting(RECIPE.classifier_hidden_size, help="ReLU layer of the task head",
                                          minimum=1)
    residual_static: bool = setting(RECIPE.residual_static, help="add a static path (weighted mean of the token "
                                    "vectors) to the sentence vector; the BiLSTM's own projection starts at zero")


def tang_shape() -> StudentShape:
    """Tang et al.'s BiLSTM (`BiLSTMConfig.tang()`), its word vectors from the teacher's input embeddings."""
    tang = BiLSTMConfig.tang()
    return StudentShape(embedding_dim=tang.embedding_dim, hidden_size=tang.hidden_size, num_layers=tang.num_layers,
                        pooling=tang.pooling, dropout=tang.dropout, embedding_init="teacher",
                        classifier_hidden_size=tang.classifier_hidden_size, residual_static=tang.residual_static)


def student_config(shape: StudentShape, teacher_embeddings: torch.Tensor, tokenizer_size: int,
                   pad_token_id: int, projection_dim: int, ignored_token_ids: list[int] | None = None,
                   **extra: Any) -> BiLSTMConfig:
    """The config of a new student with as many embedding rows as the teacher (checkpoints often pad the
    matrix to a multiple of 8); fewer rows than the tokenizer has word pieces is an error."""
    vocab_size = teacher_embeddings.shape[0]
    if vocab_size < tokenizer_size:
        raise ModelError(f"the teacher has {vocab_size} input embeddings but its tokenizer has "
                         f"{tokenizer_size} word pieces")
    try:
        return BiLSTMConfig(
            vocab_size=vocab_size, embedding_dim=shape.embedding_dim, hidden_size=shape.hidden_size,
            num_layers=shape.num_layers, pooling=shape.pooling, dropout=shape.dropout,
            classifier_hidden_size=shape.classifier_hidden_size, projection_dim=projection_dim,
            pad_token_id=pad_token_id, residual_static=shape.residual_static, ignored_token_ids=ignored_token_ids,
            **extra,
        )
    except ValueError as error:   # the config's own validation: a user's flags, not a bug
        raise ConfigError(f"student shape: {error}") from None


def new_task_bilstm(shape: StudentShape, teacher_embeddings: torch.Tensor, tokenizer,
                    task_settings: dict[str, Any]) -> BiLSTMForSequenceClassification:
    """A new BiLSTM task model over the teacher's vocabulary (no projection: Tang et al.'s student), its head
    set by `task_settings` (`teachers.loading.task_head_settings`), its word vectors from the teacher's."""
    settings = dict(task_settings)
    task = settings.pop(TASK_CONFIG_KEY)
    pad_token_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    config = student_config(shape, teacher_embeddings, len(tokenizer), pad_token_id, projection_dim=0, **settings)
    setattr(config, TASK_CONFIG_KEY, task)
    student = BiLSTMForSequenceClassification(config)
    initialise_embeddings(student, teacher_embeddings, shape)
    return student


def initialise_embeddings(student: torch.nn.Module, teacher_embeddings: torch.Tensor, shape: StudentShape,
                          contextual: torch.Tensor | None = None) -> None:
    """Set the BiLSTM's token vectors by `shape.embedding_init` (contextual needs the (V, E) table), scaled
    to the LSTM's initializer range. With a residual static path, the BiLSTM's own projection starts at
    zero, so the untrained student outputs exactly its static vector."""
    embeddings = student.get_input_embeddings().weight                                  # (V, E)
    target_std = student.config.initializer_range
    with torch.no_grad():
        if shape.embedding_init == "teacher":
            embeddings.copy_(project_teacher_embeddings(teacher_embeddings.detach().cpu(), shape.embedding_dim,
                                                        target_std))
        elif shape.embedding_init == "contextual":
            embeddings.copy_(scaled_table(contextual_rows(contextual, embeddings.shape), target_std))
        if shape.residual_static:
            student.projection.weight.zero_()
            student.projection.bias.zero_()


def contextual_rows(contextual: torch.Tensor | None, shape: torch.Size) -> torch.Tensor:
    if contextual is None:
        raise ModelError("embedding_init 'contextual' needs the teacher's contextual token table")
    if tuple(contextual.shape) != tuple(shape):
        raise ModelError(f"contextual token table is {tuple(contextual.shape)}, the student needs {tuple(shape)}")
    return contextual.float()


def scaled_table(table: torch.Tensor, target_std: float) -> torch.Tensor:
    """The table times one constant, so that its non-zero rows have standard deviation `target_std`."""
    used = table[table.abs().sum(dim=1) > 0]
    return table * (target_std / used.std().clamp(min=1e-12)) if len(used) else table


def new_static_student(vocab_size: int, width: int, projection_dim: int, ignored_token_ids: list[int],
                       pad_token_id: int, contextual: torch.Tensor | None = None, **extra: Any) -> StaticModel:
    """A static student with learned per-token weights. From a contextual table r, each row splits into a
    direction and a weight, e_t = r_t / |r_t| and w_t = |r_t| (as tokenlearn starts), so the untrained
    student is the model2vec distill."""
    config = StaticConfig(vocab_size=vocab_size, hidden_dim=width, projection_dim=projection_dim,
                          token_weights=True, ignored_token_ids=ignored_token_ids, pad_token_id=pad_token_id, **extra)
    student = StaticModel(config)
    if contextual is not None:
        rows = contextual_rows(contextual, student.embeddings.shape)
        norms = rows.norm(dim=1)                                                        # (V,)
        with torch.no_grad():
            student.embeddings.copy_(rows / norms.clamp(min=1e-12).unsqueeze(-1))
            student.weights.copy_(norms)
    return student


def initialise_from_static(student: torch.nn.Module, table: torch.Tensor) -> float:
    """Start a residual BiLSTM from a trained static student's folded table (V_s, P): the table is split by
    SVD into token vectors (V_s, E) and the static path's projection (P, E), so the static path computes
    the static student's vector exactly when the table's rank is <= E (else its best rank-E approximation);
    the BiLSTM's own projection starts at zero and the token weights at one. The token vectors are scaled to
    the LSTM's initializer range and the projection scaled back. Returns the share of the table's energy kept."""
    if not student.config.residual_static:
        raise ConfigError("starting a BiLSTM from a static student needs its residual static path "
                          "(--residual-static)")
    embeddings = student.get_input_embeddings().weight                                 # (V, E)
    rows, width = embeddings.shape
    if table.shape[0] > rows or table.shape[1] != student.config.projection_dim:
        raise ModelError(f"the static student's table is {tuple(table.shape)}; this BiLSTM has {rows} token rows "
                         f"and projects to {student.config.projection_dim}")
    left, singular, right = torch.linalg.svd(table.double(), full_matrices=False)     # (V_s, r), (r,), (r, P)
    kept = min(width, singular.shape[0])
    vectors = torch.zeros(rows, width, dtype=torch.float64)                             # (V, E)
    vectors[: table.shape[0], :kept] = left[:, :kept] * singular[:kept]
    scale = student.config.initializer_range / vectors[: table.shape[0]].std().clamp(min=1e-12)
    projection = torch.zeros(table.shape[1], width, dtype=torch.float64)                # (P, E)
    projection[:, :kept] = right[:kept].T / scale
    with torch.no_grad():
        embeddings.copy_(vectors * scale)
        student.static_projection.weight.copy_(projection)
        student.token_weights.fill_(1.0)
        student.projection.weight.zero_()
        student.projection.bias.zero_()
    energy = singular.square()
    return float(energy[:kept].sum() / energy.sum().clamp(min=1e-12))

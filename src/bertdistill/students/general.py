"""Building general students: a new BiLSTM or static student over a teacher's vocabulary, a BiLSTM started
from a trained static student, or a BiLSTM to continue. A method chooses which; the student is built here.
`general` is what the student's config records about how it was made (GENERAL_CONFIG_KEY)."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import torch

from bertdistill.data.target_pca import TargetPCA, basis_change, load_target_pca
from bertdistill.errors import ModelError
from bertdistill.model_config import GENERAL_CONFIG_KEY
from bertdistill.students.bilstm import BiLSTMModel
from bertdistill.students.factory import (
    StudentShape,
    initialise_embeddings,
    initialise_from_static,
    new_static_student,
    student_config,
)
from bertdistill.students.static import StaticModel
from bertdistill.teachers.loading import load_weights, resolve_model_path
from bertdistill.teachers.sentence_vector import SentenceVectorTeacher
from bertdistill.teachers.static_distill import contextual_token_vectors, model2vec_baseline

logger = logging.getLogger(__name__)


def pad_id(tokenizer) -> int:
    return tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0


def prepare_contextual(teacher_name: str, shape: StudentShape, cache_root: Path) -> None:
    """Build (or find) the cached model2vec table before seeding: building it draws random numbers, so a
    first run would otherwise initialise its student differently from a rerun or a resumed run."""
    if shape.embedding_init == "contextual":
        model2vec_baseline(teacher_name, cache_root, pca_dims=shape.embedding_dim)


def contextual_table(teacher_name: str, shape: StudentShape, tokenizer, rows: int,
                     cache_root: Path) -> torch.Tensor | None:
    """The model2vec token table of the teacher at the student's width, when the init asks for it."""
    if shape.embedding_init != "contextual":
        return None
    table = contextual_token_vectors(teacher_name, tokenizer.get_vocab(), rows, shape.embedding_dim, cache_root)
    return torch.from_numpy(table)


def new_bilstm(shape: StudentShape, teacher: SentenceVectorTeacher, tokenizer, projection_dim: int,
               cache_root: Path, general: dict | None = None, token_projection_dim: int = 0) -> BiLSTMModel:
    """A BiLSTM over the teacher's vocabulary, projecting to `projection_dim`, its token vectors started as
    `shape.embedding_init` says."""
    teacher_embeddings = teacher.model.get_input_embeddings().weight                      # (V, d_T)
    config = student_config(shape, teacher_embeddings, len(tokenizer), pad_id(tokenizer), projection_dim,
                            ignored_token_ids=tokenizer.all_special_ids, token_projection_dim=token_projection_dim,
                            **{GENERAL_CONFIG_KEY: general or {"teacher": teacher.name, "untrained": True,
                                                               "embedding_init": shape.embedding_init}})
    student = BiLSTMModel(config)
    contextual = contextual_table(teacher.name, shape, tokenizer, teacher_embeddings.shape[0], cache_root)
    initialise_embeddings(student, teacher_embeddings, shape, contextual)
    return student


def new_static(shape: StudentShape, teacher_name: str, tokenizer, projection_dim: int, cache_root: Path,
               general: dict) -> StaticModel:
    """A static student (`shape.embedding_dim` wide) over the teacher's vocabulary, from its contextual table."""
    contextual = contextual_table(teacher_name, shape, tokenizer, len(tokenizer), cache_root)
    return new_static_student(len(tokenizer), shape.embedding_dim, projection_dim, tokenizer.all_special_ids,
                              pad_id(tokenizer), contextual, **{GENERAL_CONFIG_KEY: general})


def continued_bilstm(folder: str, projection_dim: int, token_targets: bool) -> BiLSTMModel:
    """A trained BiLSTM general student to continue, checked against this run's target width."""
    student = load_weights(BiLSTMModel, folder)
    if student.config.projection_dim != projection_dim:
        raise ModelError(f"{folder} projects to {student.config.projection_dim} dimensions; "
                         f"this run's targets are {projection_dim} wide")
    if token_targets and not student.config.token_projection_dim:
        raise ModelError(f"{folder} has no token projection; --token-weight needs a student "
                         "trained with it (or start a new student)")
    return student


def bilstm_from_static(folder: str, shape: StudentShape, teacher: SentenceVectorTeacher, tokenizer,
                       projection_dim: int, cache_root: Path, pca: TargetPCA | None, general: dict,
                       token_projection_dim: int = 0) -> BiLSTMModel:
    """A new residual BiLSTM whose static path is the trained static student in `folder`, its vectors carried
    into this run's target space: at step 0 it encodes like the static student."""
    static = load_weights(StaticModel, folder)
    change = basis_change(load_target_pca(resolve_model_path(folder)), pca, teacher.hidden_size)
    if change.shape[0] != static.config.hidden_dim:
        raise ModelError(f"{folder}: its vectors are {static.config.hidden_dim} wide, its target "
                         f"space {change.shape[0]}")
    student = new_bilstm(dataclasses.replace(shape, embedding_init="random"), teacher, tokenizer, projection_dim,
                         cache_root, {**general, "init_student": folder}, token_projection_dim)
    table = static.folded_table() @ torch.from_numpy(change)                           # (V, projection_dim)
    kept = initialise_from_static(student, table)
    logger.info("BiLSTM started from the static student %s (%.1f%% of its table kept at width %d)",
                folder, 100 * kept, shape.embedding_dim)
    return student

"""TinyBERT students: plain `transformers` BERT models, shaped from the teacher (docs/methods.md, 3.1).

A student is a `BertConfig`; nothing of bertdistill is needed to load it. The default shape is
TinyBERT4's (4 layers, 312 wide, 12 heads, FFN 1200) for a BERT-base teacher, scaled for others:
- depth: a third of the teacher's layers (TinyBERT4 keeps 4 of BERT-base's 12), at least one;
- width: teachers at least as wide as BERT-base get 312/768 of their width (a multiple of the head
  count) and FFN 1200/312 of that; narrower teachers (MiniLM's 384) keep their width, heads and FFN,
  so the student can start from the teacher's own layers (`init: teacher-layers`).
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import torch
from transformers import BertConfig, BertForSequenceClassification, BertModel, PretrainedConfig, PreTrainedModel

from bertdistill.config import Config, setting
from bertdistill.errors import ConfigError, ModelError
from bertdistill.model_config import TASK_CONFIG_KEY

BERT_BASE_WIDTH = 768
TINYBERT4_WIDTH, TINYBERT4_HEADS, TINYBERT4_FFN = 312, 12, 1200

Init = Literal["random", "teacher-layers"]


@dataclasses.dataclass
class TinyBertShape(Config):
    """The student's shape; None means "derive from the teacher" (see `resolve_shape`)."""

    layers: int | None = setting(None, flag="--student-layers", help="Transformer layers", minimum=1)
    hidden: int | None = setting(None, flag="--student-hidden", help="hidden width", minimum=1)
    heads: int | None = setting(None, flag="--student-heads", help="attention heads", minimum=1)
    intermediate: int | None = setting(None, flag="--student-intermediate", help="feed-forward width", minimum=1)

    def __post_init__(self) -> None:
        for name in ("layers", "hidden", "heads", "intermediate"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ConfigError(f"student {name} must be >= 1, got {value}")


def default_shape(teacher: PretrainedConfig) -> TinyBertShape:
    """TinyBERT4's proportions applied to `teacher` (module docstring)."""
    layers = max(1, round(teacher.num_hidden_layers / 3))
    if teacher.hidden_size < BERT_BASE_WIDTH:
        return TinyBertShape(layers, teacher.hidden_size, teacher.num_attention_heads, teacher.intermediate_size)
    heads = TINYBERT4_HEADS
    hidden = max(heads, round(teacher.hidden_size * TINYBERT4_WIDTH / BERT_BASE_WIDTH / heads) * heads)
    return TinyBertShape(layers, hidden, heads, round(hidden * TINYBERT4_FFN / TINYBERT4_WIDTH))


def resolve_shape(requested: TinyBertShape, teacher: PretrainedConfig) -> TinyBertShape:
    """Fill unset fields from the default shape; a width the head count does not divide is an error."""
    default = default_shape(teacher)
    shape = TinyBertShape(**{field.name: getattr(requested, field.name) or getattr(default, field.name)
                             for field in dataclasses.fields(TinyBertShape)})
    if shape.hidden % shape.heads:
        raise ConfigError(f"student width {shape.hidden} is not a multiple of its {shape.heads} attention heads; "
                          "change --student-hidden or --student-heads")
    return shape


def student_config(shape: TinyBertShape, teacher: PretrainedConfig, **extra) -> BertConfig:
    """A `BertConfig` of `shape` with the teacher's vocabulary, positions and segment types."""
    for name in ("vocab_size", "max_position_embeddings", "type_vocab_size"):
        if not hasattr(teacher, name):
            raise ModelError(f"the teacher ({teacher.model_type}) has no {name!r}; TinyBERT needs a BERT-style encoder")
    return BertConfig(
        vocab_size=teacher.vocab_size, hidden_size=shape.hidden, num_hidden_layers=shape.layers,
        num_attention_heads=shape.heads, intermediate_size=shape.intermediate,
        max_position_embeddings=teacher.max_position_embeddings, type_vocab_size=teacher.type_vocab_size,
        pad_token_id=getattr(teacher, "pad_token_id", 0) or 0,
        layer_norm_eps=getattr(teacher, "layer_norm_eps", 1e-12), **extra,
    )


def check_copyable(student: PretrainedConfig, teacher: PretrainedConfig) -> str | None:
    """Why the teacher's layers cannot be copied into the student, or None when they can."""
    for name in ("hidden_size", "num_attention_heads", "intermediate_size", "vocab_size"):
        if getattr(student, name) != getattr(teacher, name, None):
            return f"{name} differs (student {getattr(student, name)}, teacher {getattr(teacher, name, None)})"
    if teacher.model_type != "bert":
        return f"the teacher is a {teacher.model_type}, not a BERT"
    return None


def copy_teacher_layers(student: PreTrainedModel, teacher: PreTrainedModel, teacher_layers: list[int]) -> None:
    """Start the student from the teacher: its embeddings, and for student layer i teacher layer
    `teacher_layers[i]` (0-based); the layer map's layers are the natural choice."""
    reason = check_copyable(student.config, teacher.config)
    if reason:
        raise ModelError(f"--init teacher-layers needs a student of the teacher's width, heads and FFN: {reason}")
    student_base, teacher_base = student.base_model, teacher.base_model
    with torch.no_grad():
        student_base.embeddings.load_state_dict(teacher_base.embeddings.state_dict())
        for student_layer, teacher_layer in zip(student_base.encoder.layer, teacher_layers, strict=True):
            student_layer.load_state_dict(teacher_base.encoder.layer[teacher_layer].state_dict())
        if getattr(student_base, "pooler", None) is not None and getattr(teacher_base, "pooler", None) is not None:
            student_base.pooler.load_state_dict(teacher_base.pooler.state_dict())
    copy_teacher_head(student, teacher)


def copy_teacher_head(student: PreTrainedModel, teacher: PreTrainedModel) -> bool:
    """Start the student's classifier from a fine-tuned teacher's when their shapes agree (same width and
    task). The caller makes sure the student has no trained head of its own for this task."""
    student_head, teacher_head = getattr(student, "classifier", None), getattr(teacher, "classifier", None)
    if not (isinstance(student_head, torch.nn.Linear) and isinstance(teacher_head, torch.nn.Linear)
            and student_head.weight.shape == teacher_head.weight.shape):
        return False
    with torch.no_grad():
        student_head.load_state_dict(teacher_head.state_dict())
    return True


def new_tinybert(shape: TinyBertShape, teacher: PretrainedConfig,
                 task_settings: dict | None = None) -> BertModel | BertForSequenceClassification:
    """A random-init BERT of `shape` (resolved) with the teacher's vocabulary: an encoder, or with the task head
    `task_settings` describes (`teachers.loading.task_head_settings`)."""
    if task_settings is None:
        return BertModel(student_config(shape, teacher))
    settings = dict(task_settings)
    task = settings.pop(TASK_CONFIG_KEY)
    config = student_config(shape, teacher, **settings)
    setattr(config, TASK_CONFIG_KEY, task)
    return BertForSequenceClassification(config)

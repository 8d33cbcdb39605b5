"""What a model folder is, judged from its config.json and not from the flag it was given under, and the one
check every command that takes a model makes against what it needs.

Kinds: a bertdistill **general student** (a BiLSTM or static student from `distill sra`, no task head), a
**fine-tuned classifier** (any model saved with a task: `finetune`, `distill kd`, TinyBERT's task stage), and a
plain **Transformer encoder** (a Hugging Face encoder, `minilm`, a TinyBERT general student). A model2vec folder
counts as a general student: it is a static sentence encoder. A hub name is taken to be a Transformer encoder
(no network lookup only to say so).
"""

from __future__ import annotations

import enum
from pathlib import Path

from bertdistill.errors import ModelError
from bertdistill.students import GENERAL_STUDENT_TYPES
from bertdistill.teachers.loading import load_config, resolve_model_path, task_spec_of


class ModelKind(enum.Enum):
    GENERAL_STUDENT = "general student (a sentence encoder from distill sra)"
    CLASSIFIER = "fine-tuned classifier"
    ENCODER = "Transformer encoder"


SENTENCE_ENCODERS = frozenset({ModelKind.GENERAL_STUDENT, ModelKind.ENCODER})   # what encode and evaluate-encoder take


def model_kind(name: str) -> ModelKind:
    """The kind of an alias, folder or hub name (a missing or broken folder is the loader's clear error)."""
    if not Path(resolve_model_path(name)).is_dir():
        return ModelKind.ENCODER
    config = load_config(name)
    if task_spec_of(config) is not None or any(architecture.endswith("ForSequenceClassification")
                                               for architecture in config.architectures or ()):
        return ModelKind.CLASSIFIER
    return ModelKind.GENERAL_STUDENT if config.model_type in GENERAL_STUDENT_TYPES else ModelKind.ENCODER


def require_kind(name: str, flag: str, allowed: frozenset[ModelKind] | set[ModelKind], hint: str = "") -> ModelKind:
    """`name`'s kind, or one line naming the folder, its kind and what `flag` takes."""
    kind = model_kind(name)
    if kind not in allowed:
        wanted = " or ".join(sorted(f"a {choice.value}" for choice in allowed))
        raise ModelError(f"{flag} {name}: a {kind.value}; this takes {wanted}" + (f" ({hint})" if hint else ""))
    return kind

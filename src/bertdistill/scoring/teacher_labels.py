"""Teacher labelling, shared by every method that distils a fine-tuned teacher's outputs (task KD, the
TinyBERT task stage): the check that teacher and task agree, the rows to label (originals + transfer set),
and the teacher's logits for them through the on-disk logit cache (computed once per teacher and text)."""

from __future__ import annotations

from typing import Any

from datasets import Dataset, Features, Value, concatenate_datasets
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from bertdistill.data.cache import WHOLE, Shard
from bertdistill.data.loading import TaskData
from bertdistill.data.logit_cache import LogitCache, cached_teacher_logits
from bertdistill.data.store import Store
from bertdistill.data.tasks import TaskSpec
from bertdistill.devices import resolve_device
from bertdistill.errors import ModelError
from bertdistill.scoring.predict import predict_logits
from bertdistill.teachers.loading import teacher_fingerprint


def check_teacher_task(teacher_spec: TaskSpec, spec: TaskSpec, teacher_name: str) -> None:
    """The teacher's outputs must mean what the task's labels mean, in the same order."""
    if teacher_spec.num_labels != spec.num_labels or (teacher_spec.labels or ()) != (spec.labels or ()):
        described = teacher_spec.labels or "one score (regression)"
        wanted = spec.labels or "one score (regression)"
        raise ModelError(f"the teacher {teacher_name} was fine-tuned for {teacher_spec.num_labels} output(s) "
                         f"{described}, but task {spec.name!r} has {spec.num_labels}: {wanted}. "
                         "Use a teacher fine-tuned on this task")


def training_rows(data: TaskData, transfer: Dataset | None) -> Dataset:
    """Originals (with their gold label, `has_gold` 1) followed by synthetic examples (`has_gold` 0). The
    transfer set stays on disk (a memory-mapped Arrow dataset, possibly many times the training set)."""
    train, spec = data.train, data.spec
    text_columns = ["text", "text_pair"] if spec.is_pair else ["text"]
    label = Value("float32") if spec.is_regression else Value("int64")
    features = Features({**{column: Value("string") for column in text_columns}, "label": label,
                         "has_gold": Value("int64")})
    originals = train.select_columns([*text_columns, "label"]).map(
        lambda batch: {"has_gold": [1] * len(batch["label"])}, batched=True).cast(features)
    if transfer is None or len(transfer) == 0:
        return originals
    placeholder = 0.0 if spec.is_regression else 0
    synthetic = transfer.select_columns(text_columns).map(
        lambda batch: {"label": [placeholder] * len(batch["text"]), "has_gold": [0] * len(batch["text"])},
        batched=True, desc="transfer rows").cast(features)
    return concatenate_datasets([originals, synthetic])


def teacher_outputs(teacher_name: str, cache_dir: str | None, teacher: PreTrainedModel,
                    tokenizer: PreTrainedTokenizerBase, rows: Dataset, max_length: int, batch_size: int,
                    progress: bool, shard: Shard = WHOLE) -> list[list[float]]:
    """The teacher's logits (or scores) for every row, from the on-disk cache where already computed (this
    process computes `shard` of the missing ones when several share the work)."""
    entry = Store(cache_dir).entry("teacher-logits", description={"teacher": teacher_name, "max_length": max_length},
                                   teacher=teacher_fingerprint(teacher_name), max_length=max_length)
    cache = LogitCache(entry, teacher.config.num_labels)
    teacher.to(resolve_device())

    def predict(batch: Dataset) -> Any:
        return predict_logits(teacher, tokenizer, batch, max_length, batch_size, progress)

    texts = rows.remove_columns([column for column in rows.column_names if column not in ("text", "text_pair")])
    logits = cached_teacher_logits(texts, cache, predict, shard=shard)
    teacher.to("cpu")
    return logits.tolist()

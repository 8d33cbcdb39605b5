"""Task-agnostic distillation by sentence-representation approximation (SRA; Wu et al. 2020).

A frozen, pre-trained teacher encodes unlabeled sentences once (cached on disk); a BiLSTM student
learns to reproduce the teacher's sentence vector through a linear projection. The result is a
general student that is fine-tuned on any sentence-level task like BERT (`bertdistill finetune
--model DIR`) and can then be task-distilled. See docs/methods.md, section 1.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import save_file
from transformers import EvalPrediction, TrainerCallback, set_seed

from bertdistill.config import Config
from bertdistill.data.cache import (
    cache_key,
    compute_vector_cache,
    default_cache_root,
    teacher_fingerprint,
    texts_fingerprint,
)
from bertdistill.data.corpus import CorpusConfig, prepare_corpus
from bertdistill.data.features import with_lengths
from bertdistill.encoding import IDF_FILE
from bertdistill.errors import ConfigError, ModelError
from bertdistill.losses.representation import RepresentationLoss, sra_loss
from bertdistill.methods.general_eval import general_student_metrics
from bertdistill.students import BiLSTMModel
from bertdistill.students.factory import (
    StudentShape,
    initialise_embeddings,
    student_config,
)
from bertdistill.teachers.loading import load_tokenizer, load_weights
from bertdistill.teachers.sentence_vector import (
    Representation,
    SentenceVectorTeacher,
    compute_idf,
)
from bertdistill.training.arguments import TrainingConfig, make_training_arguments
from bertdistill.training.checkpoints import atomic_write_json, publish_directory
from bertdistill.training.outputs import environment_info, prepare_output_dir
from bertdistill.training.trainer import (
    Trainer,
    checkpoint_to_resume,
    logging_callbacks,
    save_final_model,
)
from bertdistill.training.vocabulary import check_same_vocabulary

logger = logging.getLogger(__name__)


def sra_training_defaults() -> TrainingConfig:
    return TrainingConfig(epochs=3, batch_size=128, eval_batch_size=256, lr=1e-3, weight_decay=0.0,
                          warmup_ratio=0.02, logging_steps=50)


@dataclasses.dataclass
class SRAConfig(Config):
    teacher: str
    output_dir: str
    corpus: CorpusConfig
    representation: Representation = "mean"
    loss: RepresentationLoss = "mse"
    cosine_weight: float = 1.0
    student: StudentShape = dataclasses.field(default_factory=StudentShape)
    init_student: str | None = None     # continue from an existing general student
    max_length: int = 128
    eval_sentences: int = 1000
    training: TrainingConfig = dataclasses.field(default_factory=sra_training_defaults)
    cache_dir: str | None = None
    sts_data_dir: str | None = None     # for the zero-shot STS-B check (default: $BERTDISTILL_DATA_DIR or hub)
    resume: bool = False

    def __post_init__(self) -> None:
        if self.eval_sentences < 1:
            raise ConfigError(f"eval_sentences must be >= 1, got {self.eval_sentences}")
        if self.max_length < 8:
            raise ConfigError(f"max_length must be >= 8, got {self.max_length}")


class SentenceVectorCollator:
    """Pads token ids and gathers each row's teacher vector from the memory-mapped cache."""

    def __init__(self, vectors: np.ndarray, pad_token_id: int) -> None:
        self.vectors = vectors
        self.pad_token_id = pad_token_id

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        width = max(len(feature["input_ids"]) for feature in features)
        input_ids = torch.full((len(features), width), self.pad_token_id, dtype=torch.long)  # (B, T)
        attention_mask = torch.zeros((len(features), width), dtype=torch.long)               # (B, T)
        for row, feature in enumerate(features):
            input_ids[row, : len(feature["input_ids"])] = torch.tensor(feature["input_ids"])
            attention_mask[row, : len(feature["input_ids"])] = 1
        rows = np.array([feature["row"] for feature in features])
        teacher = torch.from_numpy(np.asarray(self.vectors[rows], dtype=np.float32))         # (B, d_T)
        return {"input_ids": input_ids, "attention_mask": attention_mask, "teacher_vector": teacher}


class SRATrainer(Trainer):
    """Trainer whose loss is the distance between student and teacher sentence vectors."""

    def __init__(self, *args, loss_kind: RepresentationLoss, cosine_weight: float, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.loss_kind = loss_kind
        self.cosine_weight = cosine_weight

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        outputs = model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"])
        student = outputs.sentence_embedding.float()                                         # (B, d_T)
        loss = sra_loss(student, inputs["teacher_vector"], self.loss_kind, self.cosine_weight)
        return (loss, outputs) if return_outputs else loss

    def prediction_step(self, model, inputs, prediction_loss_only, ignore_keys=None):
        inputs = self._prepare_inputs(inputs)
        with torch.no_grad():
            loss, outputs = self.compute_loss(model, inputs, return_outputs=True)
        return loss.detach(), outputs.sentence_embedding.float(), inputs["teacher_vector"]


def vector_agreement(prediction: EvalPrediction) -> dict[str, float]:
    """Held-out agreement with the teacher: mean cosine and element-wise MSE."""
    student, teacher = np.asarray(prediction.predictions), np.asarray(prediction.label_ids)
    cosine = (student * teacher).sum(1) / (np.linalg.norm(student, axis=1) * np.linalg.norm(teacher, axis=1) + 1e-12)
    return {"cosine": float(cosine.mean()), "mse": float(((student - teacher) ** 2).mean())}


def build_student(config: SRAConfig, teacher: SentenceVectorTeacher, tokenizer_size: int, pad_token_id: int) -> BiLSTMModel:
    """A new BiLSTM over the teacher's vocabulary, or `config.init_student` checked against the teacher."""
    if config.init_student:
        student = load_weights(BiLSTMModel, config.init_student)
        check_same_vocabulary(load_tokenizer(config.init_student), load_tokenizer(config.teacher),
                              config.init_student, config.teacher)
        if student.config.projection_dim != teacher.hidden_size:
            raise ModelError(f"{config.init_student} projects to {student.config.projection_dim} dimensions; "
                             f"the teacher {config.teacher} is {teacher.hidden_size} wide")
        return student
    general = {"teacher": config.teacher, "representation": config.representation, "loss": config.loss,
               "embedding_init": config.student.embedding_init}
    return new_student(config.student, teacher, tokenizer_size, pad_token_id, general)


def new_student(shape: StudentShape, teacher: SentenceVectorTeacher, tokenizer_size: int, pad_token_id: int,
                general: dict | None = None) -> BiLSTMModel:
    """A BiLSTM over the teacher's vocabulary, projecting to the teacher's width."""
    teacher_embeddings = teacher.model.get_input_embeddings().weight                      # (V, d_T)
    config = student_config(shape, teacher_embeddings, tokenizer_size, pad_token_id, teacher.hidden_size,
                            bertdistill_general=general or {"teacher": teacher.name, "untrained": True,
                                                            "embedding_init": shape.embedding_init})
    student = BiLSTMModel(config)
    initialise_embeddings(student, teacher_embeddings, shape)
    return student


def init_student(teacher_name: str, output_dir: str, shape: StudentShape, seed: int = 42) -> Path:
    """Save an untrained BiLSTM student with the teacher's tokenizer: the from-scratch baseline, and the
    starting point of task-specific distillation without SRA."""
    output = prepare_output_dir(output_dir, resume=False)
    tokenizer = load_tokenizer(teacher_name)
    teacher = SentenceVectorTeacher(teacher_name, "mean", device="cpu")
    set_seed(seed)
    pad_token_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    student = new_student(shape, teacher, len(tokenizer), pad_token_id)
    staging = output / ".final-model.tmp"
    student.save_pretrained(staging)
    tokenizer.save_pretrained(staging)
    publish_directory(staging, output)
    return output


def distill_sra(config: SRAConfig, callbacks: tuple[TrainerCallback, ...] = (), command: str | None = None) -> dict:
    """Run SRA end to end; returns (and writes) metrics.json."""
    cache_root = Path(config.cache_dir) if config.cache_dir else default_cache_root()
    corpus, corpus_stats = prepare_corpus(config.corpus, cache_root / "corpora")  # bad corpus fails here
    output_dir = prepare_output_dir(config.output_dir, config.resume)
    config.save(output_dir / "config.yaml")

    tokenizer = load_tokenizer(config.teacher)
    pad_token_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    token_ids = corpus.map(
        lambda batch: {"input_ids": tokenizer(batch["text"], truncation=True, max_length=config.max_length)["input_ids"]},
        batched=True, desc="tokenizing",
    )
    held_out = min(config.eval_sentences, max(1, len(token_ids) // 10))
    train_rows = np.arange(len(token_ids) - held_out)
    idf = compute_idf(token_ids.select(train_rows)["input_ids"], len(tokenizer)) if config.representation == "idf_mean" else None
    teacher = SentenceVectorTeacher(config.teacher, config.representation, idf=idf)

    key = cache_key(teacher=teacher_fingerprint(config.teacher), corpus=texts_fingerprint(corpus),
                    representation=config.representation, max_length=config.max_length)
    vectors = compute_vector_cache(
        cache_root / "teacher-vectors" / key, token_ids, teacher.encode_batch, teacher.hidden_size, pad_token_id,
        description={"teacher": config.teacher, "representation": config.representation,
                     "max_length": config.max_length},
    )

    set_seed(config.training.seed)
    student = build_student(config, teacher, len(tokenizer), pad_token_id)
    features = token_ids.remove_columns("text").add_column("row", list(range(len(token_ids))))
    features = with_lengths(features)
    train_set, eval_set = features.select(train_rows), features.select(range(len(train_rows), len(features)))

    arguments = make_training_arguments(config.training, output_dir / "checkpoints", "cosine",
                                        label_names=["teacher_vector"])
    checkpoint = checkpoint_to_resume(output_dir / "checkpoints", config.resume)
    extra = logging_callbacks(output_dir)
    trainer = SRATrainer(
        model=student, args=arguments, train_dataset=train_set, eval_dataset=eval_set,
        data_collator=SentenceVectorCollator(vectors, pad_token_id), compute_metrics=vector_agreement,
        callbacks=[*extra, *callbacks], loss_kind=config.loss, cosine_weight=config.cosine_weight,
    )
    start = time.perf_counter()
    trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    train_seconds = time.perf_counter() - start

    save_idf = None if idf is None else (lambda staging: save_file({"idf": torch.from_numpy(idf)}, str(staging / IDF_FILE)))
    save_final_model(trainer, output_dir, tokenizer, extra=save_idf)

    agreement = trainer.evaluate()
    record = {
        "method": "sra",
        "teacher": config.teacher,
        "representation": config.representation,
        "loss": config.loss,
        "held_out_sentences": len(eval_set),
        "train_sentences": len(train_set),
        "held_out_cosine": agreement["eval_cosine"],
        "held_out_mse": agreement["eval_mse"],
        **corpus_stats,
        **general_student_metrics(str(output_dir), config.teacher, config.representation, config.max_length,
                                  config.sts_data_dir),
        "parameters": sum(parameter.numel() for parameter in student.parameters()),
        "epochs": config.training.epochs,
        "global_steps": trainer.state.global_step,
        "train_seconds": round(train_seconds, 1),
        "resumed_from": str(checkpoint) if checkpoint else None,
        "command": command,
        "environment": environment_info(),
    }
    atomic_write_json(output_dir / "metrics.json", record)
    return record

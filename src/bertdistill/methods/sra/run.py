"""An SRA run end to end: targets, the student, training, the saved general student and its record."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from transformers import TrainerCallback, set_seed

from bertdistill.config import DEFAULT_SEED
from bertdistill.data.cache import default_cache_root
from bertdistill.data.target_pca import TargetPCA
from bertdistill.data.token_table import TableRows, TokenTable
from bertdistill.data.vector_file import held_in_memory
from bertdistill.devices import resolve_device
from bertdistill.encoding import IDF_FILE
from bertdistill.errors import ConfigError
from bertdistill.io import publish_directory
from bertdistill.methods.sra.config import SRAConfig
from bertdistill.methods.sra.targets import targets_of, training_inputs
from bertdistill.methods.sra.training import (
    SentenceVectorCollator,
    SRATrainer,
    agreement_by_source,
    student_agreement,
    vector_agreement,
)
from bertdistill.scoring.general_student import general_student_metrics
from bertdistill.students import BiLSTMConfig, BiLSTMModel, StaticConfig, StaticModel
from bertdistill.students.factory import StudentShape
from bertdistill.students.general import (
    bilstm_from_static,
    continued_bilstm,
    new_bilstm,
    new_static,
    pad_id,
    prepare_contextual,
)
from bertdistill.students.sentence_transformers_files import write_sentence_transformers_files
from bertdistill.students.static import save_static
from bertdistill.teachers.fast_encoding import resolve_runtime
from bertdistill.teachers.loading import load_config, load_tokenizer
from bertdistill.teachers.model_kind import ModelKind, require_kind
from bertdistill.teachers.sentence_vector import SentenceVectorTeacher
from bertdistill.training.outputs import check_run_folder, prepare_output_dir
from bertdistill.training.run import Phase, built_once, finish_run, open_run, this_shard, written_once
from bertdistill.training.trainer import Trainer, save_final_model
from bertdistill.training.vocabulary import check_same_vocabulary

logger = logging.getLogger(__name__)


def build_student(config: SRAConfig, teacher: SentenceVectorTeacher, tokenizer, projection_dim: int,
                  cache_root: Path, pca: TargetPCA | None = None) -> BiLSTMModel | StaticModel:
    """The run's student (built by `students.general`): a new one over the teacher's vocabulary, or one
    started from `config.init_student` (a BiLSTM to continue, or a static student a new BiLSTM starts from),
    checked against the teacher."""
    token_width = teacher.hidden_size if config.token_weight > 0 else 0
    if config.init_student:
        check_same_vocabulary(load_tokenizer(config.init_student), tokenizer, config.init_student, config.teacher)
        if load_config(config.init_student).model_type == StaticConfig.model_type:
            return bilstm_from_static(config.init_student, config.student, teacher, tokenizer, projection_dim,
                                      cache_root, pca, general_record(config, "static-student"), token_width)
        return continued_bilstm(config.init_student, projection_dim, token_targets=config.token_weight > 0)
    general = general_record(config, config.student.embedding_init)
    if config.student_type == "static":
        return new_static(config.student, config.teacher, tokenizer, projection_dim, cache_root, general)
    return new_bilstm(config.student, teacher, tokenizer, projection_dim, cache_root, general,
                      token_projection_dim=token_width)


SHAPE_FIELDS = ("embedding_dim", "hidden_size", "num_layers", "pooling", "dropout", "classifier_hidden_size",
                "residual_static")


def with_started_shape(config: SRAConfig) -> SRAConfig:
    """A run that continues a BiLSTM (--init-student) trains that model's shape, so its config (and config.yaml)
    says so; a shape flag asking for another is refused, not dropped. (From a static student the flags shape
    the new BiLSTM.)"""
    if not config.init_student:
        return config
    started = load_config(config.init_student)
    if started.model_type != BiLSTMConfig.model_type:
        return config
    default = StudentShape()
    clashes = [f"--{name.replace('_', '-')} {getattr(config.student, name)} (it has {getattr(started, name)})"
               for name in SHAPE_FIELDS if getattr(config.student, name) != getattr(default, name)
               and getattr(config.student, name) != getattr(started, name)]
    if clashes:
        raise ConfigError(f"--init-student {config.init_student} is a BiLSTM whose shape the run continues; "
                          f"drop {', '.join(clashes)}")
    shape = dataclasses.replace(config.student, **{name: getattr(started, name) for name in SHAPE_FIELDS})
    return dataclasses.replace(config, student=shape)


def trained_shape(student: BiLSTMModel | StaticModel) -> dict:
    """The shape of the model actually trained, read from it (for metrics.json)."""
    names = ("embedding_dim", "hidden_size", "num_layers", "pooling", "residual_static", "projection_dim",
             "token_projection_dim", "hidden_dim")
    return {"model_type": student.config.model_type, **{name: getattr(student.config, name) for name in names
                                                        if hasattr(student.config, name)}}


def check_models(config: SRAConfig) -> None:
    """The teacher and --init-student judged by what they are, before any work: the teacher is a Transformer
    (a plain encoder, or a classifier's encoder), the start a general student (a fine-tuned classifier would
    pass its task on to the new student)."""
    require_kind(config.teacher, "--teacher", {ModelKind.ENCODER, ModelKind.CLASSIFIER},
                 "the teacher is a Transformer whose sentence vectors the student learns")
    if config.init_student:
        require_kind(config.init_student, "--init-student", {ModelKind.GENERAL_STUDENT},
                     "a BiLSTM or static student from distill sra")
    resolve_runtime(config.teacher_runtime, resolve_device(None))   # onnxruntime on a GPU is refused here


def general_record(config: SRAConfig, embedding_init: str) -> dict:
    """What a general student's config records about how it was made."""
    return {"teacher": config.teacher, "representation": config.representation, "loss": config.loss,
            "embedding_init": embedding_init, "target_pca": config.target_pca}


def init_student(teacher_name: str, output_dir: str, shape: StudentShape, seed: int = DEFAULT_SEED) -> Path:
    """Save an untrained BiLSTM student with the teacher's tokenizer: the from-scratch baseline, and the
    starting point of task-specific distillation without SRA."""
    check_run_folder(output_dir, resume=False)
    tokenizer = load_tokenizer(teacher_name)
    teacher = SentenceVectorTeacher(teacher_name, "mean", device="cpu")
    prepare_contextual(teacher_name, shape, default_cache_root())
    set_seed(seed)
    student = new_bilstm(shape, teacher, tokenizer, teacher.hidden_size, default_cache_root())
    output = prepare_output_dir(output_dir, resume=False)
    staging = output / ".final-model.tmp"
    student.save_pretrained(staging)
    tokenizer.save_pretrained(staging)
    write_sentence_transformers_files(staging, student.config.model_type)
    publish_directory(staging, output)
    return output


def save_general_student(trainer: Trainer, output_dir: Path, tokenizer, idf: np.ndarray | None,
                         pca: TargetPCA | None) -> None:
    """The final student, with the run's IDF weights and target PCA beside it, in sentence-transformers form
    too. A static student is folded into one table and saved in model2vec form."""
    def extra_files(staging: Path) -> None:
        if isinstance(trainer.model, BiLSTMModel):
            write_sentence_transformers_files(staging, trainer.model.config.model_type)
        if idf is not None:
            save_file({"idf": torch.from_numpy(idf)}, str(staging / IDF_FILE))
        if pca is not None:
            pca.save(staging)

    if not isinstance(trainer.model, StaticModel):
        save_final_model(trainer, output_dir, tokenizer, extra=extra_files)
        return
    def write_static() -> None:
        staging = output_dir / ".final-model.tmp"
        save_static(trainer.model, tokenizer, staging)
        extra_files(staging)
        publish_directory(staging, output_dir)

    written_once(write_static)


def distill_sra(config: SRAConfig, callbacks: tuple[TrainerCallback, ...] = (), command: str | None = None) -> dict:
    """Run SRA end to end; returns (and writes) metrics.json."""
    check_run_folder(config.output_dir, config.resume)
    check_models(config)
    config = with_started_shape(config)
    cache_root = Path(config.cache_dir) if config.cache_dir else default_cache_root()
    tokenizer = load_tokenizer(config.teacher)
    pad_token_id = pad_id(tokenizer)
    with built_once():   # the main process builds the corpus and token tables; the others then read them
        inputs = training_inputs(config, tokenizer, cache_root)
        if not config.init_student:   # a started student brings its own token vectors
            prepare_contextual(config.teacher, config.student, cache_root)
    targets = targets_of(config, inputs, tokenizer, cache_root, this_shard())   # each process encodes its share
    token_ids, train_rows, teacher, idf, pca = (targets.token_ids, targets.train_rows, targets.teacher, targets.idf,
                                                targets.pca)
    vectors = held_in_memory(targets.vectors, config.vectors_in_memory)

    set_seed(config.training.seed)
    student = build_student(config, teacher, tokenizer, config.target_pca or teacher.hidden_size, cache_root,
                            pca)
    tokens = TokenTable.of(token_ids)
    train_set, eval_set = TableRows(tokens, train_rows), TableRows(tokens, targets.eval_rows)

    with open_run(config.output_dir, config.resume, config) as output_dir:   # only once every input has been checked
        phase = Phase(output_dir, config.resume)
        trainer = SRATrainer(
            model=student, args=phase.arguments(config.training, "cosine", ["teacher_vector"]), train_dataset=train_set,
            eval_dataset=eval_set, data_collator=SentenceVectorCollator(tokens, vectors, pad_token_id, pca),
            compute_metrics=vector_agreement, callbacks=phase.callbacks(callbacks), objective=config.objective,
            temperature=config.temperature, token_teacher=teacher.model if config.token_weight > 0 else None,
        )
        untrained = student_agreement(student, eval_set, trainer.data_collator, config.training.eval_batch_size)
        outcome = phase.train(trainer)
        save_general_student(trainer, output_dir, tokenizer, idf, pca)
        agreement = trainer.evaluate()
        by_source = (agreement_by_source(trainer.model, eval_set, targets.eval_sources, trainer.data_collator,
                                         config.training.eval_batch_size) if len(set(targets.eval_sources)) > 1 else None)

        def record() -> dict:
            return {
                "method": "sra",
                "teacher": config.teacher,
                "representation": config.representation,
                "loss": config.loss,
                "student_type": config.student_type,
                "target_pca": config.target_pca,
                "token_weight": config.token_weight,
                "similarity_weight": config.similarity_weight,
                "held_out_sentences": len(eval_set),
                "train_sentences": len(train_set),
                "held_out_cosine": agreement["eval_cosine"],
                "held_out_cosine_untrained": untrained["cosine"],
                "held_out_mse": agreement["eval_mse"],
                **({"held_out_cosine_by_source": by_source} if by_source else {}),
                **targets.corpus_stats,
                "teacher_encoding": teacher.check.to_dict(),   # used: None when every vector came from the cache
                **general_student_metrics(str(output_dir), config.teacher, config.representation, config.max_length,
                                          config.sts_data_dir, cache_root),
                "student_shape": trained_shape(student),
                "parameters": sum(parameter.numel() for parameter in student.parameters()),
                "epochs": config.training.epochs,
                **outcome,
            }

        return finish_run(output_dir, command, record)

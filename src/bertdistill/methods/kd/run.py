"""A KD run end to end: the student, the teacher's logits on the task and transfer set, training, the record."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from datasets import Dataset
from transformers import PreTrainedModel, PreTrainedTokenizerBase, TrainerCallback, set_seed

from bertdistill.data.cache import Shard
from bertdistill.data.features import tokenize_dataset, with_lengths
from bertdistill.data.loading import TaskData, load_task_data
from bertdistill.data.tasks import TaskSpec
from bertdistill.data.transfer_set import read_transfer_set
from bertdistill.devices import resolve_device
from bertdistill.errors import ConfigError
from bertdistill.methods.kd.config import KDConfig
from bertdistill.methods.kd.transfer import transfer_examples
from bertdistill.model_config import MAX_LENGTH_CONFIG_KEY, check_positions, resolve_max_length
from bertdistill.scoring.metrics import metric_function
from bertdistill.scoring.splits import evaluate_splits, metrics_record
from bertdistill.scoring.teacher_labels import check_teacher_task, teacher_outputs, training_rows
from bertdistill.students import GENERAL_STUDENT_TYPES
from bertdistill.students.factory import new_task_bilstm
from bertdistill.students.heads import check_pair_tokenizer
from bertdistill.teachers.loading import (
    load_fine_tuned,
    load_for_training,
    load_tokenizer,
    resolve_model_path,
    task_head_settings,
)
from bertdistill.training.logit_distillation import KDCollator, KDTrainer
from bertdistill.training.outputs import check_run_folder
from bertdistill.training.run import Phase, built_once, finish_run, open_run, this_shard
from bertdistill.training.trainer import save_final_model
from bertdistill.training.vocabulary import check_same_vocabulary

logger = logging.getLogger(__name__)


def build_student(config: KDConfig, spec: TaskSpec, teacher: PreTrainedModel,
                  teacher_tokenizer: PreTrainedTokenizerBase) -> PreTrainedModel:
    """A new BiLSTM of `config.shape` over the teacher's vocabulary (built by `students.factory`), or a student
    folder with a fresh head, checked against the teacher."""
    if config.student == "bilstm":
        return new_task_bilstm(config.shape, teacher.get_input_embeddings().weight, teacher_tokenizer,
                               task_head_settings(spec))
    check_same_vocabulary(load_tokenizer(config.student), teacher_tokenizer, config.student, config.teacher)
    student = load_for_training(config.student, spec)
    if student.config.model_type not in GENERAL_STUDENT_TYPES:
        logger.warning("%s is a %s, not a BiLSTM or static student; distilling into it anyway", config.student,
                       student.config.model_type)
    return student


def teacher_max_length(config: KDConfig, teacher: PreTrainedModel) -> int:
    """--teacher-max-length, else the length the teacher was fine-tuned with, else 128."""
    length = resolve_max_length(config.teacher_max_length, teacher.config)
    if config.teacher_max_length is not None:   # a length asked for explicitly must fit the teacher
        check_positions(length, teacher.config, f"the teacher {config.teacher}", "--teacher-max-length")
    return length


def labelled_rows(config: KDConfig, data: TaskData, rows: Dataset, teacher: PreTrainedModel,
                  tokenizer: PreTrainedTokenizerBase, shard: Shard) -> tuple[Dataset, dict]:
    """The rows with the teacher's logits (`teacher_logits`; this process computes `shard` of the missing ones),
    and the teacher's own dev metrics."""
    max_length, progress = teacher_max_length(config, teacher), config.training.progress_bar
    logits = teacher_outputs(config.teacher, config.cache_dir, teacher, tokenizer, rows, max_length,
                             config.teacher_batch_size, progress, shard)
    teacher_dev = evaluate_splits(teacher.to(resolve_device()), tokenizer, data.spec, data.dev, max_length,
                                  config.training.eval_batch_size, progress=progress)
    return rows.add_column("teacher_logits", logits), teacher_dev


def kd_record(config: KDConfig, data: TaskData, transfer: Dataset | None, transfer_metadata: dict,
              teacher_dev: dict, trainer: KDTrainer) -> dict[str, Any]:
    """What metrics.json records of a KD run besides the student's scores."""
    return {
        "method": "kd", "teacher": config.teacher, "teacher_metrics": teacher_dev, "student": config.student,
        "student_path": resolve_model_path(config.student) if config.student != "bilstm" else None,
        "loss": config.loss, "alpha": config.alpha, "temperature": config.temperature,
        "original_examples": len(data.train), "transfer_examples": len(transfer) if transfer is not None else 0, "transfer_set": transfer_metadata,
        "parameters": sum(parameter.numel() for parameter in trainer.model.parameters()),
        "max_length": getattr(trainer.model.config, MAX_LENGTH_CONFIG_KEY), "epochs": config.training.epochs,
        "best_checkpoint": trainer.state.best_model_checkpoint,
    }


def distill_kd(config: KDConfig, callbacks: tuple[TrainerCallback, ...] = (), command: str | None = None) -> dict:
    """Run task-specific KD end to end; returns (and writes) metrics.json."""
    check_run_folder(config.output_dir, config.resume)
    data_config = config.data.resolved()
    data = load_task_data(data_config)  # every input is checked before anything is written
    spec = data.spec
    if spec.is_regression and config.loss == "soft-ce":
        raise ConfigError(f"task {spec.name!r} is a regression task: use --loss mse (soft-ce needs classes)")
    teacher, teacher_spec = load_fine_tuned(config.teacher)
    check_teacher_task(teacher_spec, spec, config.teacher)
    tokenizer = load_tokenizer(config.teacher)
    set_seed(config.training.seed)
    student = build_student(config, spec, teacher, tokenizer)
    check_pair_tokenizer(student, tokenizer)
    teacher_max_length(config, teacher)   # lengths are checked before anything is written
    given = (read_transfer_set(config.transfer_set, spec.is_pair, config.cache_dir)   # and so is this
             if config.transfer_set else None)
    with open_run(config.output_dir, config.resume, dataclasses.replace(config, data=data_config)) as output_dir:
        phase = Phase(output_dir, config.resume)
        progress = config.training.progress_bar

        with built_once() as building:   # the main process writes the transfer set
            transfer, transfer_metadata = transfer_examples(config, data, tokenizer.mask_token, output_dir,
                                                            progress, given, building)
        rows, teacher_dev = labelled_rows(config, data, training_rows(data, transfer), teacher, tokenizer,
                                          this_shard())   # every process computes its share of the logits
        del teacher

        setattr(student.config, MAX_LENGTH_CONFIG_KEY, data_config.max_length)
        features = tokenize_dataset(rows, tokenizer, data_config.max_length)
        features = with_lengths(features)
        dev_features = {name: tokenize_dataset(split, tokenizer, data_config.max_length)
                        for name, split in data.dev.items()}
        arguments = phase.arguments(config.training, f"{next(iter(data.dev))}_{spec.primary_metric}", ["labels"])
        trainer = KDTrainer(
            model=student, args=arguments, train_dataset=features, eval_dataset=dev_features,
            data_collator=KDCollator(tokenizer), processing_class=tokenizer, compute_metrics=metric_function(spec),
            callbacks=phase.callbacks(callbacks), objective=config.objective,
        )
        outcome = phase.train(trainer)
        save_final_model(trainer, output_dir)

        def record() -> dict:
            results = evaluate_splits(trainer.model, tokenizer, spec, data.dev, data_config.max_length,
                                      config.training.eval_batch_size, predictions_dir=output_dir, progress=progress)
            return metrics_record(spec, results, **kd_record(config, data, transfer, transfer_metadata,
                                                                teacher_dev, trainer), **outcome)

        return finish_run(output_dir, command, record)

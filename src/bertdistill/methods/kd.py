"""Task-specific distillation into a BiLSTM (Tang et al. 2019, arXiv 1903.12136; docs/methods.md, section 2).

A fine-tuned teacher labels the task's training set and a transfer set generated from it (masking,
POS-guided replacement, n-gram sampling); the student learns the teacher's logits. The student is a new
Tang-shaped BiLSTM (`bilstm`) or any bertdistill BiLSTM folder, in particular an SRA general student
("cooperation", docs/methods.md 1.4). Teacher outputs are cached on disk by example-text hash.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path
from typing import Any

from datasets import Dataset
from transformers import PreTrainedModel, PreTrainedTokenizerBase, TrainerCallback, set_seed

from bertdistill.config import Config, setting
from bertdistill.data.augmentation import AugmentConfig, PatternPosTagger, iterate_augmented
from bertdistill.data.features import tokenize_dataset, with_lengths
from bertdistill.data.loading import DataConfig, TaskData, load_task_data
from bertdistill.data.tasks import TaskSpec
from bertdistill.data.transfer_set import metadata_path, read_metadata, read_transfer_set, write_transfer_set
from bertdistill.devices import resolve_device
from bertdistill.distributed import is_main_process, main_process_first
from bertdistill.errors import ConfigError
from bertdistill.io import atomic_write_json
from bertdistill.losses.logits import LogitLoss
from bertdistill.losses.objectives import KDObjective
from bertdistill.model_config import MAX_LENGTH_CONFIG_KEY, TASK_CONFIG_KEY, check_positions, resolve_max_length
from bertdistill.scoring.metrics import metric_function
from bertdistill.scoring.splits import evaluate_splits, metrics_record
from bertdistill.scoring.teacher_labels import check_teacher_task, teacher_outputs, training_rows
from bertdistill.students import GENERAL_STUDENT_TYPES, BiLSTMForSequenceClassification
from bertdistill.students.factory import StudentShape, initialise_embeddings, student_config, tang_shape
from bertdistill.students.heads import check_pair_tokenizer
from bertdistill.teachers.loading import (
    load_fine_tuned,
    load_for_training,
    load_tokenizer,
    resolve_model_path,
    task_head_settings,
)
from bertdistill.training.arguments import TrainingConfig
from bertdistill.training.logit_distillation import KDCollator, KDTrainer
from bertdistill.training.run import Phase, open_run, record_run, recorded_run
from bertdistill.training.trainer import save_final_model
from bertdistill.training.vocabulary import check_same_vocabulary

logger = logging.getLogger(__name__)

TRANSFER_SET_FILE = "transfer_set.jsonl"


def kd_training_defaults() -> TrainingConfig:
    return TrainingConfig(epochs=5, batch_size=64, eval_batch_size=256, lr=1e-3, weight_decay=0.0,
                          warmup_ratio=0.02, logging_steps=100)


@dataclasses.dataclass(kw_only=True)
class KDConfig(Config):
    teacher: str = setting(help="a teacher fine-tuned on the task (`bertdistill finetune`)")
    output_dir: str = setting(help="where the student is saved")
    data: DataConfig = setting(help="a GLUE task, or custom CSV/TSV/JSONL files")
    student: str = setting("bilstm", help="bilstm: a new BiLSTM (the shape below, Tang et al.'s by default); or a "
                           "student folder, e.g. an SRA general student")
    shape: StudentShape = setting(factory=tang_shape, help="a new BiLSTM's shape")
    augment: bool = setting(True, help="generate a transfer set (--no-augment: train on the original examples)")
    augmentation: AugmentConfig = setting(factory=AugmentConfig, help="Tang et al.'s augmentation")
    transfer_set: str | None = setting(None, help="a transfer set saved by `bertdistill augment` (JSONL) instead "
                                       "of generating one")
    loss: LogitLoss = setting("mse", help="logit MSE (the paper's) or soft-target cross-entropy")
    temperature: float = setting(1.0, help="of soft-ce")
    alpha: float = setting(0.0, help="weight of gold-label cross-entropy on original examples (the paper's best: 0)")
    teacher_max_length: int | None = setting(None, help="the teacher's token length (unset: its fine-tuning "
                                             "length)", minimum=1)
    teacher_batch_size: int = setting(128, help="examples per teacher batch when logits are computed", minimum=1)
    training: TrainingConfig = setting(factory=kd_training_defaults, help="optimisation")
    cache_dir: str | None = setting(None, help="teacher-logit cache (unset: $BERTDISTILL_CACHE or "
                                    "~/.cache/bertdistill)")
    resume: bool = setting(False, help="continue from the last complete checkpoint in --output-dir")

    def __post_init__(self) -> None:
        if self.augmentation.seed is None:   # an unset augmentation seed follows the run's
            self.augmentation = dataclasses.replace(self.augmentation, seed=self.training.seed)
        try:
            _ = self.objective  # building it validates loss, alpha and temperature
        except ValueError as error:
            raise ConfigError(str(error)) from None
        if self.student == "bilstm" and self.shape.residual_static:
            raise ConfigError("--residual-static belongs to SRA general students (a static path added to the "
                              "projected sentence vector); a new KD student has none. Leave it off, or distil "
                              "into a general student with --student DIR")

    @property
    def objective(self) -> KDObjective:
        return KDObjective(self.loss, self.temperature, self.alpha)


def build_student(config: KDConfig, spec: TaskSpec, teacher: PreTrainedModel,
                  teacher_tokenizer: PreTrainedTokenizerBase) -> PreTrainedModel:
    """A new Tang-shaped BiLSTM over the teacher's vocabulary, or a student folder with a fresh head."""
    if config.student == "bilstm":
        embeddings = teacher.get_input_embeddings().weight                             # (V, d_T)
        pad_token_id = teacher_tokenizer.pad_token_id if teacher_tokenizer.pad_token_id is not None else 0
        settings = task_head_settings(spec)
        task = settings.pop(TASK_CONFIG_KEY)
        student_settings = student_config(config.shape, embeddings, len(teacher_tokenizer), pad_token_id,
                                          projection_dim=0, **settings)
        setattr(student_settings, TASK_CONFIG_KEY, task)
        student = BiLSTMForSequenceClassification(student_settings)
        initialise_embeddings(student, embeddings, config.shape)
        return student
    check_same_vocabulary(load_tokenizer(config.student), teacher_tokenizer, config.student, config.teacher)
    student = load_for_training(config.student, spec)
    if student.config.model_type not in GENERAL_STUDENT_TYPES:
        logger.warning("%s is a %s, not a BiLSTM or static student; distilling into it anyway", config.student,
                       student.config.model_type)
    return student


def transfer_examples(config: KDConfig, data: TaskData, mask_token: str | None, output_dir: Path,
                      progress: bool, given: Dataset | None) -> tuple[Dataset | None, dict]:
    """The synthetic examples: a given file (read before the run folder exists), the run's own saved set
    (on resume, and in the other processes of a multi-process run), or a new one, streamed to disk."""
    if given is not None:
        return given, {"transfer_set": config.transfer_set}
    if not config.augment:
        return None, {}
    path = output_dir / TRANSFER_SET_FILE
    if (config.resume or not is_main_process()) and read_metadata(path) is not None:
        return read_transfer_set(path, data.spec.is_pair), read_metadata(path)
    augmentation = config.augmentation
    if mask_token and augmentation.mask_token == AugmentConfig().mask_token:
        augmentation = dataclasses.replace(augmentation, mask_token=mask_token)
    metadata = write_generated_transfer_set(path, data, augmentation, progress)
    return read_transfer_set(path, data.spec.is_pair), metadata


def write_generated_transfer_set(path: Path, data: TaskData, augmentation: AugmentConfig,
                                 progress: bool = True) -> dict[str, Any]:
    """Augment the training set into `path` (JSONL, written as the examples are made) and its metadata."""
    train = data.train
    tagger = PatternPosTagger()
    start = time.perf_counter()
    examples = iterate_augmented(train["text"], train["text_pair"] if data.spec.is_pair else None,
                                 augmentation, tagger, progress)
    metadata = {"task": data.spec.name, "source_examples": len(train), "augmentation": augmentation.to_dict(),
                "pos_tagger": tagger.name}
    count = write_transfer_set(path, examples, metadata, when_empty=(
        "augmentation produced an empty transfer set (every sample was a duplicate); raise --n-iter or the "
        "probabilities, or use --no-augment"))
    metadata = {**metadata, "seconds": round(time.perf_counter() - start, 1), "examples": count}
    atomic_write_json(metadata_path(path), metadata)   # the time it took, known only now
    return metadata


def teacher_max_length(config: KDConfig, teacher: PreTrainedModel) -> int:
    """--teacher-max-length, else the length the teacher was fine-tuned with, else 128."""
    length = resolve_max_length(config.teacher_max_length, teacher.config)
    if config.teacher_max_length is not None:   # a length asked for explicitly must fit the teacher
        check_positions(length, teacher.config, f"the teacher {config.teacher}", "--teacher-max-length")
    return length


def labelled_rows(config: KDConfig, data: TaskData, rows: Dataset, teacher: PreTrainedModel,
                  tokenizer: PreTrainedTokenizerBase) -> tuple[Dataset, dict]:
    """The rows with the teacher's logits (`teacher_logits`), and the teacher's own dev metrics."""
    max_length, progress = teacher_max_length(config, teacher), config.training.progress_bar
    logits = teacher_outputs(config.teacher, config.cache_dir, teacher, tokenizer, rows, max_length,
                             config.teacher_batch_size, progress)
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
    given = read_transfer_set(config.transfer_set, spec.is_pair) if config.transfer_set else None   # and so is this
    with open_run(config.output_dir, config.resume, dataclasses.replace(config, data=data_config)) as output_dir:
        phase = Phase(output_dir, config.resume)
        progress = config.training.progress_bar

        with main_process_first():   # the main process writes the transfer set and fills the logit cache
            transfer, transfer_metadata = transfer_examples(config, data, tokenizer.mask_token, output_dir,
                                                            progress, given)
            rows, teacher_dev = labelled_rows(config, data, training_rows(data, transfer), teacher, tokenizer)
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
        if not is_main_process():
            return recorded_run(output_dir)

        results = evaluate_splits(trainer.model, tokenizer, spec, data.dev, data_config.max_length,
                                  config.training.eval_batch_size, predictions_dir=output_dir, progress=progress)
        record = metrics_record(spec, results, **kd_record(config, data, transfer, transfer_metadata,
                                                              teacher_dev, trainer), **outcome)
        return record_run(output_dir, record, command)

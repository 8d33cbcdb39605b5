"""TinyBERT task distillation (docs/methods.md 3.4): a fine-tuned teacher, the task data augmented by word
replacement (or a given transfer set), step 1 the intermediate losses, step 2 the prediction layer.

Step 1 runs in OUTPUT/step1 and ends with OUTPUT/step1/student; step 2 runs in OUTPUT/step2 and the final
student (best dev checkpoint) is published in OUTPUT. With `resume`, a finished step 1 is not redone and
either step continues from its last complete checkpoint. Step 2 reuses task-specific KD's trainer: soft
cross-entropy at temperature t against the teacher's cached logits, or Tang et al.'s logit MSE with
`prediction_loss: mse` (always MSE on the score for regression; the authors' code regresses STS-B on gold
labels instead, docs/methods.md 4.1).
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import time
from pathlib import Path
from typing import Any

from datasets import Dataset
from transformers import (
    BertForSequenceClassification,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    TrainerCallback,
    set_seed,
)

from bertdistill.data.cache import texts_fingerprint
from bertdistill.data.features import tokenize_dataset, with_lengths
from bertdistill.data.loading import TaskData, load_task_data
from bertdistill.data.store import Store
from bertdistill.data.transfer_set import metadata_path, read_metadata, read_transfer_set, write_transfer_set
from bertdistill.data.word_replacement import (
    CandidateSource,
    EmbeddingNeighbours,
    MaskedLMCandidates,
    augment_by_replacement,
)
from bertdistill.devices import resolve_device
from bertdistill.losses.objectives import KDObjective
from bertdistill.methods.tinybert.config import TinyBertConfig
from bertdistill.methods.tinybert.plan import plan_student, projected_student, save_student, train_intermediate
from bertdistill.methods.tinybert.training import PROJECTIONS_FILE
from bertdistill.model_config import MAX_LENGTH_CONFIG_KEY, TINYBERT_CONFIG_KEY
from bertdistill.scoring.metrics import metric_function
from bertdistill.scoring.splits import evaluate_splits, metrics_record
from bertdistill.scoring.teacher_labels import check_teacher_task, teacher_outputs, training_rows
from bertdistill.teachers.loading import (
    load_fine_tuned,
    load_masked_lm,
    load_tokenizer,
    load_weights,
    teacher_fingerprint,
)
from bertdistill.training.logit_distillation import KDCollator, KDTrainer
from bertdistill.training.run import Phase, built_once, finish_run, open_run, this_shard, written_once
from bertdistill.training.trainer import save_final_model

logger = logging.getLogger(__name__)

MASKED_LM_ARCHITECTURES = ("ForMaskedLM", "ForPreTraining")


def candidate_source(config: TinyBertConfig, teacher: PreTrainedModel,
                     tokenizer: PreTrainedTokenizerBase, max_length: int) -> CandidateSource:
    """`augmenter` when given, else the teacher's own MLM head, else its input-embedding neighbours."""
    settings = config.augmentation
    name = settings.augmenter
    if name is None and any(architecture.endswith(MASKED_LM_ARCHITECTURES)
                            for architecture in (teacher.config.architectures or [])):
        name = config.teacher
    if name is None:
        logger.info("the teacher has no masked-LM head: candidates are nearest neighbours in its input embeddings")
        return EmbeddingNeighbours(teacher.get_input_embeddings().weight, tokenizer, settings.candidates,
                                   teacher_fingerprint(config.teacher))
    model = load_masked_lm(name)
    return MaskedLMCandidates(model.to(resolve_device()), load_tokenizer(name), settings.candidates,
                              settings.batch_size, teacher_fingerprint(name), max_length)


def given_examples(config: TinyBertConfig, data: TaskData) -> Dataset | None:
    """The examples of `transfer_set` (read before anything is written, so a bad file loses nothing)."""
    return (read_transfer_set(config.transfer_set, data.spec.is_pair, config.cache_root)
            if config.transfer_set else None)


def augmented_examples(config: TinyBertConfig, data: TaskData, teacher: PreTrainedModel,
                       tokenizer: PreTrainedTokenizerBase, progress: bool,
                       given: Dataset | None = None) -> tuple[Dataset | None, dict]:
    """The given transfer set, else the augmented examples, from the on-disk cache when this data, augmenter
    and settings were seen."""
    if given is not None:
        return given, {"transfer_set": config.transfer_set, "examples": len(given)}
    if not config.augment:
        return None, {}
    train, settings = data.train, config.augmentation
    texts = texts_fingerprint(train) + (texts_fingerprint(train, "text_pair") if data.spec.is_pair else "")
    augmenter = settings.augmenter or config.teacher
    entry = Store(config.cache_root).entry(
        "tinybert-augmented", description={"task": data.spec.name, "augmenter": augmenter, "rows": len(train)},
        texts=texts, augmenter=teacher_fingerprint(augmenter), settings=settings.to_dict(),
        max_length=data_max_length(config))
    path = entry.path("augmented.jsonl")
    with entry.writing():   # two runs on one task: the second waits, then reads what the first wrote
        if not entry.manifest() and read_metadata(path) is not None:   # written before the store: vouched for now
            entry.finish([path.name, metadata_path(path).name])
        if entry.complete:
            logger.info("reusing the augmented data in %s", path)
            reused = read_transfer_set(path, data.spec.is_pair, config.cache_root)
            return reused, {**read_metadata(path), "path": str(path)}
        entry.reset()
        start = time.perf_counter()
        source = candidate_source(config, teacher, tokenizer, data_max_length(config))
        examples = augment_by_replacement(train["text"], train["text_pair"] if data.spec.is_pair else None,
                                          settings, source, progress)
        metadata = {"task": data.spec.name, "source_examples": len(train), "augmentation": settings.to_dict(),
                    "candidates": source.name, "seconds": round(time.perf_counter() - start, 1)}
        count = write_transfer_set(path, examples, metadata)
        entry.finish([path.name, metadata_path(path).name])
    augmented = read_transfer_set(path, data.spec.is_pair, config.cache_root)
    return augmented, {**metadata, "examples": count, "path": str(path)}


def data_max_length(config: TinyBertConfig) -> int:
    return config.data.max_length


def step_one(config: TinyBertConfig, plan, teacher: PreTrainedModel, tokenizer: PreTrainedTokenizerBase,
             rows: Dataset, output_dir: Path, callbacks: tuple[TrainerCallback, ...]) -> tuple[Path, dict]:
    """Intermediate losses on the (augmented) task data; returns the step's student folder."""
    run_dir, target = output_dir / "step1", output_dir / "step1" / "student"
    record = {"stage": "task-step1", "teacher": config.teacher, **plan.describe(), "projection": config.projection}
    if config.resume and (target / "config.json").is_file():
        logger.info("step 1 is already done (%s); going on with step 2", target)
        return target, {"resumed": "step 1 already done"}
    features = tokenize_dataset(rows.remove_columns(["label", "has_gold"]), tokenizer, data_max_length(config))
    features = with_lengths(features)
    model = projected_student(config, plan, teacher)
    _, outcome = train_intermediate(config, model, teacher, plan, tokenizer, features, None, run_dir, callbacks)
    written_once(lambda: save_student(model, tokenizer, target, record))   # every process goes on from it
    return target, outcome


def step_two(config: TinyBertConfig, data: TaskData, student_dir: Path, teacher: PreTrainedModel,
             tokenizer: PreTrainedTokenizerBase, rows: Dataset, output_dir: Path,
             callbacks: tuple[TrainerCallback, ...]) -> tuple[KDTrainer, dict]:
    """The prediction layer: soft cross-entropy or logit MSE (always MSE for a score) against the teacher's
    cached logits, mixed with the gold-label loss on the original examples when alpha > 0 (TextBrewer's
    hard-label weight)."""
    spec, max_length, progress = data.spec, data_max_length(config), config.prediction.progress_bar
    logits = teacher_outputs(config.teacher, config.cache_dir, teacher, tokenizer, rows, max_length,
                             config.teacher_batch_size, progress, this_shard())   # each process its share
    features = tokenize_dataset(rows.add_column("teacher_logits", logits), tokenizer, max_length)
    features = with_lengths(features)
    dev_features = {name: tokenize_dataset(split, tokenizer, max_length) for name, split in data.dev.items()}
    student = load_weights(BertForSequenceClassification, str(student_dir))
    setattr(student.config, MAX_LENGTH_CONFIG_KEY, max_length)
    phase = Phase(output_dir / "step2", config.resume)
    arguments = phase.arguments(config.prediction, f"{next(iter(data.dev))}_{spec.primary_metric}", ["labels"])
    objective = KDObjective("mse" if spec.is_regression else config.prediction_loss, config.temperature, config.alpha)
    trainer = KDTrainer(
        model=student, args=arguments, train_dataset=features, eval_dataset=dev_features,
        data_collator=KDCollator(tokenizer), processing_class=tokenizer, compute_metrics=metric_function(spec),
        callbacks=phase.callbacks(callbacks), objective=objective,
    )
    outcome = phase.train(trainer)
    return trainer, {**outcome, "best_checkpoint": trainer.state.best_model_checkpoint,
                     "loss": objective.loss, "temperature": objective.temperature, "alpha": objective.alpha}


def distill_task(config: TinyBertConfig, callbacks: tuple[TrainerCallback, ...] = (),
                 command: str | None = None) -> dict[str, Any]:
    """Task distillation end to end; returns (and writes) metrics.json."""
    data_config = config.data.resolved()
    config = dataclasses.replace(config, data=data_config)
    data = load_task_data(data_config)  # every input is checked before anything is written
    teacher, teacher_spec = load_fine_tuned(config.teacher)
    check_teacher_task(teacher_spec, data.spec, config.teacher)
    tokenizer = load_tokenizer(config.teacher)
    set_seed(config.intermediate.seed)
    plan = plan_student(config, teacher, tokenizer, data.spec)
    given = given_examples(config, data)
    with open_run(config.output_dir, config.resume, config) as output_dir:
        progress = config.prediction.progress_bar

        with built_once():   # the main process augments (or reads the cached augmentation) first
            transfer, augmentation = augmented_examples(config, data, teacher, tokenizer, progress, given)
        rows = training_rows(data, transfer)
        student_dir, first = step_one(config, plan, teacher, tokenizer, rows, output_dir, callbacks)
        trainer, second = step_two(config, data, student_dir, teacher, tokenizer, rows, output_dir, callbacks)

        description = {"stage": "task", "teacher": config.teacher, **plan.describe(), "projection": config.projection,
                       "augmented": transfer is not None and len(transfer) > 0}
        setattr(trainer.model.config, TINYBERT_CONFIG_KEY, description)
        save_final_model(trainer, output_dir)
        written_once(lambda: shutil.copyfile(student_dir / PROJECTIONS_FILE, output_dir / PROJECTIONS_FILE))

        def record() -> dict:
            teacher_dev = evaluate_splits(teacher.to(resolve_device()), tokenizer, data.spec, data.dev,
                                          data_max_length(config), config.prediction.eval_batch_size, progress=progress)
            results = evaluate_splits(trainer.model, tokenizer, data.spec, data.dev, data_max_length(config),
                                      config.prediction.eval_batch_size, predictions_dir=output_dir, progress=progress)
            return metrics_record(
                data.spec, results, method="tinybert", **description, teacher_metrics=teacher_dev,
                student=config.student, original_examples=len(data.train),
                augmented_examples=len(transfer) if transfer is not None else 0, augmentation=augmentation,
                step1=first, step2=second, max_length=data_max_length(config),
                parameters=sum(parameter.numel() for parameter in trainer.model.parameters()),
            )

        return finish_run(output_dir, command, record)

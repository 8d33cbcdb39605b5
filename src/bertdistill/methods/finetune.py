"""Fine-tune any Hugging Face encoder (or a bertdistill student) on a GLUE or custom task.

The fine-tuned teachers made here are what task-specific distillation starts from.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from transformers import DataCollatorWithPadding, TrainerCallback, set_seed

from bertdistill.config import Config, setting
from bertdistill.data.features import tokenize_dataset
from bertdistill.data.loading import DEFAULT_MAX_LENGTH, DataConfig, load_task_data
from bertdistill.model_config import MAX_LENGTH_CONFIG_KEY, check_positions
from bertdistill.scoring.metrics import metric_function
from bertdistill.scoring.splits import evaluate_splits, metrics_record
from bertdistill.students.heads import check_pair_tokenizer
from bertdistill.teachers.loading import load_for_training, load_tokenizer, resolve_model_path
from bertdistill.training.arguments import TrainingConfig, resolve_learning_rate
from bertdistill.training.outputs import check_run_folder
from bertdistill.training.run import Phase, finish_run, open_run
from bertdistill.training.trainer import Trainer, save_final_model

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class FinetuneConfig(Config):
    model: str = setting(help="`minilm` (embedded), a model folder, or a hub name")
    output_dir: str = setting(help="where the fine-tuned model is saved")
    data: DataConfig = setting(help="a GLUE task, or custom CSV/TSV/JSONL files")
    training: TrainingConfig = setting(factory=TrainingConfig, help="optimisation")
    resume: bool = setting(False, help="continue from the last complete checkpoint in --output-dir")


def fitted_length(data_config: DataConfig, model_config, model: str) -> DataConfig:
    """The default length is cut to what a small Transformer reads (with a warning); a length asked for beyond
    its positions is refused."""
    positions = getattr(model_config, "max_position_embeddings", None)
    if positions is not None and data_config.max_length > positions and data_config.max_length == DEFAULT_MAX_LENGTH:
        logger.warning("--max-length %d is more than %s reads: using %d", DEFAULT_MAX_LENGTH, model, positions)
        return dataclasses.replace(data_config, max_length=positions)
    check_positions(data_config.max_length, model_config, model)
    return data_config


def finetune(
    config: FinetuneConfig, callbacks: tuple[TrainerCallback, ...] = (), command: str | None = None
) -> dict[str, Any]:
    """Train, keep the best dev checkpoint, save it with its tokenizer, evaluate it; returns metrics.json.

    `command` (the CLI line that started the run) is recorded in metrics.json for reproduction.
    """
    check_run_folder(config.output_dir, config.resume)
    data_config = config.data.resolved()
    data = load_task_data(data_config)  # every input file is checked before anything is written
    spec = data.spec
    tokenizer = load_tokenizer(config.model)
    set_seed(config.training.seed)  # the new head is initialised here, before Trainer seeds anything
    model = load_for_training(config.model, spec)  # so is the model: a bad one leaves no output behind
    data_config = fitted_length(data_config, model.config, config.model)
    check_pair_tokenizer(model, tokenizer)
    training = resolve_learning_rate(config.training, model.config.model_type)
    with open_run(config.output_dir, config.resume,
                  dataclasses.replace(config, data=data_config, training=training)) as output_dir:
        phase = Phase(output_dir, config.resume)
        setattr(model.config, MAX_LENGTH_CONFIG_KEY, data_config.max_length)
        train_features = tokenize_dataset(data.train, tokenizer, data_config.max_length)
        dev_features = {name: tokenize_dataset(split, tokenizer, data_config.max_length)
                        for name, split in data.dev.items()}
        trainer = Trainer(
            model=model,
            args=phase.arguments(training, f"{next(iter(data.dev))}_{spec.primary_metric}"),
            train_dataset=train_features,
            eval_dataset=dev_features,
            data_collator=DataCollatorWithPadding(tokenizer),
            processing_class=tokenizer,
            compute_metrics=metric_function(spec),
            callbacks=phase.callbacks(callbacks),
        )
        outcome = phase.train(trainer)
        save_final_model(trainer, output_dir)  # the best checkpoint, with the tokenizer (processing_class)

        def record() -> dict:
            results = evaluate_splits(trainer.model, tokenizer, spec, data.dev, data_config.max_length,
                                      config.training.eval_batch_size, predictions_dir=output_dir,
                                      progress=config.training.progress_bar)
            return metrics_record(spec, results, model=config.model, model_path=resolve_model_path(config.model),
                                  split="dev", max_length=data_config.max_length, train_examples=len(data.train),
                                  epochs=config.training.epochs, best_checkpoint=trainer.state.best_model_checkpoint,
                                  **outcome)

        return finish_run(output_dir, command, record)

"""TinyBERT (Jiao et al. 2020, arXiv 1909.10351; docs/methods.md, section 3): a small Transformer student
matched to its teacher layer by layer.

- General distillation (`stage: general`): a pre-trained teacher, unlabeled sentences, the intermediate
  losses (embeddings, attention scores, hidden states). Output: a plain BERT encoder.
- Task distillation (`stage: task`, in `tinybert_task.py`): a fine-tuned teacher; step 1 the intermediate
  losses on the augmented task data, step 2 the prediction layer (soft cross-entropy, t = 1).
The student is a standard `transformers` BERT; the projections W_e, W_h are saved apart from it
(`projections.safetensors`), and the next stage continues with them.
"""

from __future__ import annotations

import logging

from transformers import (
    TrainerCallback,
    set_seed,
)

from bertdistill.data.corpus import prepare_corpus
from bertdistill.data.features import with_lengths
from bertdistill.distributed import is_distributed
from bertdistill.errors import ConfigError
from bertdistill.methods.tinybert_common import (
    TinyBertConfig,
    plan_student,
    projected_student,
    save_student,
    train_intermediate,
)
from bertdistill.methods.tinybert_task import distill_task
from bertdistill.teachers.loading import (
    load_encoder,
    load_tokenizer,
)
from bertdistill.training.run import open_run, record_run

logger = logging.getLogger(__name__)


def distill_general(config: TinyBertConfig, callbacks: tuple[TrainerCallback, ...] = (),
                    command: str | None = None) -> dict:
    """General distillation on an unlabeled corpus; returns (and writes) metrics.json."""
    corpus, corpus_stats = prepare_corpus(config.corpus, config.cache_root / "corpora")
    teacher = load_encoder(config.teacher)
    tokenizer = load_tokenizer(config.teacher)
    set_seed(config.intermediate.seed)
    plan = plan_student(config, teacher, tokenizer)
    with open_run(config.output_dir, config.resume, config) as output_dir:

        features = corpus.map(lambda batch: tokenizer(batch["text"], truncation=True, max_length=config.max_length),
                              batched=True, remove_columns=corpus.column_names, desc="tokenizing")
        features = with_lengths(features)
        held_out = min(config.eval_sentences, max(1, len(features) // 10))
        train_set = features.select(range(len(features) - held_out))
        eval_set = features.select(range(len(features) - held_out, len(features)))

        model = projected_student(config, plan, teacher)
        trainer, outcome = train_intermediate(config, model, teacher, plan, tokenizer, train_set, eval_set, output_dir,
                                              callbacks)
        held_out_loss = trainer.evaluate()["eval_loss"]
        record = {"stage": "general", "teacher": config.teacher, **plan.describe(), "projection": config.projection}
        save_student(model, tokenizer, output_dir, record)
        metrics = {
            "method": "tinybert", **record, "held_out_sentences": len(eval_set), "train_sentences": len(train_set),
            "held_out_loss": held_out_loss, **corpus_stats,
            "parameters": sum(parameter.numel() for parameter in plan.student.parameters()),
            "epochs": config.intermediate.epochs, **outcome,
        }
        return record_run(output_dir, metrics, command)


def distill_tinybert(config: TinyBertConfig, callbacks: tuple[TrainerCallback, ...] = (),
                     command: str | None = None) -> dict:
    if is_distributed():   # its stages are not rank-aware yet (their own caches, the task stage's two steps)
        raise ConfigError("distill tinybert runs in one process; multi-process runs (torchrun, accelerate "
                          "launch) are supported for finetune, distill sra and distill kd")
    if config.stage == "general":
        return distill_general(config, callbacks, command)
    return distill_task(config, callbacks, command)


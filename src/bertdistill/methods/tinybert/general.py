"""TinyBERT's general stage: a pre-trained teacher, unlabeled sentences, the intermediate losses; the output is a
plain BERT encoder (with its projections beside it) that the task stage continues."""

from __future__ import annotations

from transformers import TrainerCallback, set_seed

from bertdistill.data.corpus import prepare_corpus
from bertdistill.data.features import with_lengths
from bertdistill.methods.tinybert.config import TinyBertConfig
from bertdistill.methods.tinybert.plan import plan_student, projected_student, save_student, train_intermediate
from bertdistill.teachers.loading import load_encoder, load_tokenizer
from bertdistill.training.run import built_once, finish_run, open_run, written_once


def distill_general(config: TinyBertConfig, callbacks: tuple[TrainerCallback, ...] = (),
                    command: str | None = None) -> dict:
    """General distillation on an unlabeled corpus; returns (and writes) metrics.json."""
    tokenizer = load_tokenizer(config.teacher)
    with built_once():   # the main process builds the corpus and its token ids; the others then read them
        corpus, corpus_stats = prepare_corpus(config.corpus, config.cache_root)
        features = corpus.map(lambda batch: tokenizer(batch["text"], truncation=True, max_length=config.max_length),
                              batched=True, remove_columns=corpus.column_names, desc="tokenizing")
        features = with_lengths(features)
    teacher = load_encoder(config.teacher)
    set_seed(config.intermediate.seed)
    plan = plan_student(config, teacher, tokenizer)
    with open_run(config.output_dir, config.resume, config) as output_dir:
        held_out = min(config.eval_sentences, max(1, len(features) // 10))
        train_set = features.select(range(len(features) - held_out))
        eval_set = features.select(range(len(features) - held_out, len(features)))

        model = projected_student(config, plan, teacher)
        trainer, outcome = train_intermediate(config, model, teacher, plan, tokenizer, train_set, eval_set, output_dir,
                                              callbacks)
        held_out_loss = trainer.evaluate()["eval_loss"]
        record = {"stage": "general", "teacher": config.teacher, **plan.describe(), "projection": config.projection}
        written_once(lambda: save_student(model, tokenizer, output_dir, record))
        metrics = {
            "method": "tinybert", **record, "held_out_sentences": len(eval_set), "train_sentences": len(train_set),
            "held_out_loss": held_out_loss, **corpus_stats,
            "parameters": sum(parameter.numel() for parameter in plan.student.parameters()),
            "epochs": config.intermediate.epochs, **outcome,
        }
        return finish_run(output_dir, command, lambda: metrics)

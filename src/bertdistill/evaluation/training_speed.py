"""How fast SRA trains, part by part, side by side in one run: what limits a step on this machine.

For one SRA config (its corpus, caches and student), four measurements:

* **input path**: the Trainer's own data loader (length-grouped sampler, collator, teacher-vector lookup) with
  no model: rows and batches per second, the most any student can be fed;
* **null student**: the Trainer loop with a student that does almost nothing (a mean of 8-d token vectors and
  one linear layer): steps per second, the ceiling of the training loop itself;
* **student**: the run's real student, the same loop: rows per second;
* **teacher**: encoding the same sentences as the cache does (length-sorted batches), against the teacher's own
  plain throughput (`sentence-transformers` `encode`, which also sorts by length): sentences per second.

Steps are timed after `warmup` steps, by a callback at the end of every step, so setup is not counted. The
caches the config needs are built first if they are missing (reported apart, not timed).
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from transformers import TrainerCallback

from bertdistill.config import Config, setting
from bertdistill.data.cache import default_cache_root
from bertdistill.data.token_table import TableRows, TokenTable
from bertdistill.data.vector_file import held_in_memory
from bertdistill.devices import resolve_device
from bertdistill.methods.sra import SRAConfig, teacher_targets
from bertdistill.methods.sra.run import build_student
from bertdistill.methods.sra.training import SentenceVectorCollator, SRATrainer
from bertdistill.students.bilstm import BiLSTMModelOutput
from bertdistill.students.general import pad_id
from bertdistill.teachers.loading import load_tokenizer, resolve_model_path
from bertdistill.teachers.sentence_vector import SentenceVectorTeacher
from bertdistill.training.arguments import make_training_arguments

NULL_WIDTH = 8   # token-vector width of the null student (at 32, zeroing and updating its table took half a step)


@dataclasses.dataclass
class TimingConfig(Config):
    """How long each part is measured."""

    steps: int = setting(60, help="timed steps (or batches) per part", minimum=2)
    warmup: int = setting(10, help="steps run before timing starts", minimum=1)
    teacher_sentences: int = setting(2048, help="sentences the teacher encodes, both ways", minimum=1)


class NullStudent(nn.Module):
    """The cheapest student the loop can train: a masked mean of small token vectors and one linear layer."""

    def __init__(self, vocab_size: int, target_width: int) -> None:
        super().__init__()
        self.embeddings = nn.Embedding(vocab_size, NULL_WIDTH)
        self.projection = nn.Linear(NULL_WIDTH, target_width)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> BiLSTMModelOutput:
        mask = attention_mask.unsqueeze(-1).float()                                    # (B, T, 1)
        pooled = (self.embeddings(input_ids) * mask).sum(1) / mask.sum(1).clamp(min=1)  # (B, 8)
        return BiLSTMModelOutput(last_hidden_state=None, pooler_output=pooled, sentence_embedding=self.projection(pooled))


class StepClock(TrainerCallback):
    """The time at the end of every optimiser step."""

    def __init__(self) -> None:
        self.ends: list[float] = []

    def on_step_end(self, args, state, control, **kwargs):
        self.ends.append(time.perf_counter())


def steps_per_second(ends: list[float], warmup: int) -> float:
    timed = ends[warmup:]
    return (len(timed) - 1) / (timed[-1] - timed[0]) if len(timed) > 1 else float("nan")


def timed_trainer(config: SRAConfig, model: nn.Module, train_set, collator, steps: int, folder: Path) -> SRATrainer:
    arguments = make_training_arguments(config.training, folder, None, label_names=["teacher_vector"])
    arguments = dataclasses.replace(arguments, max_steps=steps, save_strategy="no", logging_strategy="no",
                                    logging_first_step=False, disable_tqdm=True)
    return SRATrainer(model=model, args=arguments, train_dataset=train_set, data_collator=collator,
                      objective=config.objective, temperature=config.temperature, token_teacher=None)


def measure_input_path(trainer: SRATrainer, batches: int, warmup: int) -> dict[str, float]:
    """Rows and batches per second out of the Trainer's data loader (sampler, collator, vector lookup)."""
    loader = trainer.get_train_dataloader()
    seen, rows, start = 0, 0, time.perf_counter()
    while seen < warmup + batches:          # as many passes over the data as it takes
        for batch in loader:
            seen += 1
            if seen == warmup:
                start, rows = time.perf_counter(), 0
            elif seen > warmup:
                rows += len(batch["input_ids"])
            if seen == warmup + batches:
                break
    seconds = time.perf_counter() - start
    return {"rows_per_second": rows / seconds, "batches_per_second": batches / seconds}


def measure_steps(trainer: SRATrainer, warmup: int) -> dict[str, float]:
    clock = StepClock()
    trainer.add_callback(clock)
    trainer.train()
    rate = steps_per_second(clock.ends, warmup)
    return {"steps_per_second": rate, "rows_per_second": rate * trainer.args.per_device_train_batch_size}


def encoding_rate(teacher: SentenceVectorTeacher, batches: list[tuple[torch.Tensor, torch.Tensor]]) -> float:
    """Sentences per second over `batches`, after one untimed batch (which runs a fast runtime's check)."""
    teacher.encode_batch(*batches[0])
    start = time.perf_counter()
    for input_ids, attention_mask in batches:
        teacher.encode_batch(input_ids, attention_mask)
    return sum(len(input_ids) for input_ids, _ in batches) / (time.perf_counter() - start)


def measure_teacher(config: SRAConfig, targets, sentences: int, batch_size: int) -> dict[str, Any]:
    """Sentences per second: the cache's way (length-sorted batches of token ids) in plain PyTorch and with the
    config's runtime, against sentence-transformers' own `encode`."""
    from sentence_transformers import SentenceTransformer

    rows = targets.train_rows[:sentences]
    tokens = TokenTable.of(targets.token_ids.select(rows))
    order = tokens.lengths.argsort(kind="stable")
    padding = pad_id(load_tokenizer(config.teacher))
    batches = [tokens.padded(order[begin:begin + batch_size], padding) for begin in range(0, len(order), batch_size)]
    plain_torch = SentenceVectorTeacher(config.teacher, config.representation, idf=targets.idf, runtime="torch")
    rates = {"torch": encoding_rate(plain_torch, batches)}
    if targets.teacher.runtime != "torch":
        rates[targets.teacher.runtime] = encoding_rate(targets.teacher, batches)
    plain = SentenceTransformer(resolve_model_path(config.teacher), device=resolve_device(None).type)
    plain.max_seq_length = config.max_length
    texts = targets.token_ids.select(rows)["text"]
    start = time.perf_counter()
    plain.encode(texts, batch_size=batch_size, show_progress_bar=False)
    theirs = len(texts) / (time.perf_counter() - start)
    return {"runtimes": rates, "check": targets.teacher.check.to_dict(), "sentence_transformers": theirs}


def benchmark_training(config: SRAConfig, timing: TimingConfig | None = None,
                       progress: Callable[[str], None] = lambda message: None) -> dict[str, Any]:
    """The four measurements of the module docstring, as one result (`training_speed_table` formats it)."""
    timing = timing or TimingConfig()
    steps, warmup, teacher_sentences = timing.steps, timing.warmup, timing.teacher_sentences
    cache_root = Path(config.cache_dir) if config.cache_dir else default_cache_root()
    tokenizer = load_tokenizer(config.teacher)
    progress("caches: corpus, token ids, teacher vectors (built when missing; not timed)")
    targets = teacher_targets(config, tokenizer, cache_root)
    tokens = TokenTable.of(targets.token_ids)
    train_set = TableRows(tokens, targets.train_rows)
    vectors = held_in_memory(targets.vectors, config.vectors_in_memory)
    collator = SentenceVectorCollator(tokens, vectors, pad_id(tokenizer), targets.pca)
    width = config.target_pca or targets.teacher.hidden_size
    result: dict[str, Any] = {"steps": steps, "warmup": warmup, "batch_size": config.training.batch_size,
                              "vectors": "in memory" if isinstance(vectors, np.ndarray) else "read from the file",
                              "device": resolve_device(None).type, "torch_threads": torch.get_num_threads()}
    with tempfile.TemporaryDirectory() as folder:
        progress("input path alone")
        null = NullStudent(len(tokenizer), width)
        result["input_path"] = measure_input_path(timed_trainer(config, null, train_set, collator, steps,
                                                                Path(folder)), steps, warmup)
        progress("trainer loop, null student")
        result["null_student"] = measure_steps(timed_trainer(config, null, train_set, collator, steps, Path(folder)),
                                               warmup)
        progress(f"trainer loop, {config.student_type} student")
        student = build_student(config, targets.teacher, tokenizer, width, cache_root, targets.pca)
        result["student"] = {**measure_steps(timed_trainer(config, student, train_set, collator, steps, Path(folder)),
                                             warmup), "type": config.student_type}
    progress("teacher encoding")
    result["teacher"] = {**measure_teacher(config, targets, teacher_sentences, config.training.eval_batch_size),
                         "sentences": min(teacher_sentences, len(targets.train_rows))}
    return result


def training_speed_table(result: dict[str, Any]) -> str:
    """The result as a markdown table, with each part's rate against the one it is bounded by."""
    feed, null, student, teacher = (result["input_path"], result["null_student"], result["student"],
                                    result["teacher"])
    batch = result["batch_size"]
    lines = [f"Training speed ({result['device']}, {result['torch_threads']} torch threads, batch {batch}, "
             f"{result['steps']} steps after {result['warmup']} warm-up, teacher vectors {result['vectors']}):", "",
             "| part | rows/s | batches or steps/s | against |", "|---|---|---|---|",
             f"| input path alone (sampler, collator, vector lookup) | {feed['rows_per_second']:.0f} | "
             f"{feed['batches_per_second']:.1f} batches/s | the most a student can be fed |",
             f"| trainer loop, null student | {null['rows_per_second']:.0f} | {null['steps_per_second']:.1f} steps/s | "
             f"{null['rows_per_second'] / feed['rows_per_second']:.2f}x of the input path |",
             f"| trainer loop, {student['type']} student | {student['rows_per_second']:.0f} | "
             f"{student['steps_per_second']:.2f} steps/s | {student['rows_per_second'] / null['rows_per_second']:.2f}x "
             "of the null student |",
             *[f"| teacher encoding, the cache's way ({runtime}) | {rate:.0f} | | "
               f"{rate / teacher['sentence_transformers']:.2f}x of sentence-transformers "
               f"({teacher['sentence_transformers']:.0f}/s, {teacher['sentences']} sentences), "
               f"{rate / teacher['runtimes']['torch']:.2f}x of torch |" for runtime, rate in teacher["runtimes"].items()]]
    return "\n".join(lines) + "\n"

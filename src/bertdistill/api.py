"""The Python API of the training methods: one call each, its settings named as the command line's flags.

    import bertdistill

    student = bertdistill.distill_sra(corpus="sentences.txt", output_dir="runs/general", max_sentences=100_000)
    vectors = bertdistill.encode(student, ["a sentence", "another one"])
    tuned = bertdistill.finetune(model=student, task="sst2", output_dir="runs/student-sst2")

Every setting is a field of the method's config (`SRAConfig`, `KDConfig`, `TinyBertConfig`, `FinetuneConfig`)
by its flag's name: `--max-sentences` is `max_sentences=`, `--no-progress` is `progress=False`; the config
dataclasses hold every default. `config=` starts from a config object or a recipe file (YAML, e.g. a run's
config.yaml) and the settings override it. Each call returns the saved model: its folder (usable wherever a
path is) and its metrics.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any

from bertdistill.config import Config
from bertdistill.config_tree import config_from_settings
from bertdistill.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class TrainedModel:
    """A finished run: the folder it saved (pass it wherever a path goes: `encode`, `SentenceEncoder`,
    `from_pretrained`, `finetune(model=...)`) and its metrics.json."""

    path: Path
    metrics: dict[str, Any]

    def __fspath__(self) -> str:
        return str(self.path)

    def __str__(self) -> str:
        return str(self.path)


# each training command: its config class and its run function, "module:name" (imported on first use)
METHODS = {
    "distill sra": ("bertdistill.methods.sra:SRAConfig", "bertdistill.methods.sra:distill_sra"),
    "distill kd": ("bertdistill.methods.kd:KDConfig", "bertdistill.methods.kd:distill_kd"),
    "distill tinybert": ("bertdistill.methods.tinybert:TinyBertConfig",
                         "bertdistill.methods.tinybert:distill_tinybert"),
    "finetune": ("bertdistill.methods.finetune:FinetuneConfig", "bertdistill.methods.finetune:finetune"),
}


def imported(where: str) -> Any:
    module, name = where.split(":")
    return getattr(import_module(module), name)


def method_config(command: str, config: Config | str | Path | None = None, **settings: Any) -> Config:
    """The validated config a training command would run with (nothing is run or written)."""
    if command not in METHODS:
        raise ConfigError(f"{command!r} is not a training command; one of {', '.join(METHODS)}")
    settings = {name: os.fspath(value) if isinstance(value, os.PathLike) else value
                for name, value in settings.items()}
    return config_from_settings(imported(METHODS[command][0]), settings, config, command)


def silence_library_progress_bars() -> None:
    """`progress=False` (`--no-progress`) covers the bars `datasets` and `transformers` draw themselves
    (dataset building, tokenizing, weight loading), not only the Trainer's."""
    import datasets
    import transformers

    datasets.disable_progress_bars()
    transformers.utils.logging.disable_progress_bar()


def run_command(command: str, config: Config | str | Path | None = None, **settings: Any) -> TrainedModel:
    """Run a training command (`distill sra`, `distill kd`, `distill tinybert`, `finetune`) from Python."""
    built = method_config(command, config, **settings)
    if not built.training.progress_bar:
        silence_library_progress_bars()
    run: Callable[..., dict] = imported(METHODS[command][1])
    metrics = run(built, command=f"python: bertdistill.run_command({command!r}, ...)")
    return TrainedModel(Path(built.output_dir), metrics)


def distill_sra(config: Config | str | Path | None = None, **settings: Any) -> TrainedModel:
    """A general student from unlabeled text: a frozen teacher's sentence vectors, approximated (SRA).

    Settings are `SRAConfig`'s, by flag name: `corpus` (files, globs or hf:NAME; required), `output_dir`
    (required), `teacher` (default minilm), `student` ("bilstm" or "static"), `max_sentences`, `epochs`, ...
    (`bertdistill distill sra --help` lists them all with their defaults)."""
    return run_command("distill sra", config, **settings)


def distill_kd(config: Config | str | Path | None = None, **settings: Any) -> TrainedModel:
    """A task student from a fine-tuned teacher's logits (Tang et al. 2019): `teacher`, `output_dir` and
    the task (`task=` or `train_file=`/`dev_file=`) are required; `KDConfig`'s other settings by flag name."""
    return run_command("distill kd", config, **settings)


def distill_tinybert(config: Config | str | Path | None = None, **settings: Any) -> TrainedModel:
    """A small Transformer matched layer by layer (Jiao et al. 2020): `stage` ("general" with `corpus`, or
    "task" with a fine-tuned `teacher` and the task), `teacher` and `output_dir` are required."""
    return run_command("distill tinybert", config, **settings)


def finetune(config: Config | str | Path | None = None, **settings: Any) -> TrainedModel:
    """Fine-tune a teacher or a student on a task: `model`, `output_dir` and the task are required."""
    return run_command("finetune", config, **settings)

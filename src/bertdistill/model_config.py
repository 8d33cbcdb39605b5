"""What bertdistill adds to a model's `config.json`, defined once.

A fine-tuned model records its task (`bertdistill_task`: labels, metrics, pair column) and the token length
it was trained with (`bertdistill_max_length`); a general student records how it was made
(`bertdistill_general`, and `bertdistill_tinybert` for TinyBERT students). Everything that reads or writes
these keys imports them from here.
"""

from __future__ import annotations

from typing import Any

from bertdistill.errors import ConfigError

TASK_CONFIG_KEY = "bertdistill_task"
MAX_LENGTH_CONFIG_KEY = "bertdistill_max_length"
GENERAL_CONFIG_KEY = "bertdistill_general"
TINYBERT_CONFIG_KEY = "bertdistill_tinybert"     # how a TinyBERT student was made
DEFAULT_MAX_LENGTH = 128


def resolve_max_length(requested: int | None, config: Any = None) -> int:
    """The token length to use: `requested` when given, else the length the model was trained with (its
    config.json), else 128. A requested length below 1 is an error, not a silent default."""
    if requested is not None:
        if requested < 1:
            raise ConfigError(f"--max-length must be >= 1, got {requested}")
        return requested
    return getattr(config, MAX_LENGTH_CONFIG_KEY, None) or DEFAULT_MAX_LENGTH


def check_positions(max_length: int, config: Any, what: str, flag: str = "--max-length") -> None:
    """A Transformer reads at most `max_position_embeddings` tokens: a longer length asked for is refused
    here, before anything runs, instead of failing inside the model with a tensor-size error."""
    positions = getattr(config, "max_position_embeddings", None)
    if positions is not None and max_length > positions:
        raise ConfigError(f"{flag} {max_length}: {what} reads at most {positions} tokens")

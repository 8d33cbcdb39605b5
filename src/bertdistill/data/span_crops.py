"""Span crops: random runs of consecutive words cut from corpus sentences, extra SRA training texts.

The teacher encodes each crop like any sentence, so the student also learns what the teacher makes of short,
fragmentary text (headlines, captions, forum lines), which a corpus of whole Wikipedia sentences rarely shows.
A crop of a sentence of n words (n >= min_words + 1) has a length drawn uniformly from
[min_words, min(max_words, n - 1)] and a start drawn uniformly among the places it fits; shorter sentences give
none. Each sentence's draws come from its own `random.Random`, seeded by the crop seed and the sentence's row,
so the crops do not depend on batching (or on a rerun).
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence

from bertdistill.config import Config, seed_or_default, setting
from bertdistill.errors import ConfigError


@dataclasses.dataclass
class SpanCropConfig(Config):
    """How many crops each training sentence gives, and their length in words (split on white space)."""

    per_sentence: int = setting(0, flag="--span-crops", metavar="N", help="add N random word spans of each "
                                "training sentence as extra training texts, each encoded by the teacher (cached): "
                                "short, fragmentary text that whole corpus sentences rarely show; 0: none")
    min_words: int = setting(4, flag="--crop-min-words", help="shortest span crop, in words", minimum=1)
    max_words: int = setting(16, flag="--crop-max-words", help="longest span crop, in words", minimum=1)
    seed: int | None = setting(None, flag="--crop-seed", metavar="N",
                               help="seed of the crops (unset: the corpus seed)", minimum=0)

    def __post_init__(self) -> None:
        if self.per_sentence < 0:
            raise ConfigError(f"span crops per sentence must be >= 0, got {self.per_sentence}")
        if not 1 <= self.min_words <= self.max_words:
            raise ConfigError(f"need 1 <= crop min_words <= max_words, got {self.min_words} and {self.max_words}")


def sentence_crops(text: str, row: int, config: SpanCropConfig) -> list[str]:
    """`config.per_sentence` random spans of `text` (fewer when duplicates collide; none for a short text)."""
    words = text.split()
    longest = min(config.max_words, len(words) - 1)
    if longest < config.min_words:
        return []
    draw = random.Random(f"{seed_or_default(config.seed)}:{row}")
    crops: list[str] = []
    for _ in range(config.per_sentence):
        length = draw.randint(config.min_words, longest)
        start = draw.randrange(len(words) - length + 1)
        crop = " ".join(words[start : start + length])
        if crop not in crops:
            crops.append(crop)
    return crops


def crop_batch(batch: dict, rows: Sequence[int], config: SpanCropConfig) -> dict:
    """`datasets.map(batched=True, with_indices=True)` form: a batch of sentences -> a batch of their crops."""
    texts = [crop for text, row in zip(batch["text"], rows, strict=True) for crop in sentence_crops(text, row, config)]
    return {"text": texts}

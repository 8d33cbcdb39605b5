"""Transfer-set augmentation after Tang et al. 2019 (docs/methods.md, section 2.4).

For each training example, `n_iter` times:

1. each word, with X ~ U[0, 1]: X < p_mask -> the mask token; else X < p_mask + p_pos -> a word with the
   same part-of-speech tag, drawn in proportion to its frequency in the training set; else kept;
2. with probability p_ngram, only one random n-gram (n uniform in [min_ngram, max_ngram]) is kept;
3. duplicates (of the originals or of earlier samples) are discarded.

Pairs rotate between augmenting the first sentence, the second, and both. The POS tagger is TextBlob's
PatternTagger (Penn Treebank tags; its lexicon ships in the wheel, so it runs offline). Every random
draw comes from one `random.Random(seed)`, so the transfer set is a function of the data and the seed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Protocol

from tqdm.auto import tqdm

from bertdistill.config import Config, seed_or_default, setting
from bertdistill.errors import ConfigError

WORD_PATTERN = re.compile(r"\w+(?:'\w+)*|'\w+|[^\w\s]")


@dataclasses.dataclass
class AugmentConfig(Config):
    """Tang et al.'s defaults: p_mask 0.1, p_pos 0.1, p_ng 0.25, n-grams of 1 to 5, n_iter 20 (SST-2)."""

    n_iter: int = setting(20, help="samples tried per example", minimum=1)
    p_mask: float = setting(0.1, help="per-word masking probability")
    p_pos: float = setting(0.1, help="per-word probability of a same-POS replacement")
    p_ngram: float = setting(0.25, help="probability of keeping only one random n-gram")
    min_ngram: int = setting(1, help="shortest n-gram kept", minimum=1)
    max_ngram: int = setting(5, help="longest n-gram kept", minimum=1)
    mask_token: str = setting("[MASK]", help="the masking word (a distillation run uses its teacher's own)")
    seed: int | None = setting(None, flag="--augmentation-seed", metavar="N", help="seed of the samples (unset: "
                               "the run's --seed)", minimum=0)

    def __post_init__(self) -> None:
        if self.n_iter < 1:
            raise ConfigError(f"n_iter must be >= 1, got {self.n_iter}")
        for name in ("p_mask", "p_pos", "p_ngram"):
            if not 0 <= getattr(self, name) <= 1:
                raise ConfigError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        if self.p_mask + self.p_pos > 1:
            raise ConfigError(f"p_mask + p_pos must be <= 1, got {self.p_mask + self.p_pos}")
        if not 1 <= self.min_ngram <= self.max_ngram:
            raise ConfigError(f"need 1 <= min_ngram <= max_ngram, got {self.min_ngram} and {self.max_ngram}")
        if not self.mask_token.strip() or " " in self.mask_token:
            raise ConfigError(f"mask_token must be one non-empty word, got {self.mask_token!r}")


class RandomSource(Protocol):
    """The two draws augmentation uses (`random.Random` has both; tests script them)."""

    def random(self) -> float: ...

    def randrange(self, stop: int) -> int: ...


class PosTagger(Protocol):
    def tag(self, words: Sequence[str]) -> list[str]: ...


class PatternPosTagger:
    """TextBlob's offline PatternTagger on pre-split words (one Penn Treebank tag per word)."""

    name = "textblob.en.taggers.PatternTagger"

    def __init__(self) -> None:
        from textblob.en.taggers import PatternTagger

        self._tagger = PatternTagger()

    def tag(self, words: Sequence[str]) -> list[str]:
        if not words:
            return []
        tagged = self._tagger.tag(" ".join(words), tokenize=False)
        if len(tagged) != len(words):  # the tagger split or merged something: tag words one by one
            return [self._tagger.tag(word, tokenize=False)[0][1] for word in words]
        return [tag for _, tag in tagged]


def split_words(text: str) -> list[str]:
    """Words and punctuation marks (`isn't` and `'s` stay whole), the unit that augmentation edits."""
    return WORD_PATTERN.findall(text)


class PosVocabulary:
    """Every word occurrence of the training set under its tag: a uniform draw from a tag's list is a
    draw weighted by training-set frequency."""

    def __init__(self, tagged_sentences: Sequence[tuple[Sequence[str], Sequence[str]]]) -> None:
        self.words_by_tag: dict[str, list[str]] = defaultdict(list)
        for words, tags in tagged_sentences:
            for word, tag in zip(words, tags, strict=True):
                self.words_by_tag[tag].append(word)

    def sample(self, tag: str, fallback: str, rng: RandomSource) -> str:
        candidates = self.words_by_tag.get(tag)
        if not candidates:
            return fallback
        return candidates[rng.randrange(len(candidates))]


def mask_and_replace(words: Sequence[str], tags: Sequence[str], vocabulary: PosVocabulary,
                     config: AugmentConfig, rng: RandomSource) -> list[str]:
    """Step 1: one draw per word; a word is masked, or replaced by a same-tag word, never both."""
    result = []
    for word, tag in zip(words, tags, strict=True):
        draw = rng.random()
        if draw < config.p_mask:
            result.append(config.mask_token)
        elif draw < config.p_mask + config.p_pos:
            result.append(vocabulary.sample(tag, word, rng))
        else:
            result.append(word)
    return result


def sample_ngram(words: Sequence[str], config: AugmentConfig, rng: RandomSource) -> list[str]:
    """Step 2: keep one random window of n words, n uniform in [min_ngram, max_ngram] (capped at the length)."""
    if not words:
        return list(words)
    low = min(config.min_ngram, len(words))
    high = min(config.max_ngram, len(words))
    n = low + rng.randrange(high - low + 1)
    start = rng.randrange(len(words) - n + 1)
    return list(words[start : start + n])


def augment_words(words: Sequence[str], tags: Sequence[str], vocabulary: PosVocabulary,
                  config: AugmentConfig, rng: RandomSource) -> list[str]:
    """Steps 1 and 2 for one sentence."""
    changed = mask_and_replace(words, tags, vocabulary, config, rng)
    if rng.random() < config.p_ngram:
        changed = sample_ngram(changed, config, rng)
    return changed


@dataclasses.dataclass(frozen=True)
class TransferExample:
    text: str
    text_pair: str | None
    source: int  # row of the original example it was made from


PAIR_SIDES = ("first", "second", "both")  # the paper's rotation for sentence pairs


def augment_examples(texts: Sequence[str], pairs: Sequence[str] | None, config: AugmentConfig,
                     tagger: PosTagger | None = None, progress: bool = True) -> list[TransferExample]:
    """The synthetic examples only (originals excluded), in source order, duplicates removed."""
    return list(iterate_augmented(texts, pairs, config, tagger, progress))


def iterate_augmented(texts: Sequence[str], pairs: Sequence[str] | None, config: AugmentConfig,
                      tagger: PosTagger | None = None, progress: bool = True) -> Iterator[TransferExample]:
    """`augment_examples` one example at a time, so a transfer set many times the training set streams to disk.
    What stays in memory grows with the training set (its words and tags), not with the output: duplicates
    are recognised by an 8-byte digest of each example."""
    tagger = tagger or PatternPosTagger()
    sides = [texts] if pairs is None else [texts, pairs]
    tagged = [[(words, tagger.tag(words)) for words in map(split_words, side)] for side in sides]
    vocabulary = PosVocabulary([sentence for side in tagged for sentence in side])
    rng = random.Random(seed_or_default(config.seed))
    seen = {_digest(text, None if pairs is None else pairs[index]) for index, text in enumerate(texts)}
    seen |= {_digest(*_joined(index, tagged)) for index in range(len(texts))}
    for index in tqdm(range(len(texts)), desc="augmenting", disable=None if progress else True, leave=False):
        for iteration in range(config.n_iter):
            which = PAIR_SIDES[iteration % 3] if pairs is not None else "first"
            new = []
            for side_index, side in enumerate(tagged):
                words, tags = side[index]
                edit = which == "both" or which == PAIR_SIDES[side_index]
                new.append(augment_words(words, tags, vocabulary, config, rng) if edit else list(words))
            text, pair = " ".join(new[0]), " ".join(new[1]) if pairs is not None else None
            digest = _digest(text, pair)
            if digest in seen or not text or (pairs is not None and not pair):
                continue
            seen.add(digest)
            yield TransferExample(text, pair, index)


def _digest(text: str, pair: str | None) -> bytes:
    """8 bytes that tell examples apart (a collision, at ~1e-19 per pair, would drop one synthetic example)."""
    key = text if pair is None else f"{text}\x00{pair}"
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()


def _joined(index: int, tagged: list[list[tuple[list[str], list[str]]]]) -> tuple[str, str | None]:
    """An original as augmentation would write it unchanged (words joined by spaces)."""
    first = " ".join(tagged[0][index][0])
    return first, (" ".join(tagged[1][index][0]) if len(tagged) > 1 else None)

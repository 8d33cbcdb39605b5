"""TinyBERT's task-data augmentation: word replacement (Jiao et al. 2020, section 3.2; docs/methods.md 3.5).

For every word, candidates are built once; then, N_a times per example, each word with candidates is
replaced by a random one of them with probability p_t (paper: p_t 0.4, N_a 20, K 15). Candidates:
- `MaskedLMCandidates`: a single-piece word is masked and a masked LM's top-K predictions are taken
  (the masked sentence paired with the original, as the authors' code does); a multi-piece word, which
  the paper replaces by GloVe neighbours, takes the K nearest whole words in the LM's input embeddings.
- `EmbeddingNeighbours`: every word takes its K nearest whole words (cosine) in an input-embedding matrix,
  a multi-piece word through the mean of its pieces. The fallback for teachers with no MLM head (the
  embedded MiniLM has none): no other model, no download.
As in the authors' code, stop words and words that are not purely alphabetic are kept; candidates
starting with `##`, special tokens and the word itself are never used. Masked-LM passes are batched.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence
from typing import Protocol

import torch
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from tqdm.auto import tqdm
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from bertdistill.config import Config, seed_or_default, setting
from bertdistill.data.augmentation import TransferExample
from bertdistill.errors import ConfigError


@dataclasses.dataclass
class WordReplacementConfig(Config):
    n_samples: int = setting(20, help="N_a: attempts per example (a duplicate uses one up, as in the paper's "
                             "code)", minimum=1)
    candidates: int = setting(15, help="K: candidates per word", minimum=1)
    p_replace: float = setting(0.4, help="p_t: per-word replacement probability")
    augmenter: str | None = setting(None, help="a masked LM for candidates (unset: the teacher's MLM head, else "
                                    "nearest neighbours in the teacher's input embeddings)")
    batch_size: int = setting(64, flag="--augmenter-batch-size", help="sentences per augmenter batch", minimum=1)
    seed: int | None = setting(None, flag="--augmentation-seed", metavar="N", help="seed of the replacements "
                               "(unset: the run's --seed)", minimum=0)

    def __post_init__(self) -> None:
        if self.n_samples < 1 or self.candidates < 1 or self.batch_size < 1:
            raise ConfigError("n_samples, candidates and batch_size must be >= 1")
        if not 0 < self.p_replace <= 1:
            raise ConfigError(f"p_replace must be in (0, 1], got {self.p_replace}")


def replaceable(word: str) -> bool:
    return word.isalpha() and word.lower() not in ENGLISH_STOP_WORDS


def whole_word_ids(tokenizer: PreTrainedTokenizerBase) -> list[int]:
    """Vocabulary entries usable as replacements: alphabetic, not `##` pieces, not special tokens."""
    special = set(tokenizer.all_special_ids)
    return [index for token, index in sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])
            if token.isalpha() and index not in special]


class CandidateSource(Protocol):
    name: str

    def candidates(self, sentences: list[list[str]], progress: bool) -> list[list[list[str]]]:
        """For each sentence (a list of words), each word's replacement candidates ([] = keep it)."""


class EmbeddingNeighbours:
    """Context-free candidates: the K whole words nearest (cosine) to the word's input embedding."""

    def __init__(self, embeddings: torch.Tensor, tokenizer: PreTrainedTokenizerBase, k: int, name: str) -> None:
        self.tokenizer, self.k, self.name = tokenizer, k, f"embedding-neighbours:{name}"
        self.embeddings = embeddings.detach().float().cpu()                              # (V, d)
        self.vocabulary_ids = torch.tensor(whole_word_ids(tokenizer))                    # (W,)
        vocabulary = torch.nn.functional.normalize(self.embeddings[self.vocabulary_ids], dim=-1)  # (W, d)
        self.vocabulary = vocabulary
        self.tokens = tokenizer.convert_ids_to_tokens(self.vocabulary_ids.tolist())
        self.cache: dict[str, list[str]] = {}

    def neighbours(self, words: list[str]) -> list[list[str]]:
        missing = sorted({word.lower() for word in words} - set(self.cache))
        for start in range(0, len(missing), 512):
            chunk = missing[start:start + 512]
            pieces = [self.tokenizer.convert_tokens_to_ids(self.tokenizer.tokenize(word)) for word in chunk]
            vectors = torch.stack([self.embeddings[ids].mean(0) for ids in pieces])      # (n, d)
            similarity = torch.nn.functional.normalize(vectors, dim=-1) @ self.vocabulary.T  # (n, W)
            top = similarity.topk(min(self.k + 1, similarity.shape[1]), dim=-1).indices  # (n, K+1)
            for word, row in zip(chunk, top.tolist()):
                self.cache[word] = [self.tokens[index] for index in row if self.tokens[index] != word][: self.k]
        return [self.cache[word.lower()] for word in words]

    def candidates(self, sentences: list[list[str]], progress: bool) -> list[list[list[str]]]:
        eligible = [word for words in sentences for word in words if replaceable(word)]
        self.neighbours(eligible)
        return [[self.cache[word.lower()] if replaceable(word) else [] for word in words] for words in sentences]


class MaskedLMCandidates:
    """Contextual candidates from a masked LM's top-K predictions, one masked position per row."""

    def __init__(self, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, k: int, batch_size: int,
                 name: str, max_length: int = 128) -> None:
        if tokenizer.mask_token is None:
            raise ConfigError(f"the augmenter {name} has no mask token")
        self.model, self.tokenizer, self.k, self.batch_size = model.eval(), tokenizer, k, batch_size
        self.max_length, self.name = max_length, f"masked-lm:{name}"
        self.fallback = EmbeddingNeighbours(model.get_input_embeddings().weight, tokenizer, k, name)
        allowed = torch.full((model.config.vocab_size,), float("-inf"))
        allowed[self.fallback.vocabulary_ids] = 0.0
        self.allowed = allowed                                                           # (V,)

    def candidates(self, sentences: list[list[str]], progress: bool) -> list[list[list[str]]]:
        result = [[[] for _ in words] for words in sentences]
        single, multiple = [], []
        for row, words in enumerate(sentences):
            for position, word in enumerate(words):
                if replaceable(word):
                    is_single = len(self.tokenizer.tokenize(word)) == 1
                    (single if is_single else multiple).append((row, position))
        for (row, position), neighbours in zip(multiple, self.fallback.neighbours(
                [sentences[row][position] for row, position in multiple])):
            result[row][position] = neighbours
        device = next(self.model.parameters()).device
        for start in tqdm(range(0, len(single), self.batch_size), disable=not progress, desc="masked-LM candidates"):
            chunk = single[start:start + self.batch_size]
            masked = [" ".join(self.tokenizer.mask_token if index == position else word
                               for index, word in enumerate(sentences[row])) for row, position in chunk]
            originals = [" ".join(sentences[row]) for row, _ in chunk]
            # longest_first: a masked sentence longer than max_length alone is cut too (only_second raised)
            batch = self.tokenizer(masked, originals, truncation="longest_first", max_length=self.max_length,
                                   padding=True, return_tensors="pt").to(device)
            is_mask = batch["input_ids"] == self.tokenizer.mask_token_id                 # (n, T)
            first = is_mask.int().argmax(dim=1)                                          # (n,) first mask
            with torch.inference_mode():
                logits = self.model(**batch).logits                                      # (n, T, V)
                at_mask = logits[torch.arange(len(chunk), device=device), first].float().cpu()  # (n, V): only these
            kept = is_mask.any(dim=1).cpu()                                              # (n,) mask not cut away
            for index, (row, position) in enumerate(chunk):
                if not kept[index]:
                    continue
                scores = at_mask[index, : self.allowed.shape[0]] + self.allowed         # (V,)
                tokens = self.tokenizer.convert_ids_to_tokens(scores.topk(self.k + 1).indices.tolist())
                word = sentences[row][position].lower()
                result[row][position] = [token for token in tokens if token != word][: self.k]
        return result


def sample_replacements(words: list[str], candidates: list[list[str]], p_replace: float,
                        rng: random.Random) -> list[str]:
    """One augmented copy: each word with candidates is replaced by a random one with probability p."""
    return [rng.choice(options) if options and rng.random() < p_replace else word
            for word, options in zip(words, candidates)]


def augment_by_replacement(texts: Sequence[str], pairs: Sequence[str] | None, config: WordReplacementConfig,
                           source: CandidateSource, progress: bool = True) -> list[TransferExample]:
    """N_a attempts per example; attempts equal to the original or to an earlier variant are dropped.
    Pairs: both sentences are augmented in the same attempt."""
    firsts = [text.split() for text in texts]
    seconds = [text.split() for text in pairs] if pairs is not None else None
    first_candidates = source.candidates(firsts, progress)
    second_candidates = source.candidates(seconds, progress) if seconds is not None else None
    rng = random.Random(seed_or_default(config.seed))
    examples: list[TransferExample] = []
    for row in tqdm(range(len(firsts)), disable=not progress, desc="augmenting"):
        seen = {(" ".join(firsts[row]), " ".join(seconds[row]) if seconds else None)}
        for _ in range(config.n_samples):
            text = " ".join(sample_replacements(firsts[row], first_candidates[row], config.p_replace, rng))
            pair = None
            if seconds is not None:
                pair = " ".join(sample_replacements(seconds[row], second_candidates[row], config.p_replace, rng))
            if (text, pair) not in seen:
                seen.add((text, pair))
                examples.append(TransferExample(text, pair, row))
    return examples

"""TinyBERT's word-replacement augmentation: candidates from embedding neighbours and from a masked LM,
which words are replaceable, sampling, de-duplication and determinism."""

import random

import pytest
import torch
from transformers import AutoTokenizer, BertConfig, BertForMaskedLM

from bertdistill.data.word_replacement import (
    EmbeddingNeighbours,
    MaskedLMCandidates,
    WordReplacementConfig,
    augment_by_replacement,
    replaceable,
    sample_replacements,
)
from bertdistill.errors import ConfigError
from tests.conftest import make_tiny_bert


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    return AutoTokenizer.from_pretrained(make_tiny_bert(tmp_path_factory.mktemp("tiny")))


def designed_embeddings(tokenizer) -> torch.Tensor:
    """"good" is nearest to "great", then "fine"; a `##` piece and [MASK] are nearer still (never used)."""
    vocabulary = tokenizer.get_vocab()
    generator = torch.Generator().manual_seed(0)
    embeddings = torch.randn(len(vocabulary), 4, generator=generator) * 0.05
    embeddings[:, 3] += 1.0                                                   # everything else points along dim 3
    rows = {"good": [1, 0, 0, 0], "great": [0.9, 0.1, 0, 0], "fine": [0.6, 0.4, 0, 0], "##s": [1, 0.01, 0, 0],
            "[MASK]": [1, 0, 0.01, 0], "bad": [-1, 0, 0, 0], "awful": [-0.9, 0, 0.1, 0]}
    for token, vector in rows.items():
        embeddings[vocabulary[token]] = torch.tensor(vector)
    return embeddings


def test_embedding_neighbours_are_whole_words_nearest_by_cosine(tokenizer):
    source = EmbeddingNeighbours(designed_embeddings(tokenizer), tokenizer, 2, "designed")
    assert source.neighbours(["good", "bad"]) == [["great", "fine"], ["awful", source.neighbours(["bad"])[0][1]]]
    assert "bad" not in source.neighbours(["bad"])[0]
    candidates = source.candidates([["the", "good", "movie.", "bad"]], progress=False)[0]
    assert candidates[0] == [] and candidates[2] == []                       # stop word; not purely alphabetic
    assert candidates[1] == ["great", "fine"] and len(candidates[3]) == 2
    multi = source.neighbours(["goods"])[0]                                   # two pieces: good + ##s
    assert len(multi) == 2 and all(not token.startswith("##") for token in multi)


def test_replaceable_words():
    assert replaceable("movie") and not replaceable("the") and not replaceable("it's") and not replaceable("42")


def test_sample_replacements_follows_the_draws():
    class Scripted(random.Random):
        def __init__(self, draws):
            super().__init__(0)
            self.draws = list(draws)

        def random(self):
            return self.draws.pop(0)

        def choice(self, options):
            return options[-1]

    words, candidates = ["a", "good", "plot", "bad"], [[], ["great"], ["story"], ["awful"]]
    # words with candidates draw in order: 0.1 < 0.4 replace, 0.9 keep, 0.39 replace; "a" draws nothing
    assert sample_replacements(words, candidates, 0.4, Scripted([0.1, 0.9, 0.39])) == ["a", "great", "plot", "awful"]


def test_augmentation_is_seeded_deduplicated_and_handles_pairs(tokenizer):
    source = EmbeddingNeighbours(designed_embeddings(tokenizer), tokenizer, 3, "designed")
    texts, pairs = ["the good movie", "a bad plot", "the the"], ["great acting", "fine music", "so so"]
    config = WordReplacementConfig(n_samples=6, candidates=3, p_replace=0.5, seed=3)
    first = augment_by_replacement(texts, pairs, config, source, progress=False)
    assert first == augment_by_replacement(texts, pairs, config, source, progress=False)
    keys = [(example.text, example.text_pair) for example in first]
    assert len(keys) == len(set(keys)) and set(keys).isdisjoint(zip(texts, pairs))
    assert all(example.source != 2 for example in first)                      # nothing replaceable in row 2
    assert all(len(example.text.split()) == len(texts[example.source].split()) for example in first)
    assert 0 < sum(example.source == 0 for example in first) <= 6
    single = augment_by_replacement(texts, None, config, source, progress=False)
    assert all(example.text_pair is None for example in single)


def test_masked_lm_candidates_are_its_top_predictions_and_batching_changes_nothing(tokenizer):
    torch.manual_seed(0)
    model = BertForMaskedLM(BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=1,
                                       num_attention_heads=4, intermediate_size=37, max_position_embeddings=64))
    sentences = [["the", "good", "movie"], ["a", "boring", "plot", "and", "music"]]
    one = MaskedLMCandidates(model, tokenizer, 3, 1, "tiny").candidates(sentences, progress=False)
    many = MaskedLMCandidates(model, tokenizer, 3, 16, "tiny").candidates(sentences, progress=False)
    assert one == many
    assert one[0][0] == [] and all(len(candidates) == 3 for candidates in (one[0][1], one[0][2], one[1][2]))
    # by hand for "movie": mask it, pair with the original, top whole-word predictions other than itself
    inputs = tokenizer("the good [MASK]", "the good movie", return_tensors="pt")
    with torch.no_grad():
        logits = model.eval()(**inputs).logits[0, 3]
    ranked = [tokenizer.convert_ids_to_tokens(index) for index in logits.argsort(descending=True).tolist()]
    allowed = [token for token in ranked if token.isalpha() and token not in tokenizer.all_special_tokens
               and token != "movie"]
    assert one[0][2] == allowed[:3]

    # a masked sentence longer than max_length is cut, not a crash; words whose mask was cut get none
    long = [["the", "good", "movie"] * 30]
    cut = MaskedLMCandidates(model, tokenizer, 3, 8, "tiny", max_length=16).candidates(long, progress=False)
    assert len(cut[0]) == 90 and cut[0][2] and not any(cut[0][40:])


def test_bad_settings():
    with pytest.raises(ConfigError):
        WordReplacementConfig(p_replace=0.0)
    with pytest.raises(ConfigError):
        WordReplacementConfig(n_samples=0)

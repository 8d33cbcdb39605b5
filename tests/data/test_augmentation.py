"""Tang et al. augmentation: each operation on scripted random draws (exact outputs), then whole runs."""

import random

import pytest

from bertdistill.data.augmentation import (
    AugmentConfig,
    PatternPosTagger,
    PosVocabulary,
    augment_examples,
    augment_words,
    mask_and_replace,
    sample_ngram,
    split_words,
)
from bertdistill.errors import ConfigError


class ScriptedRandom:
    """Returns the given draws in order, so every branch of an operation is chosen by the test."""

    def __init__(self, uniforms=(), integers=()) -> None:
        self.uniforms, self.integers = list(uniforms), list(integers)
        self.ranges = []

    def random(self) -> float:
        return self.uniforms.pop(0)

    def randrange(self, stop: int) -> int:
        self.ranges.append(stop)
        value = self.integers.pop(0)
        assert 0 <= value < stop
        return value


class TagByTable:
    def __init__(self, table: dict[str, str]) -> None:
        self.table = table

    def tag(self, words):
        return [self.table.get(word, "NN") for word in words]


WORDS = ["the", "film", "was", "great"]
TAGS = ["DT", "NN", "VBD", "JJ"]
VOCABULARY = PosVocabulary([(["a", "movie", "is", "dull", "movie"], ["DT", "NN", "VBZ", "JJ", "NN"])])


def test_split_words_keeps_contractions_and_separates_punctuation():
    assert split_words("The cat's toy, isn't it?") == ["The", "cat's", "toy", ",", "isn't", "it", "?"]
    assert split_words("it 's fine .") == ["it", "'s", "fine", "."]


def test_mask_and_replace_follows_each_draw():
    config = AugmentConfig(p_mask=0.1, p_pos=0.2)
    # draws: 0.05 < p_mask -> mask; 0.25 in [0.1, 0.3) -> same-tag word; 0.95 -> keep; 0.15 -> replace
    rng = ScriptedRandom(uniforms=[0.05, 0.25, 0.95, 0.15], integers=[1, 0])
    assert mask_and_replace(WORDS, TAGS, VOCABULARY, config, rng) == ["[MASK]", "movie", "was", "dull"]
    assert rng.ranges == [2, 1]  # NN has two occurrences ("movie" twice), JJ one


def test_replacement_draws_by_frequency_and_falls_back_to_the_word_for_unknown_tags():
    assert VOCABULARY.words_by_tag["NN"] == ["movie", "movie"]
    assert VOCABULARY.sample("VBD", "was", ScriptedRandom()) == "was"


def test_a_word_is_never_masked_and_replaced():
    config = AugmentConfig(p_mask=0.5, p_pos=0.5)
    # 0.99 < 1.0 asks for a replacement, but no other VBD word exists: the word stays, with no draw
    rng = ScriptedRandom(uniforms=[0.49, 0.5, 0.99, 0.0], integers=[0])
    assert mask_and_replace(WORDS, TAGS, VOCABULARY, config, rng) == ["[MASK]", "movie", "was", "[MASK]"]
    assert rng.ranges == [2]


def test_sample_ngram_keeps_one_window():
    config = AugmentConfig(min_ngram=1, max_ngram=5)
    words = ["a", "b", "c", "d", "e", "f", "g"]
    rng = ScriptedRandom(integers=[2, 4])  # n = 1 + 2 = 3, start 4
    assert sample_ngram(words, config, rng) == ["e", "f", "g"]
    assert rng.ranges == [5, 5]  # n in 1..5, start in 0..7-3
    short = ScriptedRandom(integers=[1, 0])  # two words: n in 1..2
    assert sample_ngram(["x", "y"], config, short) == ["x", "y"]
    assert short.ranges == [2, 1]


def test_augment_words_applies_the_ngram_step_with_probability_p_ngram():
    config = AugmentConfig(p_mask=0.0, p_pos=0.0, p_ngram=0.25)
    kept = ScriptedRandom(uniforms=[0.5, 0.5, 0.5, 0.5, 0.3])  # 0.3 >= p_ngram: no n-gram
    assert augment_words(WORDS, TAGS, VOCABULARY, config, kept) == WORDS
    cut = ScriptedRandom(uniforms=[0.5, 0.5, 0.5, 0.5, 0.2], integers=[1, 2])  # n = 2, start 2
    assert augment_words(WORDS, TAGS, VOCABULARY, config, cut) == ["was", "great"]


def test_augment_examples_is_seeded_deduplicated_and_excludes_originals():
    texts = ["the film was great", "a dull movie", "the plot is thin and slow"]
    tagger = TagByTable({"the": "DT", "a": "DT", "film": "NN", "movie": "NN", "plot": "NN", "was": "VBD",
                         "is": "VBZ", "great": "JJ", "dull": "JJ", "thin": "JJ", "slow": "JJ", "and": "CC"})
    config = AugmentConfig(n_iter=10, p_mask=0.2, p_pos=0.2, p_ngram=0.25, seed=7)
    first = augment_examples(texts, None, config, tagger, progress=False)
    assert first == augment_examples(texts, None, config, tagger, progress=False)
    assert first != augment_examples(texts, None, AugmentConfig(n_iter=10, p_mask=0.2, p_pos=0.2, seed=8),
                                     tagger, progress=False)
    produced = [example.text for example in first]
    assert len(produced) == len(set(produced))
    assert not set(produced) & set(texts)
    assert all(example.text_pair is None and 0 <= example.source < 3 for example in first)
    assert len([example for example in first if example.source == 0]) <= config.n_iter
    assert any("[MASK]" in text for text in produced)


def test_pairs_rotate_first_second_both():
    texts, pairs = ["one two three four five six"], ["seven eight nine ten eleven twelve"]
    config = AugmentConfig(n_iter=3, p_mask=1.0, p_pos=0.0, p_ngram=0.0, mask_token="M")
    examples = augment_examples(texts, pairs, config, TagByTable({}), progress=False)
    masked_first, masked_second = " ".join(["M"] * 6), " ".join(["M"] * 6)
    assert [(example.text, example.text_pair) for example in examples] == [
        (masked_first, pairs[0]), (texts[0], masked_second), (masked_first, masked_second)]


def test_pattern_tagger_tags_offline():
    tags = PatternPosTagger().tag(["the", "movie", "was", "surprisingly", "good", "."])
    assert tags == ["DT", "NN", "VBD", "RB", "JJ", "."]
    assert PatternPosTagger().tag([]) == []


def test_the_real_tagger_gives_the_same_transfer_set_twice():
    texts = ["the movie was surprisingly good", "a dull , lifeless film", "the actors played well"]
    config = AugmentConfig(n_iter=5, seed=3)
    assert augment_examples(texts, None, config, progress=False) == augment_examples(texts, None, config,
                                                                                      progress=False)
    assert random.Random(3).random() == random.Random(3).random()


@pytest.mark.parametrize("settings", [{"n_iter": 0}, {"p_mask": 1.5}, {"p_mask": 0.6, "p_pos": 0.6},
                                      {"min_ngram": 3, "max_ngram": 2}, {"mask_token": " "}])
def test_bad_settings_are_refused(settings):
    with pytest.raises(ConfigError):
        AugmentConfig(**settings)


def test_augmentation_streams_one_example_at_a_time():
    """The transfer set is made lazily (written to disk as it is made), and equals the list form."""
    from collections.abc import Iterator

    from bertdistill.data.augmentation import iterate_augmented

    texts = ["the movie was good", "a dull and boring plot", "great acting here"]
    config = AugmentConfig(n_iter=4, p_mask=0.3, p_pos=0.3, seed=3)
    stream = iterate_augmented(texts, None, config, TagByTable({}), progress=False)
    assert isinstance(stream, Iterator) and not isinstance(stream, list)
    assert list(stream) == augment_examples(texts, None, config, TagByTable({}), progress=False)

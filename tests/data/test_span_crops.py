import pytest

from bertdistill.data.span_crops import SpanCropConfig, crop_batch, sentence_crops
from bertdistill.errors import ConfigError

SENTENCE = "one two three four five six seven eight nine ten eleven twelve"


def is_span(crop: str, text: str) -> bool:
    words, piece = text.split(), crop.split()
    return any(words[start : start + len(piece)] == piece for start in range(len(words) - len(piece) + 1))


def test_crops_are_word_spans_of_the_allowed_lengths():
    config = SpanCropConfig(per_sentence=50, min_words=3, max_words=5)
    crops = sentence_crops(SENTENCE, row=7, config=config)
    assert 1 < len(crops) <= 50 and len(set(crops)) == len(crops)        # duplicate draws are dropped
    assert all(is_span(crop, SENTENCE) and 3 <= len(crop.split()) <= 5 for crop in crops)
    assert {len(crop.split()) for crop in crops} == {3, 4, 5}            # every allowed length is drawn


def test_a_crop_is_shorter_than_its_sentence_and_short_sentences_give_none():
    config = SpanCropConfig(per_sentence=20, min_words=4, max_words=16)
    five_words = "a b c d e"
    assert set(sentence_crops(five_words, row=0, config=config)) == {"a b c d", "b c d e"}
    assert sentence_crops("a b c d", row=0, config=config) == []         # 4 words: no span shorter than it
    assert sentence_crops("", row=0, config=config) == []


def test_crops_depend_on_the_seed_and_row_not_on_batching():
    config = SpanCropConfig(per_sentence=2, min_words=2, max_words=6, seed=3)
    texts = [SENTENCE, "alpha beta gamma delta epsilon zeta", "too short"]
    whole = crop_batch({"text": texts}, [0, 1, 2], config)["text"]
    split = crop_batch({"text": texts[:1]}, [0], config)["text"] + crop_batch({"text": texts[1:]}, [1, 2], config)["text"]
    assert whole == split and len(whole) in (3, 4)
    assert sentence_crops(SENTENCE, 0, config) == sentence_crops(SENTENCE, 0, config)
    reseeded = SpanCropConfig(per_sentence=2, min_words=2, max_words=6, seed=4)
    assert any(sentence_crops(SENTENCE, row, config) != sentence_crops(SENTENCE, row, reseeded) for row in range(5))
    assert any(sentence_crops(SENTENCE, 0, config) != sentence_crops(SENTENCE, row, config) for row in range(1, 5))


@pytest.mark.parametrize("values, message", [({"per_sentence": -1}, "per sentence must be >= 0"),
                                             ({"min_words": 0}, "crop-min-words .* must be at least 1"),
                                             ({"min_words": 6, "max_words": 5}, "min_words <= max_words")])
def test_bad_crop_settings_are_refused(values, message):
    with pytest.raises(ConfigError, match=message):
        SpanCropConfig(**values)

import pytest

from bertdistill.data.corpus import CorpusConfig, prepare_corpus, resolve_sources, split_sentences
from bertdistill.errors import ConfigError, DataError


def test_split_sentences_keeps_abbreviations_and_initials():
    text = 'Dr. Smith left at 5 p.m. on Monday. "Why?" she asked. J. R. R. Tolkien wrote it. The U.S. Army agreed!'
    assert split_sentences(text) == ["Dr. Smith left at 5 p.m. on Monday.", '"Why?" she asked.',
                                     "J. R. R. Tolkien wrote it.", "The U.S. Army agreed!"]


def test_split_sentences_on_typographic_endings_and_numbered_abbreviations():
    text = ("It was gin… I loved her. He said “the same name.” The name was used on lease no. 32 "
            "until 1900. Made by Joy Co., Ltd. It has five halls.")
    assert split_sentences(text) == ["It was gin…", "I loved her.", "He said “the same name.”",
                                     "The name was used on lease no. 32 until 1900.", "Made by Joy Co., Ltd.",
                                     "It has five halls."]


def write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_clean_filter_dedup_and_shuffle(tmp_path):
    source = write(tmp_path / "a.txt", [
        "The first sentence is here. The second one follows it.",
        "",
        "   ",
        "Too short.",
        "The first sentence is here.",          # duplicate
        "THE FIRST SENTENCE IS HERE.",          # duplicate up to case
        "A third and final sentence ends it.",
    ])
    corpus, stats = prepare_corpus(CorpusConfig(paths=(str(source),), min_words=3), tmp_path / "cache")
    assert sorted(corpus["text"]) == ["A third and final sentence ends it.", "The first sentence is here.",
                                      "The second one follows it."]
    assert stats == {"usable_sentences": 3, "selected_sentences": 3}
    again, _ = prepare_corpus(CorpusConfig(paths=(str(source),), min_words=3), tmp_path / "cache")
    assert again["text"] == corpus["text"]  # the seeded shuffle is reproducible


def test_max_sentences_and_no_split(tmp_path):
    lines = [f"Sentence number {i} is here. And another one {i}." for i in range(20)]
    source = write(tmp_path / "a.txt", lines)
    whole, _ = prepare_corpus(CorpusConfig(paths=(str(source),), split_sentences=False, max_sentences=5),
                              tmp_path / "cache")
    assert len(whole) == 5 and all(". And" in text for text in whole["text"])


def test_globs_expand_sorted(tmp_path):
    write(tmp_path / "b.txt", ["Second file sentence here."])
    write(tmp_path / "a.txt", ["First file sentence here."])
    assert resolve_sources((str(tmp_path / "*.txt"),)) == [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]
    with pytest.raises(DataError, match="no such file"):
        resolve_sources((str(tmp_path / "*.md"),))


def test_no_usable_line_is_a_clear_error(tmp_path):
    source = write(tmp_path / "empty.txt", ["", "Hi.", "   ", "Ok then."])
    with pytest.raises(DataError, match="no usable line"):
        prepare_corpus(CorpusConfig(paths=(str(source),)), tmp_path / "cache")


def test_non_utf8_corpus_line_is_named(tmp_path):
    source = tmp_path / "bad.txt"
    source.write_bytes(b"A perfectly fine sentence here.\nAnother caf\xe9 sentence here.\n")
    with pytest.raises(DataError, match=r"bad.txt, line 2: not valid UTF-8"):
        prepare_corpus(CorpusConfig(paths=(str(source),)), tmp_path / "cache")


def test_hub_stream_failure_is_clear(tmp_path, monkeypatch):
    import datasets

    def offline(*args, **kwargs):
        raise ConnectionError("no network")

    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(DataError, match="hf:wikitext"):
        prepare_corpus(CorpusConfig(paths=("hf:wikitext:wikitext-2-raw-v1",)), tmp_path / "cache")


def test_corpus_config_validation():
    with pytest.raises(ConfigError, match="corpus"):
        CorpusConfig()
    with pytest.raises(ConfigError, match="min_words"):
        CorpusConfig(paths=("x",), min_words=5, max_words=2)


def test_streamed_hub_corpus_stops_once_enough_sentences(tmp_path, monkeypatch):
    import datasets

    calls = []

    def fake_stream(name, config, split, streaming):
        calls.append((name, config, split, streaming))
        return ({"text": f"Streamed sentence number {index} is here."} for index in range(10_000))

    monkeypatch.setattr(datasets, "load_dataset", fake_stream)
    corpus, stats = prepare_corpus(CorpusConfig(paths=("hf:wikitext:wikitext-103-raw-v1:train",), max_sentences=50),
                                   tmp_path / "cache")
    assert calls[0] == ("wikitext", "wikitext-103-raw-v1", "train", True)
    assert len(corpus) == 50 and stats["usable_sentences"] == 50  # read only as far as needed

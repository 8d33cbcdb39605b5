import json
from pathlib import Path

import pytest

from bertdistill.data.corpus import CorpusConfig, prepare_corpus, resolve_sources, split_sentences
from bertdistill.data.store import Store
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


def test_a_relative_cache_folder_works_as_an_absolute_one(tmp_path, monkeypatch):
    """`--cache-dir cache` (relative): the corpus cache is built and read back, not refused by path arithmetic."""
    source = tmp_path / "corpus.txt"
    source.write_text("The first sentence is here.\nA second and longer sentence follows.\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    corpus, stats = prepare_corpus(CorpusConfig(paths=(str(source),), min_words=3), Path("cache"))
    assert stats["usable_sentences"] == 2 and len(corpus) == 2
    assert [(entry.kind, entry.status) for entry in Store(tmp_path / "cache").entries()] == [("corpora", "complete")]


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


def numbered(path, prefix, count):
    return write(path, [f"{prefix} sentence number {i} is here." for i in range(count)])


def test_shares_are_honoured_deterministic_and_recorded(tmp_path):
    numbered(tmp_path / "wiki.txt", "Wiki", 400)
    (tmp_path / "mixed").mkdir()
    numbered(tmp_path / "mixed" / "forum.txt", "Forum", 300)
    numbered(tmp_path / "mixed" / "news.txt", "News", 100)
    config = CorpusConfig(paths=(f"{tmp_path / 'wiki.txt'}:1", f"{tmp_path / 'mixed' / '*.txt'}:3"),
                          max_sentences=200, seed=7)
    corpus, stats = prepare_corpus(config, tmp_path / "cache")
    assert len(corpus) == 200
    wiki = sum(text.startswith("Wiki") for text in corpus["text"])
    assert wiki == 50                                                 # exactly 1/4 of 200 (stratified)
    forum = sum(text.startswith("Forum") for text in corpus["text"])
    assert 150 * 0.75 - 15 < forum < 150 * 0.75 + 15                  # the glob's files keep their proportion
    assert stats["corpus_entries"] == [
        {"corpus": str(tmp_path / "wiki.txt"), "share": 0.25, "files": 1, "usable_sentences": 400,
         "selected_sentences": 50},
        {"corpus": str(tmp_path / "mixed" / "*.txt"), "share": 0.75, "files": 2, "usable_sentences": 400,
         "selected_sentences": 150}]
    assert set(corpus["source"]) == {str(tmp_path / "wiki.txt"), str(tmp_path / "mixed" / "forum.txt"),
                                     str(tmp_path / "mixed" / "news.txt")}
    again, _ = prepare_corpus(config, tmp_path / "cache")
    assert again["text"] == corpus["text"]                            # the seed fixes the sample and its order
    other, _ = prepare_corpus(CorpusConfig(paths=config.paths, max_sentences=200, seed=8), tmp_path / "cache")
    assert other["text"] != corpus["text"]
    assert len({text.split()[0] for text in corpus["text"][:40]}) == 3   # the order mixes the sources


def test_without_a_cap_the_largest_sample_the_shares_allow(tmp_path):
    numbered(tmp_path / "a.txt", "Alpha", 100)
    numbered(tmp_path / "b.txt", "Beta", 30)
    corpus, stats = prepare_corpus(CorpusConfig(paths=(f"{tmp_path / 'a.txt'}:0.5", f"{tmp_path / 'b.txt'}:0.5")),
                                   tmp_path / "cache")
    assert len(corpus) == 60 and [entry["selected_sentences"] for entry in stats["corpus_entries"]] == [30, 30]


def test_mixing_errors_name_the_entry(tmp_path):
    numbered(tmp_path / "a.txt", "Alpha", 100)
    write(tmp_path / "short.txt", ["Too short.", "Tiny."])
    with pytest.raises(DataError, match=r"corpus '.*short.txt': no usable line"):
        prepare_corpus(CorpusConfig(paths=(f"{tmp_path / 'a.txt'}:1", f"{tmp_path / 'short.txt'}:1")), tmp_path / "c")
    numbered(tmp_path / "b.txt", "Beta", 10)
    with pytest.raises(DataError, match=r"'.*b.txt': its share 0.5 of 100 sentences needs 50, but it has 10"):
        prepare_corpus(CorpusConfig(paths=(f"{tmp_path / 'a.txt'}:1", f"{tmp_path / 'b.txt'}:1"), max_sentences=100),
                       tmp_path / "c")
    with pytest.raises(ConfigError, match="to every --corpus entry or to none"):
        CorpusConfig(paths=(f"{tmp_path / 'a.txt'}:1", str(tmp_path / "b.txt")))
    for share in ("0", "-1", "nan", "inf"):
        with pytest.raises(ConfigError, match="the share must be a positive number"):
            CorpusConfig(paths=(f"{tmp_path / 'a.txt'}:{share}",))


def test_hub_sources_and_colons_in_names_are_not_shares(tmp_path):
    assert CorpusConfig(paths=("hf:wikitext:wikitext-103-raw-v1:train",)).shares is None
    assert CorpusConfig(paths=("hf:wikitext:wikitext-103-raw-v1:train:0.5", "x.txt:0.5")).shares == [0.5, 0.5]
    odd = write(tmp_path / "notes:2", ["A file whose name ends in a number."])
    assert CorpusConfig(paths=(str(odd),)).entries[0].pattern == str(odd)   # an existing file keeps its name


def test_a_damaged_corpus_cache_is_built_again(tmp_path, caplog):
    """The built corpus is a store entry: its Arrow files are checked by digest when reused."""
    from bertdistill.data.store import Store

    source = tmp_path / "corpus.txt"
    source.write_text("".join(f"sentence number {index} is here.\n" for index in range(40)))
    config = CorpusConfig(paths=(str(source),), min_words=3)
    first, _ = prepare_corpus(config, tmp_path / "cache")
    [entry] = [item for item in Store(tmp_path / "cache").entries() if item.kind == "corpora"]
    assert entry.status == "complete"
    manifest = json.loads((entry.path / "manifest.json").read_text())
    arrow = entry.path / next(iter(manifest["files"]))
    arrow.write_bytes(arrow.read_bytes()[:-20] + b"\0" * 20)
    again, _ = prepare_corpus(config, tmp_path / "cache")
    assert "building it again" in caplog.text and again["text"] == first["text"]
    assert [item.status for item in Store(tmp_path / "cache").entries()] == ["complete"]
    assert json.loads((entry.path / "manifest.json").read_text())["files"] == manifest["files"]

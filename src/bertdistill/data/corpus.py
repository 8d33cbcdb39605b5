"""Unlabeled text for task-agnostic distillation: files, globs or streamed Hugging Face datasets, mixed by share.

`prepare_corpus` reads every source line by line (one sentence or paragraph per line), optionally
splits paragraphs into sentences, drops blank lines, filters by length, removes duplicates and
shuffles with a seed. The result is an Arrow-backed `datasets.Dataset` on disk, memory-mapped, so
corpora larger than RAM work (only an 8-byte hash per sentence is kept in memory for deduplication).
Every row keeps the file (or hub source) it came from, in the `source` column.

**Mixing.** A corpus entry may end in `:SHARE` (`wiki.txt:0.5 'mixed_en/*.txt':0.5`): the entries are then
mixed to those shares (relative weights, normalised to sum to 1; a glob's files form one entry and keep their
own proportions within it). The sample is stratified: each entry gives exactly its share of `max_sentences`
(rounded by largest remainder), drawn with the corpus seed; without `max_sentences`, the largest sample the
shares allow. Without shares, every usable sentence of every entry is pooled, as before.
"""

from __future__ import annotations

import dataclasses
import glob
import hashlib
import logging
import math
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from datasets import Dataset, Features, Value

from bertdistill.config import Config, seed_or_default, setting
from bertdistill.data.store import Store
from bertdistill.data.text_check import check_text
from bertdistill.errors import ConfigError, DataError

logger = logging.getLogger(__name__)

HUB_PREFIX = "hf:"

# A sentence ends at . ! ? or an ellipsis (optionally followed by a closing quote or bracket, straight or
# typographic), then white space, then what looks like the start of a sentence. Abbreviations are re-joined
# afterwards. Why a regex and not a library: on the Wikipedia slice it is ~1.8x faster than blingfire (whose
# only release for Linux is an x86-64 binary from 2021) and ~100x faster than pysbd, and splits 98.5% of
# lines as blingfire does (results/sentence_splitters.md).
_BOUNDARY = re.compile(r"(?<=[.!?\u2026])([\"')\]\u201d\u2019]?)\s+(?=[\"'(\[\u201c\u2018]?[A-Z0-9])")
_ABBREVIATION = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Mt|Gen|Col|Lt|Sgt|Rev|Inc|Co|Corp|vs|etc|No|no|Nos|Vol|Fig|Jan|Feb"
    r"|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|e\.g|i\.e|U\.S|U\.K|Jl|Engr)\.|\b[A-Z]\.)$"
)


@dataclasses.dataclass
class CorpusConfig(Config):
    """Where the unlabeled sentences come from and how they are cleaned."""

    paths: tuple[str, ...] = setting((), flag="--corpus", metavar="PATH[:SHARE]", help="text files or globs (one "
                                     "sentence or paragraph per line), or hf:NAME[:CONFIG[:SPLIT]]; end each in "
                                     ":SHARE to mix them to those shares (e.g. wiki.txt:0.5 'mixed/*.txt':0.5)")
    text_column: str = setting("text", flag="--corpus-text-column", help="text column of hf: datasets")
    split_sentences: bool = setting(True, flag="--sentence-split", help="split lines into sentences "
                                    "(--no-sentence-split: keep each line whole)")
    min_words: int = setting(3, help="drop sentences shorter than this many words", minimum=1)
    max_words: int = setting(200, help="drop sentences longer than this many words", minimum=1)
    dedup: bool = setting(True, help="drop duplicate sentences")
    max_sentences: int | None = setting(None, help="keep a seeded random sample of this many sentences", minimum=2)
    seed: int | None = setting(None, flag="--corpus-seed", metavar="N", help="seed of the sentence sample and its "
                               "order (unset: the run's --seed); fix it to train several seeds on the same "
                               "sentences, sharing one teacher-vector cache", minimum=0)

    def __post_init__(self) -> None:
        if not self.paths:
            raise ConfigError("give at least one corpus (--corpus PATH, a glob, or hf:NAME[:CONFIG[:SPLIT]])")
        if self.min_words < 1 or self.max_words < self.min_words:
            raise ConfigError(f"need 1 <= min_words <= max_words, got {self.min_words} and {self.max_words}")
        if self.max_sentences is not None and self.max_sentences < 2:
            raise ConfigError(f"max_sentences must be >= 2, got {self.max_sentences}")
        self.entries   # noqa: B018 - parses the shares, so a bad one fails here

    @property
    def entries(self) -> list[CorpusEntry]:
        """The corpus entries with their shares (None for all when no share is given)."""
        entries = [parse_entry(path) for path in self.paths]
        given = [entry.share is not None for entry in entries]
        if any(given) and not all(given):
            raise ConfigError("give a :SHARE to every --corpus entry or to none (got "
                              f"{[entry.pattern for entry in entries if entry.share is None]} without one)")
        return entries

    @property
    def shares(self) -> list[float] | None:
        """The entries' shares normalised to sum to 1, or None when the corpus is not mixed."""
        entries = self.entries
        if entries[0].share is None:
            return None
        total = sum(entry.share for entry in entries)
        return [entry.share / total for entry in entries]


@dataclasses.dataclass(frozen=True)
class CorpusEntry:
    """One `--corpus` value: a file, glob or hub source, and its share of a mixed corpus."""

    pattern: str
    share: float | None


def parse_entry(path: str) -> CorpusEntry:
    """`PATH[:SHARE]`; an existing file whose name ends in `:<number>` keeps its whole name."""
    head, separator, tail = path.rpartition(":")
    if not separator or not head or head == HUB_PREFIX[:-1] or Path(path).exists():
        return CorpusEntry(path, None)
    try:
        share = float(tail)
    except ValueError:
        return CorpusEntry(path, None)    # hf:NAME:CONFIG:SPLIT, or a path with a colon in it
    if not math.isfinite(share) or share <= 0:
        raise ConfigError(f"--corpus {path}: the share must be a positive number, got {tail}")
    return CorpusEntry(head, share)


def split_sentences(paragraph: str) -> list[str]:
    """Rule-based English sentence splitting (no model, no download)."""
    pieces = [piece for piece in _BOUNDARY.sub(lambda match: match.group(1) + "\n", paragraph).split("\n")]
    sentences: list[str] = []
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        if sentences and _ABBREVIATION.search(sentences[-1]):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return sentences


def resolve_pattern(path: str) -> list[str]:
    """The files of one entry: a glob expanded (sorted, so the order is reproducible); a hub source as it is."""
    if path.startswith(HUB_PREFIX):
        return [path]
    matches = sorted(glob.glob(path, recursive=True)) if glob.has_magic(path) else [path]
    matches = [match for match in matches if Path(match).is_file()]
    if not matches:
        raise DataError(f"corpus {path!r}: no such file (or the pattern matches no file)")
    return matches


def resolve_sources(paths: tuple[str, ...]) -> list[str]:
    """Every file (or hub source) of the corpus entries, in order."""
    return [source for path in paths for source in resolve_pattern(parse_entry(path).pattern)]


def _file_lines(path: str) -> Iterator[str]:
    with open(path, "rb") as stream:
        for number, raw in enumerate(stream, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise DataError(
                    f"{path}, line {number}: not valid UTF-8 (byte 0x{raw[error.start]:02x}); "
                    "re-encode the corpus as UTF-8 (e.g. `iconv -f latin1 -t utf-8`) or drop the line"
                ) from None
            if "\x00" in line:   # valid UTF-8, but text has no NUL bytes: a binary file given as a corpus
                raise DataError(f"{path}, line {number}: a NUL byte; this looks like a binary file, not text")
            yield line


def _hub_lines(source: str, text_column: str) -> Iterator[str]:
    import datasets

    name, _, rest = source[len(HUB_PREFIX):].partition(":")
    config, _, split = rest.partition(":")
    try:
        stream = datasets.load_dataset(name, config or None, split=split or "train", streaming=True)
        for record in stream:
            if text_column not in record:
                raise DataError(f"corpus {source}: no column {text_column!r}; it has {sorted(record)}")
            yield str(record[text_column] or "")
    except DataError:
        raise
    except Exception as error:
        raise DataError(f"corpus {source}: could not stream it from the Hugging Face hub ({type(error).__name__}: "
                        f"{str(error)[:200]}); offline? give local text files instead") from None


def iterate_sentences(config: CorpusConfig, sources: list[str], counts: dict[str, int],
                      groups: list[int] | None = None) -> Iterator[dict]:
    """Clean, filtered, deduplicated sentences in source order, each with its source and entry number (`groups`
    gives each source's entry); `counts` receives the statistics."""
    seen: set[bytes] = set()
    groups = groups or [0] * len(sources)
    shares = config.shares
    for source, group in zip(sources, groups):
        limit_streams = (config.max_sentences if shares is None or config.max_sentences is None
                         else math.ceil(config.max_sentences * shares[group]))
        hub = source.startswith(HUB_PREFIX)
        lines = _hub_lines(source, config.text_column) if hub else _file_lines(source)
        kept_from_source = 0
        for line in lines:
            counts["lines"] += 1
            line = line.strip()
            if not line:
                continue
            for sentence in split_sentences(line) if config.split_sentences else [line]:
                words = len(sentence.split())
                if not config.min_words <= words <= config.max_words:
                    counts["filtered"] += 1
                    continue
                if config.dedup:
                    digest = hashlib.blake2b(sentence.lower().encode("utf-8"), digest_size=8).digest()
                    if digest in seen:
                        counts["duplicates"] += 1
                        continue
                    seen.add(digest)
                counts["kept"] += 1
                kept_from_source += 1
                yield {"text": sentence, "source": source, "entry": group}
            # a streamed hub dataset can be unbounded: stop once enough sentences were collected
            if hub and limit_streams is not None and kept_from_source >= limit_streams:
                break


def prepare_corpus(config: CorpusConfig, cache_root: str | Path | None = None) -> tuple[Dataset, dict]:
    """Build the cleaned, shuffled (or mixed) corpus as an on-disk Arrow dataset, a `corpora` entry of the store
    at `cache_root` whose Arrow files are digest-checked when reused (the shuffles and tokenisations `datasets`
    derives from them sit beside them, keyed by its own fingerprints); returns it and its size before and after
    the `max_sentences` cap, per entry too (line, filter and duplicate counts are logged)."""
    entries = config.entries
    files = [resolve_pattern(entry.pattern) for entry in entries]
    sources = [source for matches in files for source in matches]
    groups = [group for group, matches in enumerate(files) for _ in matches]
    no_usable_line = DataError(
        f"the corpus {list(config.paths)} has no usable line (after dropping blank lines, lines outside "
        f"{config.min_words}-{config.max_words} words and duplicates)")
    for source in sources:
        if not source.startswith(HUB_PREFIX):
            check_text(enumerate(_file_lines(source), start=1), f"corpus {source}")
    if next(iterate_sentences(config, sources, {"lines": 0, "kept": 0, "filtered": 0, "duplicates": 0}, groups),
            None) is None:
        raise no_usable_line  # datasets cannot build an empty dataset; stops at the first usable sentence
    stamp = [(source, Path(source).stat().st_size, Path(source).stat().st_mtime_ns) if not
             source.startswith(HUB_PREFIX) else (source,) for source in sources]
    entry = Store(cache_root).entry("corpora", description={"corpus": list(config.paths), "sources": len(sources)},
                                    config=config.to_dict(), stamp=stamp)
    with entry.writing():   # one build at a time; a damaged or unfinished one is built again from scratch
        if entry.manifest() and not entry.complete:
            logger.warning("the corpus cache in %s is %s; building it again", entry.folder, entry.problem())
            entry.reset()
        corpus = built_corpus(config, sources, groups, stamp, entry.folder)
        if not entry.manifest().get("complete"):
            entry.finish([str(Path(item["filename"]).relative_to(entry.folder)) for item in corpus.cache_files])
    if len(corpus) < 2:
        raise DataError(f"the corpus {list(config.paths)} has only {len(corpus)} usable sentence; need at least 2")
    usable = len(corpus)
    entry_of_row = corpus.data.column("entry").to_numpy()                           # (N,), read from Arrow
    if config.shares is None:
        corpus = corpus.shuffle(seed=seed_or_default(config.seed))
        if config.max_sentences is not None and config.max_sentences < len(corpus):
            corpus = corpus.select(range(config.max_sentences))
    else:
        corpus = corpus.select(mixed_sample(entry_of_row, config))
    corpus = corpus.flatten_indices()
    stats = {"usable_sentences": usable, "selected_sentences": len(corpus)}
    if len(entries) > 1:
        selected = np.bincount(corpus.data.column("entry").to_numpy(), minlength=len(entries))
        available = np.bincount(entry_of_row, minlength=len(entries))
        stats["corpus_entries"] = [{"corpus": entry.pattern, "share": share, "files": len(matches),
                                    "usable_sentences": int(available[group]), "selected_sentences": int(selected[group])}
                                   for group, (entry, share, matches) in
                                   enumerate(zip(entries, config.shares or [None] * len(entries), files))]
    return corpus, stats


def built_corpus(config: CorpusConfig, sources: list[str], groups: list[int], stamp: list, folder: Path) -> Dataset:
    """The cleaned sentences as an Arrow dataset in `folder` (datasets' own cache finds a finished build)."""
    try:
        return Dataset.from_generator(
            _generate, gen_kwargs={"config": config.to_dict(), "sources": sources, "groups": groups, "stamp": stamp},
            cache_dir=str(folder), keep_in_memory=False,
            features=Features({"text": Value("string"), "source": Value("string"), "entry": Value("int32")}),
        )
    except DataError:
        raise
    except Exception as error:  # datasets wraps generator errors; unwrap ours
        cause = error.__cause__ or error.__context__
        if isinstance(cause, DataError):
            raise cause from None
        raise


def source_names(sources: list[str]) -> dict[str, str]:
    """A short name for each source, as reports show it: the file's stem when no other source shares it."""
    stems = [Path(source).stem if not source.startswith(HUB_PREFIX) else source for source in sources]
    return {source: stem if stems.count(stem) == 1 else source for source, stem in zip(sources, stems)}


def share_counts(total: int, shares: list[float]) -> np.ndarray:
    """`total` split by `shares`, rounded by largest remainder so the counts sum to `total`."""
    exact = np.asarray(shares) * total
    counts = np.floor(exact).astype(np.int64)
    counts[np.argsort(-(exact - counts), kind="stable")[: total - counts.sum()]] += 1
    return counts


def mixed_sample(entry_of_row: np.ndarray, config: CorpusConfig) -> np.ndarray:
    """Row numbers of a stratified sample: each entry's share of the total, drawn and then ordered by the seed."""
    shares, entries = config.shares, config.entries
    available = np.bincount(entry_of_row, minlength=len(shares))                     # (E,)
    empty = [entry.pattern for entry, count in zip(entries, available) if count == 0]
    if empty:
        raise DataError(f"corpus {empty[0]!r}: no usable line (after dropping blank lines, lines outside "
                        f"{config.min_words}-{config.max_words} words and duplicates), so its share cannot be met")
    total = config.max_sentences or int(min(available / np.asarray(shares)))
    wanted = share_counts(total, shares)                                             # (E,)
    for entry, share, want, have in zip(entries, shares, wanted, available):
        if want > have:
            raise DataError(f"corpus {entry.pattern!r}: its share {share:.3g} of {total} sentences needs {want}, but "
                            f"it has {have} usable; lower --max-sentences or its share")
    rng = np.random.default_rng(seed_or_default(config.seed))
    rows = [rng.choice(np.flatnonzero(entry_of_row == group), size=want, replace=False)
            for group, want in enumerate(wanted)]
    return rng.permutation(np.concatenate(rows))


def _generate(config: dict, sources: list[str], groups: list[int], stamp: list) -> Iterator[dict]:
    counts = {"lines": 0, "kept": 0, "filtered": 0, "duplicates": 0}
    yield from iterate_sentences(CorpusConfig.from_dict(config), sources, counts, groups)
    logger.info("corpus: %d lines read, %d sentences kept, %d outside the length limits, %d duplicates",
                counts["lines"], counts["kept"], counts["filtered"], counts["duplicates"])

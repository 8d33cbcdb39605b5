"""Transfer tasks for general sentence encoders, in the SentEval file formats (no fine-tuning).

Two kinds of task, scored the usual SentEval way:

* **STS** (STS12-16, the STS benchmark test file): Spearman correlation between cos(u, v) and the gold
  score, per subset; a year's score is the mean over its subsets. Pairs whose gold line is empty
  (unscored pairs in STS16) are skipped.
* **Probes** (MR, SUBJ): one file per class, one sentence per line; 5-fold stratified, shuffled
  (seed 0) cross-validated logistic regression (scikit-learn, C=10) on frozen, L2-normalised
  vectors; the score is the mean accuracy over the folds.

Files are read as UTF-8 with unreadable bytes replaced (several STS inputs are Latin-1): a stray
byte is not fatal, a missing or malformed file is one `DataError` naming it and the line.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import stats

from bertdistill.errors import DataError

TRANSFER_DIR_VARIABLE = "BERTDISTILL_TRANSFER_DIR"
STS_YEARS = ("sts12", "sts13", "sts14", "sts15", "sts16")
PROBES = {"mr": ("MR", ("rt-polarity.neg", "rt-polarity.pos")),
          "subj": ("SUBJ", ("subj.objective", "subj.subjective"))}
TRANSFER_TASKS = (*STS_YEARS, "stsb", "mr", "subj")
EXTRA_TASKS = ("stsb-dev",)   # GLUE's STS-B dev, through the GLUE loaders (not in the average)

Encode = Callable[[list[str]], np.ndarray]   # texts -> (N, d) vectors


@dataclasses.dataclass
class PairSet:
    """Sentence pairs with gold similarity scores (one STS subset)."""

    name: str
    first: list[str]
    second: list[str]
    gold: np.ndarray      # (N,)


@dataclasses.dataclass
class ProbeSet:
    """Sentences with integer class labels (one probe task)."""

    name: str
    texts: list[str]
    labels: np.ndarray    # (N,)


def read_lines(path: Path) -> list[str]:
    """Lines of a text file, decoded as UTF-8 with unreadable bytes replaced; a missing file is an error."""
    if not path.is_file():
        raise DataError(f"{path}: transfer-task file not found")
    return path.read_bytes().decode("utf-8", errors="replace").splitlines()


def read_sts_subset(input_path: Path, gold_path: Path) -> PairSet:
    """`STS.input.X.txt` (two tab-separated sentences a line) and `STS.gs.X.txt` (a score a line, or empty)."""
    inputs, golds = read_lines(input_path), read_lines(gold_path)
    if len(golds) != len(inputs):   # one gold line per pair (empty for an unscored one): else they are mispaired
        raise DataError(f"{gold_path}: {len(golds)} gold lines but {input_path} has {len(inputs)} pairs; the two "
                        "files must have one line per pair")
    first, second, scores = [], [], []
    for number, (line, gold) in enumerate(zip(inputs, golds), start=1):
        if not gold.strip():
            continue  # an unscored pair
        fields = line.split("\t")
        if len(fields) < 2:
            raise DataError(f"{input_path}, line {number}: expected two tab-separated sentences")
        scores.append(score_value(gold, f"{gold_path}, line {number}"))
        first.append(fields[0])
        second.append(fields[1])
    name = input_path.name.removeprefix("STS.input.").removesuffix(".txt")
    return checked_pairs(PairSet(name, first, second, np.asarray(scores, dtype=np.float64)), gold_path)


def score_value(text: str, where: str) -> float:
    """A gold similarity score: a finite number."""
    try:
        value = float(text)
    except ValueError:
        raise DataError(f"{where}: {text.strip()!r} is not a score") from None
    if not np.isfinite(value):
        raise DataError(f"{where}: the score {text.strip()!r} is not a finite number")
    return value


def checked_pairs(pairs: PairSet, path: Path) -> PairSet:
    """At least two scored pairs (a correlation needs two), else one error naming the file."""
    if len(pairs.gold) < 2:
        raise DataError(f"{path}: {len(pairs.gold)} scored pair(s); an STS subset needs at least 2")
    return pairs


def read_sts_year(directory: Path) -> list[PairSet]:
    """Every subset of one STS year folder (`STS.gs.*.txt` beside `STS.input.*.txt`), sorted by name."""
    if not directory.is_dir():
        raise DataError(f"{directory}: STS folder not found")
    gold_files = sorted(directory.glob("STS.gs.*.txt"))
    if not gold_files:
        raise DataError(f"{directory}: no STS.gs.*.txt gold files")
    return [read_sts_subset(directory / gold.name.replace("STS.gs.", "STS.input.", 1), gold) for gold in gold_files]


def read_sts_benchmark(path: Path) -> PairSet:
    """The STS benchmark file: tab-separated genre, file, year, id, score, sentence 1, sentence 2 (and
    sometimes trailing source columns, which are ignored)."""
    first, second, scores = [], [], []
    for number, line in enumerate(read_lines(path), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 7:
            raise DataError(f"{path}, line {number}: expected at least 7 tab-separated columns, found {len(fields)}")
        scores.append(score_value(fields[4], f"{path}, line {number}"))
        first.append(fields[5])
        second.append(fields[6])
    return checked_pairs(PairSet(path.stem, first, second, np.asarray(scores, dtype=np.float64)), path)


def read_probe(name: str, files: list[Path]) -> ProbeSet:
    """One file per class, one sentence per line; class i is the i-th file. Empty lines are skipped."""
    texts, labels = [], []
    for label, path in enumerate(files):
        lines = [line.strip() for line in read_lines(path)]
        kept = [line for line in lines if line]
        if not kept:
            raise DataError(f"{path}: no sentences")
        texts += kept
        labels += [label] * len(kept)
    return ProbeSet(name, texts, np.asarray(labels, dtype=np.int64))


def load_task(task: str, transfer_dir: Path) -> list[PairSet] | ProbeSet:
    """The data of one task of TRANSFER_TASKS under a SentEval-layout folder."""
    if task in STS_YEARS:
        return read_sts_year(transfer_dir / "STS" / f"{task.upper()}-en-test")
    if task == "stsb":
        return [read_sts_benchmark(transfer_dir / "stsbenchmark" / "sts-test.csv")]
    if task in PROBES:
        folder, files = PROBES[task]
        return read_probe(task, [transfer_dir / folder / name for name in files])
    raise DataError(f"unknown transfer task {task!r}; choose from {', '.join(TRANSFER_TASKS + EXTRA_TASKS)}")


def resolve_transfer_dir(transfer_dir: str | None) -> Path:
    """`--transfer-dir`, else $BERTDISTILL_TRANSFER_DIR; neither is one clear error."""
    value = transfer_dir or os.environ.get(TRANSFER_DIR_VARIABLE)
    if not value:
        raise DataError(f"no transfer data: pass --transfer-dir DIR (a SentEval-layout folder such as "
                        f"../shared/data/transfer) or set {TRANSFER_DIR_VARIABLE}")
    path = Path(value)
    if not path.is_dir():
        raise DataError(f"--transfer-dir {path}: not a folder")
    return path


def cosine_spearman(u: np.ndarray, v: np.ndarray, gold: np.ndarray) -> float:
    """Spearman correlation between the row-wise cosine of u and v, (N, d) each, and gold, (N,)."""
    u = u / np.linalg.norm(u, axis=1, keepdims=True).clip(min=1e-12)
    v = v / np.linalg.norm(v, axis=1, keepdims=True).clip(min=1e-12)
    result = stats.spearmanr((u * v).sum(axis=1), gold).statistic
    return float(result) if np.isfinite(result) else 0.0  # constant similarities carry no ranking


def probe_accuracy(vectors, labels: np.ndarray, folds: int = 5, seed: int = 0) -> float:
    """Mean accuracy of 5-fold stratified cross-validated logistic regression on L2-normalised vectors
    ((N, d) dense, or a sparse matrix such as TF-IDF)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.preprocessing import normalize

    normalised = normalize(vectors)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    scores = cross_val_score(LogisticRegression(C=10, max_iter=3000), normalised, labels, cv=splitter)
    return float(scores.mean())


def score_sts(subsets: list[PairSet], encode: Encode) -> dict:
    """Spearman x 100 per subset and their mean."""
    per_subset = {}
    for subset in subsets:
        u, v = encode(subset.first), encode(subset.second)
        per_subset[subset.name] = 100 * cosine_spearman(u, v, subset.gold)
    return {"score": float(np.mean(list(per_subset.values()))), "subsets": per_subset,
            "pairs": sum(len(subset.gold) for subset in subsets)}


def score_probe(probe: ProbeSet, encode: Encode) -> dict:
    return {"score": 100 * probe_accuracy(encode(probe.texts), probe.labels), "examples": len(probe.labels)}


def score_task(data: list[PairSet] | ProbeSet, encode: Encode) -> dict:
    return score_probe(data, encode) if isinstance(data, ProbeSet) else score_sts(data, encode)

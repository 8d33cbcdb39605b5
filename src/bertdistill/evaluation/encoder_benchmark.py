"""The encoder benchmark: general students as sentence encoders, beside the teacher and data-free baselines.

Every encoder is scored on the same transfer tasks (`transfer.py`) and, when a BEIR-format folder is given,
on retrieval (`retrieval.py`, with BM25 beside it as TF-IDF is beside the probes), and timed in the same run: texts
per second, tokenisation included, on short texts (STS sentences) and on long ones (~200-250 word
pieces, built by joining consecutive probe sentences), at batch 1 and batch 128. Encoders run one
after another within each repeat (interleaved, so drift of the machine hits all alike); the median
repeat is kept, and speed is reported as a ratio to the teacher.
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bertdistill.config import Config, setting
from bertdistill.data.loading import DATA_DIR_VARIABLE
from bertdistill.devices import resolve_device
from bertdistill.encoding import ENCODE_BATCH_SIZE
from bertdistill.errors import ConfigError
from bertdistill.evaluation.encoders import LoadedEncoder, load_encoder
from bertdistill.evaluation.retrieval import (
    RETRIEVAL_DIR_VARIABLE,
    RetrievalSet,
    find_retrieval_sets,
    load_retrieval_set,
    score_retrieval,
)
from bertdistill.evaluation.score_cache import ScoreCache, encoder_identity
from bertdistill.evaluation.transfer import (
    EXTRA_TASKS,
    TRANSFER_DIR_VARIABLE,
    TRANSFER_TASKS,
    PairSet,
    ProbeSet,
    load_task,
    resolve_transfer_dir,
    score_task,
)
from bertdistill.students.sentence_transformers_files import ENCODE_MAX_LENGTH
from bertdistill.teachers.model_kind import SENTENCE_ENCODERS, ModelKind, require_kind
from bertdistill.teachers.static_distill import model2vec_baseline

BASELINES = ("teacher", "model2vec", "tfidf", "bm25")
RETRIEVAL = "retrieval"          # the task name that stands for every set under --retrieval-dir
DEFAULT_TASKS = (*TRANSFER_TASKS, RETRIEVAL)
DOCUMENT_MAX_LENGTH = 256        # word pieces per retrieval document (the teacher's own max_seq_length)
LONG_TEXT_PIECES = (200, 250)   # word pieces of a long speed text (teacher tokenizer)
SPEED_MAX_LENGTH = 256           # truncation for the long texts (every encoder alike)


@dataclasses.dataclass
class EncoderBenchmarkConfig(Config):
    models: tuple[str, ...] = setting((), flag="--model", metavar="M", help="a general student folder, a "
                                      "model2vec folder, any Hugging Face encoder or `minilm` (repeatable)")
    baselines: tuple[str, ...] = setting(BASELINES, flag="--baseline", nargs="*", commas=True, help="baselines "
                                         "run in the same process, of " + ", ".join(BASELINES) + " (none with a "
                                         "bare --baseline)")
    teacher: str = setting("minilm", help="the teacher the baselines come from")
    transfer_dir: str | None = setting(None, help=f"SentEval-layout folder (unset: ${TRANSFER_DIR_VARIABLE})")
    tasks: tuple[str, ...] = setting(DEFAULT_TASKS, commas=True, help="tasks, of " + ",".join(TRANSFER_TASKS) +
                                     ",stsb-dev,retrieval (comma-separated; retrieval runs every set under "
                                     "--retrieval-dir, and is skipped by default when there is none)")
    retrieval_dir: str | None = setting(None, help="a BEIR-format folder (corpus.jsonl, queries.jsonl, "
                                        "qrels/test.tsv) or a folder of them (unset: "
                                        f"${RETRIEVAL_DIR_VARIABLE}, else no retrieval)")
    data_dir: str | None = setting(None, help="GLUE folder, for stsb-dev (unset: $BERTDISTILL_DATA_DIR, else the "
                                   "hub)")
    batch_size: int = setting(ENCODE_BATCH_SIZE, help="texts per batch when scoring", minimum=1)
    max_length: int = setting(ENCODE_MAX_LENGTH, help="max word pieces per text when scoring (retrieval "
                              "queries too)", minimum=1)
    document_max_length: int = setting(DOCUMENT_MAX_LENGTH, help="max word pieces per retrieval document",
                                       minimum=1)
    speed: bool = setting(True, help="measure speed")
    speed_batch_sizes: tuple[int, ...] = setting((1, 128), help="batch sizes of the speed measurement",
                                                 minimum=1, commas=True)
    short_texts: int = setting(512, help="short texts timed", minimum=1)
    long_texts: int = setting(64, help="long texts timed", minimum=1)
    repeats: int = setting(3, help="timed repeats per speed cell (the median is kept)", minimum=1)
    cache_dir: str | None = setting(None, help="where the model2vec baseline and the scores of unchanged local "
                                    "encoders are cached (unset: $BERTDISTILL_CACHE)")
    score_cache: bool = setting(True, help="reuse a local folder's scores while its weights, the task data, the "
                                "protocol and the libraries are unchanged (--no-score-cache: score again)")
    device: str | None = setting(None, help="cpu or cuda (unset: cuda when present)")

    def __post_init__(self) -> None:
        known = (*TRANSFER_TASKS, *EXTRA_TASKS, RETRIEVAL)
        unknown = [task for task in self.tasks if task not in known]
        if unknown:
            raise ConfigError(f"unknown task(s) {unknown}; choose from {', '.join(known)}")
        unknown = [name for name in self.baselines if name not in BASELINES]
        if unknown:
            raise ConfigError(f"unknown baseline(s) {unknown}; choose from {', '.join(BASELINES)}")
        for name in ("batch_size", "max_length", "short_texts", "long_texts", "repeats"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name.replace('_', '-')} must be >= 1, got {getattr(self, name)}")
        if not self.tasks:
            raise ConfigError("no task to run")


def load_tasks(config: EncoderBenchmarkConfig) -> dict[str, list[PairSet] | ProbeSet]:
    """All task data, read before any model is loaded, so a missing file fails first."""
    data: dict[str, list[PairSet] | ProbeSet] = {}
    transfer_tasks = [task for task in config.tasks if task in TRANSFER_TASKS]
    if transfer_tasks:
        directory = resolve_transfer_dir(config.transfer_dir)
        data.update({task: load_task(task, directory) for task in transfer_tasks})
    if "stsb-dev" in config.tasks:
        from bertdistill.data.glue import get_glue_task, load_glue_split

        dev = load_glue_split(get_glue_task("stsb"), "dev", config.data_dir or os.environ.get(DATA_DIR_VARIABLE))
        data["stsb-dev"] = [PairSet("dev", list(dev["text"]), list(dev["text_pair"]),
                                    np.asarray(dev["label"], dtype=np.float64))]
    data.update(load_retrieval_tasks(config, set(data)))
    return data


def load_retrieval_tasks(config: EncoderBenchmarkConfig, taken: set[str]) -> dict[str, RetrievalSet]:
    """Every BEIR set under the retrieval folder, by folder name; asking for retrieval without one is an error,
    while the default task list skips it."""
    if RETRIEVAL not in config.tasks:
        return {}
    folders = find_retrieval_sets(config.retrieval_dir)
    if not folders and tuple(config.tasks) != DEFAULT_TASKS:
        raise ConfigError(f"--tasks names retrieval but there is no retrieval data: pass --retrieval-dir DIR (a "
                          f"BEIR-format folder such as ../shared/data/retrieval) or set {RETRIEVAL_DIR_VARIABLE}")
    sets = {folder.name: load_retrieval_set(folder) for folder in folders}
    clashing = sorted(set(sets) & taken)
    if clashing:
        raise ConfigError(f"retrieval set {clashing[0]!r} has the name of a transfer task; rename its folder")
    return sets


def check_something_to_score(config: EncoderBenchmarkConfig, tasks: dict[str, Any]) -> None:
    """An empty table is not a result: no encoder and no baseline that applies to the tasks is one error."""
    lexical = (("tfidf" in config.baselines and any(isinstance(data, ProbeSet) for data in tasks.values()))
               or ("bm25" in config.baselines and any(isinstance(data, RetrievalSet) for data in tasks.values())))
    if not (config.models or {"teacher", "model2vec"} & set(config.baselines) or lexical):
        raise ConfigError("nothing to score: give --model (repeatable) or a baseline that applies to the tasks "
                          "(tfidf scores the probes, bm25 retrieval)")
    if not tasks:
        raise ConfigError("no task to run: the tasks asked for hold no data")


def retrieval_names(tasks: dict[str, Any]) -> list[str]:
    return [task for task, data in tasks.items() if isinstance(data, RetrievalSet)]


class TfidfEncoder:
    """TF-IDF of word 1-2 grams, fitted on the texts it is given (probes only: no similarity scores)."""

    def encode(self, texts: list[str], batch_size: int, max_length: int):
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(ngram_range=(1, 2)).fit_transform(texts)   # (N, V) sparse


def encoder_names(config: EncoderBenchmarkConfig, cache_root: Path, progress: Callable[[str], None]) -> list[tuple[str, str]]:
    """(label, model) for every encoder to run, baselines first; builds the model2vec baseline if needed."""
    names = []
    if "teacher" in config.baselines:
        names.append((f"teacher ({config.teacher})", config.teacher))
    if "model2vec" in config.baselines:
        progress(f"model2vec baseline of {config.teacher} (built once, then cached)")
        names.append(("model2vec distill (no data)", str(model2vec_baseline(config.teacher, cache_root))))
    names += [(Path(model).name or model, model) for model in config.models]
    return names


def score_encoder(encode: Callable, tasks: dict[str, Any], config: EncoderBenchmarkConfig,
                  probes_only: bool = False, cache: ScoreCache | None = None,
                  identity: str | None = None) -> tuple[dict[str, dict], int]:
    """Scores per task, and how many of them came from `cache` (the encoder's `identity` is its key)."""
    def run(texts: list[str]):
        return encode(list(texts), config.batch_size, config.max_length)

    def run_documents(texts: list[str]):
        return encode(list(texts), config.batch_size, config.document_max_length)

    scores, reused = {}, 0
    for task, data in tasks.items():
        if probes_only and not isinstance(data, ProbeSet):
            continue
        key = cache.key(identity, task, data) if cache else None
        scores[task] = cache.get(key) if cache else None
        if scores[task] is None:
            scores[task] = (score_retrieval(data, run, run_documents) if isinstance(data, RetrievalSet)
                            else score_task(data, run))
            if cache:
                cache.put(key, scores[task])
        else:
            reused += 1
    return scores, reused


def speed_texts(tasks: dict[str, Any], tokenizer, count_short: int, count_long: int) -> dict[str, list[str]]:
    """Short texts: STS sentences; long texts: consecutive sentences joined to 200-250 word pieces."""
    tasks = {task: data for task, data in tasks.items() if not isinstance(data, RetrievalSet)}
    sentences: list[str] = []
    for data in tasks.values():
        sentences += data.texts if isinstance(data, ProbeSet) else [s for subset in data for s in subset.first]
    sentences = list(dict.fromkeys(sentence for sentence in sentences if sentence.strip()))
    short = [s for data in tasks.values() if not isinstance(data, ProbeSet) for subset in data for s in subset.first]
    lengths = [len(ids) for ids in tokenizer(sentences, add_special_tokens=False)["input_ids"]]
    long, current, pieces = [], [], 0
    for sentence, length in zip(sentences, lengths):
        if pieces + length > LONG_TEXT_PIECES[1]:
            current, pieces = [], 0
        current.append(sentence)
        pieces += length
        if pieces >= LONG_TEXT_PIECES[0]:
            long.append(" ".join(current))
            current, pieces = [], 0
        if len(long) == count_long:
            break
    return {"short": (short or sentences)[:count_short], "long": long}


def measure_speed(encoders: list[LoadedEncoder], texts: dict[str, list[str]], config: EncoderBenchmarkConfig,
                  progress: Callable[[str], None]) -> list[dict]:
    """Texts per second of every encoder, per text kind and batch size, interleaved; median of repeats."""
    rows = []
    for kind, items in texts.items():
        if not items:
            continue
        max_length = config.max_length if kind == "short" else SPEED_MAX_LENGTH
        for batch_size in config.speed_batch_sizes:
            progress(f"speed: {kind} texts, batch {batch_size}")
            sample = items if batch_size > 1 else items[: max(8, len(items) // 4)]
            for encoder in encoders:  # warm-up
                encoder.encode(sample[: max(batch_size, 2)], batch_size, max_length)
            seconds: dict[str, list[float]] = {encoder.name: [] for encoder in encoders}
            for _ in range(config.repeats):
                for encoder in encoders:
                    start = time.perf_counter()
                    encoder.encode(sample, batch_size, max_length)
                    seconds[encoder.name].append(time.perf_counter() - start)
            for encoder in encoders:
                rows.append({"model": encoder.name, "texts": kind, "batch_size": batch_size,
                             "texts_per_second": round(len(sample) / statistics.median(seconds[encoder.name]), 1)})
    return rows


def add_speedups(rows: list[dict], teacher_name: str | None) -> None:
    reference = {(row["texts"], row["batch_size"]): row["texts_per_second"] for row in rows
                 if row["model"] == teacher_name}
    for row in rows:
        base = reference.get((row["texts"], row["batch_size"]))
        row["speedup_vs_teacher"] = round(row["texts_per_second"] / base, 2) if base else None


def transfer_average(scores: dict[str, dict]) -> float | None:
    """Mean over the eight transfer tasks; None unless all eight were scored."""
    if not all(task in scores for task in TRANSFER_TASKS):
        return None
    return float(np.mean([scores[task]["score"] for task in TRANSFER_TASKS]))


def retrieval_average(scores: dict[str, dict], names: list[str]) -> float | None:
    """Mean nDCG@10 x 100 over the retrieval sets; None unless every one was scored."""
    if not names or not all(name in scores for name in names):
        return None
    return float(np.mean([scores[name]["score"] for name in names]))


def run_encoder_benchmark(config: EncoderBenchmarkConfig,
                          progress: Callable[[str], None] = lambda message: None) -> dict[str, Any]:
    """Score and time every encoder; returns the result that `encoder_table` formats."""
    from bertdistill.data.cache import default_cache_root
    from bertdistill.teachers.loading import load_tokenizer

    tasks = load_tasks(config)                                    # every data error before any model work
    for model in config.models:                                  # and every model judged by what it is
        require_kind(model, "--model", SENTENCE_ENCODERS, "a fine-tuned classifier is scored with bertdistill evaluate")
    require_kind(config.teacher, "--teacher", {ModelKind.ENCODER})
    check_something_to_score(config, tasks)
    cache_root = Path(config.cache_dir) if config.cache_dir else default_cache_root()
    names = encoder_names(config, cache_root, progress)
    encoders = []
    for label, model in names:
        progress(f"loading {model}")
        encoders.append(dataclasses.replace(load_encoder(model, config.device), name=label))
    cache = ScoreCache(cache_root, config.score_cache, resolve_device(config.device).type, config.max_length,
                       config.document_max_length)
    retrieval = retrieval_names(tasks)
    results = []
    for encoder, (_, path) in zip(encoders, names):
        progress(f"scoring {encoder.name}")
        start = time.perf_counter()
        scores, reused = score_encoder(encoder.encode, tasks, config, cache=cache, identity=encoder_identity(path))
        results.append({"model": encoder.name, "path": path, "kind": encoder.kind,
                        "scores": scores, "average": transfer_average(scores),
                        "retrieval_average": retrieval_average(scores, retrieval), "parameters": encoder.parameters, "size_mb": megabytes(encoder.size_bytes),
                        "build_seconds": encoder.build_seconds,
                        "eval_seconds": round(time.perf_counter() - start, 1), "tasks_from_cache": reused})
    if "tfidf" in config.baselines and any(isinstance(data, ProbeSet) for data in tasks.values()):
        progress("scoring tfidf (probes only)")
        scores, _ = score_encoder(TfidfEncoder().encode, tasks, config, probes_only=True)
        results.append(lexical_row("TF-IDF 1-2 grams (probes only)", "tfidf", scores, retrieval))
    if "bm25" in config.baselines and retrieval:
        from bertdistill.evaluation.bm25 import score_bm25

        progress("scoring BM25 (retrieval only)")
        scores = {name: score_bm25(tasks[name]) for name in retrieval}
        results.append(lexical_row("BM25 (bm25s, retrieval only)", "bm25", scores, retrieval))
    teacher_label = f"teacher ({config.teacher})" if "teacher" in config.baselines else None
    speed = []
    if config.speed:
        texts = speed_texts(tasks, load_tokenizer(config.teacher), config.short_texts, config.long_texts)
        with tempfile.TemporaryDirectory() as folder:
            timed = encoders + ([served_teacher(config, Path(folder), progress)] if teacher_label else [])
            speed = measure_speed(timed, texts, config, progress)
        if teacher_label:
            results.append({**lexical_row(timed[-1].name, "onnx-int8", {}, retrieval),
                            "size_mb": megabytes(timed[-1].size_bytes)})
        add_speedups(speed, teacher_label)
    return {"results": results, "speed": speed, "teacher": teacher_label,
            "tasks": [task for task in tasks if task not in retrieval], "retrieval_tasks": retrieval,
            "config": config.to_dict(), "environment": environment()}


def lexical_row(label: str, kind: str, scores: dict[str, dict], retrieval: list[str]) -> dict[str, Any]:
    """A result row with scores only (a baseline that is not a sentence encoder, or a timed-only model)."""
    return {"model": label, "path": None, "kind": kind, "scores": scores, "average": None,
            "retrieval_average": retrieval_average(scores, retrieval), "parameters": None, "size_mb": None,
            "build_seconds": None, "eval_seconds": None}


def served_teacher(config: EncoderBenchmarkConfig, folder: Path, progress: Callable[[str], None]) -> LoadedEncoder:
    """The teacher as it would be served on a CPU: ONNX Runtime, int8 weights (timed only, not scored)."""
    from bertdistill.evaluation.encoders import load_onnx_int8

    progress(f"exporting {config.teacher} to ONNX (int8) for the speed reference")
    return dataclasses.replace(load_onnx_int8(config.teacher, folder), name=f"teacher ({config.teacher}), ONNX int8")


def megabytes(size: int | None) -> float | None:
    return None if size is None else round(size / 2**20, 1)


def environment() -> dict[str, Any]:
    import torch

    return {"torch_threads": torch.get_num_threads(),
            "device": "cuda" if torch.cuda.is_available() else "cpu",
            "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}

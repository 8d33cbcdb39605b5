"""Checks of a general (task-agnostic) student: zero-shot STS-B beside its teacher.

The teacher's score is the same for every student of one teacher, so it is kept on disk (one small JSON file
per teacher folder, representation, length, data and library versions) and computed once per machine: on 2
CPU cores it costs as much as the student's.
"""

from __future__ import annotations

import hashlib
import json
import logging
from importlib.metadata import version
from pathlib import Path

from safetensors.torch import load_file

from bertdistill.data.glue import get_glue_task, load_glue_split
from bertdistill.data.loading import DATA_DIR_VARIABLE
from bertdistill.data.store import Entry, Store
from bertdistill.encoding import IDF_FILE, SentenceEncoder
from bertdistill.errors import BertdistillError
from bertdistill.scoring.sts import zero_shot_spearman
from bertdistill.teachers.loading import resolve_model_path, teacher_fingerprint

logger = logging.getLogger(__name__)


def general_student_metrics(student_dir: str, teacher: str, representation: str, max_length: int,
                            data_dir: str | None, cache_root: Path | None = None) -> dict:
    """Zero-shot STS-B dev Spearman of the student's and the teacher's vectors (cosine similarity); the
    teacher's from `cache_root` when it was computed before.

    Skipped, with the reason recorded, when STS-B cannot be loaded (offline with no local data).
    """
    import os

    data_dir = data_dir or os.environ.get(DATA_DIR_VARIABLE)
    try:
        dev = load_glue_split(get_glue_task("stsb"), "dev", data_dir)
    except BertdistillError as error:
        logger.warning("zero-shot STS-B skipped: %s", error)
        return {"stsb_zero_shot": {"skipped": str(error)}}
    first, second, gold = dev["text"], dev["text_pair"], dev["label"]
    idf_path = Path(student_dir) / IDF_FILE
    idf = load_file(idf_path)["idf"].numpy() if idf_path.is_file() else None  # idf_mean: the run's own IDF
    def spearman(model: str) -> float:
        encoder = SentenceEncoder(model, representation=representation, max_length=max_length, idf=idf)
        return zero_shot_spearman(encoder, first, second, gold)

    # with IDF weights (the run's own) or a hub teacher, the teacher's score is not kept
    key = (teacher_score_key(teacher, representation, max_length, first, second, gold)
           if cache_root is not None and idf is None else None)
    entry = (Store(cache_root).entry("zero-shot-teacher", description={"teacher": teacher, "max_length": max_length},
                                     score=key) if key is not None else None)
    teacher_score = cached_score(entry)
    if teacher_score is None:
        teacher_score = spearman(teacher)
        if entry is not None:
            entry.commit("score.json", json.dumps({"spearman": teacher_score}).encode("utf-8"))
    return {"stsb_zero_shot": {"spearman_student": spearman(student_dir), "spearman_teacher": teacher_score,
                               "pairs": len(gold)}}


def teacher_score_key(teacher: str, representation: str, max_length: int, first: list, second: list,
                      gold: list) -> str | None:
    """What the teacher's score depends on, hashed; None for a hub name (not kept)."""
    if not Path(resolve_model_path(teacher)).is_dir():
        return None
    described = {"teacher": teacher_fingerprint(teacher), "representation": representation,
                 "max_length": max_length, "data": [list(first), list(second), [float(x) for x in gold]],
                 "libraries": [version("torch"), version("transformers")]}
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode("utf-8")).hexdigest()[:32]


def cached_score(entry: Entry | None) -> float | None:
    """A kept score, or None (not kept, or a damaged file: computed again and replaced)."""
    data = entry.read("score.json") if entry is not None else None
    try:
        return float(json.loads(data)["spearman"]) if data is not None else None
    except (ValueError, KeyError, TypeError):
        return None

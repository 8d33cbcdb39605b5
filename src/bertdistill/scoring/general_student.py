"""Checks of a general (task-agnostic) student: zero-shot STS-B beside its teacher."""

from __future__ import annotations

import logging
from pathlib import Path

from safetensors.torch import load_file

from bertdistill.data.glue import get_glue_task, load_glue_split
from bertdistill.data.loading import DATA_DIR_VARIABLE
from bertdistill.encoding import IDF_FILE, SentenceEncoder
from bertdistill.errors import BertdistillError
from bertdistill.scoring.sts import zero_shot_spearman

logger = logging.getLogger(__name__)


def general_student_metrics(student_dir: str, teacher: str, representation: str, max_length: int,
                            data_dir: str | None) -> dict:
    """Zero-shot STS-B dev Spearman of the student's and the teacher's vectors (cosine similarity).

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
    scores = {}
    for name, model in (("student", student_dir), ("teacher", teacher)):
        encoder = SentenceEncoder(model, representation=representation, max_length=max_length, idf=idf)
        scores[name] = zero_shot_spearman(encoder, first, second, gold)
    return {"stsb_zero_shot": {"spearman_student": scores["student"], "spearman_teacher": scores["teacher"],
                               "pairs": len(gold)}}

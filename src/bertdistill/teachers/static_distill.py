"""Contextual token vectors from a teacher, by the `model2vec` library's data-free distillation.

`model2vec.distill.distill_from_model` runs every vocabulary token through the teacher in its own
short sequence, mean-pools the output, reduces the table by PCA and weights each row by a Zipf-based
frequency prior (SIF). We use the library as it is (it is maintained and is the baseline our students
must beat), cache its output once per teacher and width, and map its rows back to the teacher's token
ids (the library drops tokens such as `[unused0]` and renumbers the rest).
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

BUILD_FILE = "bertdistill_build.json"   # how long a cached distill took to build, and from what


def model2vec_baseline(teacher: str, cache_root: Path, pca_dims: int = 256) -> Path:
    """The folder of `distill_from_model(teacher, pca_dims=...)`, built once into the store (`model2vec`) under
    the entry's lock, and trusted only while its files have the bytes they had when it was built."""
    import model2vec

    from bertdistill.data.store import Store
    from bertdistill.teachers.loading import teacher_fingerprint

    entry = Store(cache_root).entry("model2vec", description={"teacher": teacher, "pca_dims": pca_dims},
                                    teacher=teacher_fingerprint(teacher), pca_dims=pca_dims,
                                    model2vec=model2vec.__version__)
    with entry.writing():
        if not entry.manifest() and entry.path(BUILD_FILE).is_file():   # built before the store: vouched for now
            entry.finish(built_files(entry.folder))
        if entry.complete:
            return entry.folder
        entry.reset()
        start = time.perf_counter()
        static = distill_teacher(teacher, pca_dims)
        seconds = time.perf_counter() - start
        static.save_pretrained(str(entry.folder))
        entry.path(BUILD_FILE).write_text(json.dumps({"teacher": teacher, "pca_dims": pca_dims,
                                                      "model2vec": model2vec.__version__,
                                                      "build_seconds": round(seconds, 1)}))
        entry.finish(built_files(entry.folder))
    logger.info("model2vec distill of %s built in %.0f s: %s", teacher, seconds, entry.folder)
    return entry.folder


def built_files(folder: Path) -> list[str]:
    """The files a build left in its entry (not the store's own lock and manifest)."""
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*")
                  if path.is_file() and path.name not in (".lock", "manifest.json"))


def distill_teacher(teacher: str, pca_dims: int):
    """The model2vec library's data-free distillation of a teacher (a `model2vec.StaticModel`)."""
    from model2vec.distill import distill_from_model
    from transformers import AutoModel

    from bertdistill.teachers.loading import load_tokenizer, load_weights

    model = load_weights(AutoModel, teacher)
    return distill_from_model(model, load_tokenizer(teacher), pca_dims=pca_dims)


def contextual_token_vectors(teacher: str, vocabulary: dict[str, int], rows: int, width: int,
                             cache_root: Path) -> np.ndarray:
    """(rows, width) float32: row i is the model2vec vector of the teacher's token i (zeros for tokens
    the library leaves out, such as [CLS], [SEP] and [unusedN])."""
    from model2vec import StaticModel

    static = StaticModel.from_pretrained(str(model2vec_baseline(teacher, cache_root, pca_dims=width)))
    table = np.zeros((rows, static.dim), dtype=np.float32)
    vectors = np.asarray(static.embedding, dtype=np.float32)
    for index, token in enumerate(static.tokens):
        token_id = vocabulary.get(token)
        if token_id is not None and token_id < rows:
            table[token_id] = vectors[index]
    if static.dim < width:   # a vocabulary smaller than the width: PCA keeps fewer components
        table = np.pad(table, ((0, 0), (0, width - static.dim)))
    return table

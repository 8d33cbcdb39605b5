"""Task scores of an encoder kept on disk, so that the teacher is scored once per machine.

Why: on a CPU, scoring the teacher is most of an `evaluate-encoder` run (about 50,000 sentences: 3-6 minutes on
2 cores), and its scores change only when its weights, the task data, the protocol or the libraries do; every
one of those is in the key. Only local folders are cached (the embedded teacher, the model2vec baseline,
students): their identity is their config and weight files (a retrained student in the same folder has new
weight files, so a new key). A hub name is scored every time. Each score is one small JSON file committed to the
encoder's store entry with its digest; a damaged one is scored again.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from bertdistill.data.store import Entry, Store
from bertdistill.evaluation.retrieval import RetrievalSet
from bertdistill.evaluation.transfer import PairSet, ProbeSet
from bertdistill.teachers.loading import resolve_model_path, teacher_fingerprint

PROTOCOL = 1   # raise when the scoring of a task changes: old entries are then never read again
LIBRARIES = ("torch", "transformers", "model2vec", "sklearn", "bertdistill", "pytrec-eval-terrier")


def encoder_identity(model: str) -> str | None:
    """The fingerprint of a local model folder; None (not cached) for a hub name."""
    return teacher_fingerprint(model) if Path(resolve_model_path(model)).is_dir() else None


def task_parts(data: list[PairSet] | ProbeSet | RetrievalSet) -> list:
    if isinstance(data, RetrievalSet):
        return [data.name, data.document_ids, data.documents, data.query_ids, data.queries,
                sorted((query, sorted(judged.items())) for query, judged in data.qrels.items())]
    if isinstance(data, list):
        return [[subset.name, subset.first, subset.second, np.asarray(subset.gold, dtype=float).tolist()]
                for subset in data]
    return [data.name, data.texts, np.asarray(data.labels).tolist()]


def task_digest(data: list[PairSet] | ProbeSet | RetrievalSet) -> str:
    """The content of one task's data: texts, gold scores, labels or judgements, in order."""
    digest = hashlib.sha256()
    parts = task_parts(data)
    digest.update(json.dumps(parts, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in LIBRARIES:
        try:
            found[name] = version("scikit-learn" if name == "sklearn" else name)
        except PackageNotFoundError:
            found[name] = "absent"
    return found


class ScoreCache:
    """`get`/`put` of one encoder's score on one task: one store entry (`encoder-scores`) per encoder and
    scoring context, one committed file per task and its data; inert when disabled."""

    def __init__(self, root: str | Path, enabled: bool = True, device: str = "cpu", max_length: int = 128,
                 document_max_length: int = 256) -> None:
        self.store = Store(root)
        self.enabled = enabled
        self.context = {"protocol": PROTOCOL, "libraries": library_versions(), "device": device,
                        "max_length": max_length, "document_max_length": document_max_length}

    def key(self, identity: str | None, task: str, data: list[PairSet] | ProbeSet | RetrievalSet
            ) -> tuple[Entry, str] | None:
        """Where the score is kept: the encoder's entry and the task's file; None when not kept."""
        if not self.enabled or identity is None:
            return None
        described = {name: self.context[name] for name in ("device", "max_length", "document_max_length")}
        entry = self.store.entry("encoder-scores", description=described, encoder=identity, **self.context)
        return entry, f"{re.sub(r'[^A-Za-z0-9_.-]', '_', task)}-{task_digest(data)[:20]}.json"

    def get(self, key: tuple[Entry, str] | None) -> dict[str, Any] | None:
        data = key[0].read(key[1]) if key is not None else None
        if data is None:
            return None
        try:
            return json.loads(data.decode("utf-8"))["score"]
        except (json.JSONDecodeError, KeyError, UnicodeDecodeError):
            return None   # damaged: score again (and overwrite)

    def put(self, key: tuple[Entry, str] | None, score: dict[str, Any]) -> None:
        """Keeps a finite score (a NaN one, from a constant encoder say, is scored again next time)."""
        try:
            data = json.dumps({"score": score}, allow_nan=False).encode("utf-8")
        except ValueError:
            return
        if key is not None:
            key[0].commit(key[1], data)

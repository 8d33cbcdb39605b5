"""Sentence encoders behind one interface, for the encoder benchmark.

An encoder is one of:

* a bertdistill general student folder (BiLSTM: its projected, teacher-space vector);
* a static embedding folder in `model2vec` format (the static SRA student, or the model2vec baseline),
  run by the `model2vec` library itself, exactly as its users run it;
* any Hugging Face encoder or `minilm`, mean-pooled over its last layer (special tokens included, as
  sentence-transformers pools).

The data-free baseline is `model2vec`'s own `distill_from_model` of the teacher (256-d PCA, SIF 1e-4,
the library's defaults), built once and cached under `$BERTDISTILL_CACHE/model2vec/`
(`teachers/static_distill.py`).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bertdistill.errors import ModelError
from bertdistill.teachers.loading import resolve_model_path
from bertdistill.teachers.static_distill import BUILD_FILE

logger = logging.getLogger(__name__)

MODEL2VEC_TYPE = "model2vec"


@dataclasses.dataclass
class LoadedEncoder:
    """`encode(texts, batch_size, max_length) -> (N, d)` float32, plus what the table reports."""

    name: str
    kind: str                       # "bilstm" | "static" | "transformer"
    encode: Callable[[list[str], int, int], np.ndarray]
    parameters: int
    size_bytes: int | None
    build_seconds: float | None = None


def folder_type(name: str) -> str | None:
    """`model_type` from a local folder's config.json, or None for a hub name."""
    config = Path(resolve_model_path(name)) / "config.json"
    if not config.is_file():
        return None
    try:
        return json.loads(config.read_text(encoding="utf-8")).get("model_type")
    except json.JSONDecodeError as error:
        raise ModelError(f"{config}: not valid JSON ({error})") from None


def weights_size(name: str) -> int | None:
    folder = Path(resolve_model_path(name))
    return sum(file.stat().st_size for file in folder.glob("*.safetensors")) if folder.is_dir() else None


def read_build_seconds(name: str) -> float | None:
    path = Path(resolve_model_path(name)) / BUILD_FILE
    return json.loads(path.read_text())["build_seconds"] if path.is_file() else None


def load_static(name: str) -> LoadedEncoder:
    from model2vec import StaticModel

    model = StaticModel.from_pretrained(name)

    def encode(texts: list[str], batch_size: int, max_length: int) -> np.ndarray:
        return np.asarray(model.encode(texts, batch_size=max(batch_size, 1), max_length=max_length,
                                       show_progress_bar=False), dtype=np.float32)

    parameters = int(model.embedding.size + (0 if model.weights is None else model.weights.size))
    return LoadedEncoder(name, "static", encode, parameters, weights_size(name), read_build_seconds(name))


def load_torch_encoder(name: str, device: str | None) -> LoadedEncoder:
    from bertdistill.encoding import SentenceEncoder

    encoder = SentenceEncoder(name, representation="mean", device=device)
    model = encoder.student if encoder.is_student else encoder.teacher.model
    positions = getattr(model.config, "max_position_embeddings", None)   # a Transformer's hard limit

    def encode(texts: list[str], batch_size: int, max_length: int) -> np.ndarray:
        encoder.max_length = min(max_length, positions) if positions else max_length
        return encoder.encode(texts, batch_size=batch_size)

    parameters = sum(parameter.numel() for parameter in model.parameters())
    kind = "bilstm" if encoder.is_student else "transformer"
    return LoadedEncoder(name, kind, encode, parameters, weights_size(name), read_build_seconds(name))


def load_encoder(name: str, device: str | None = None) -> LoadedEncoder:
    """Any encoder the benchmark accepts, by folder, hub name or alias."""
    if folder_type(name) == MODEL2VEC_TYPE:
        return load_static(name)
    return load_torch_encoder(name, device)


def load_onnx_int8(name: str, folder: Path) -> LoadedEncoder:
    """A Transformer encoder exported to ONNX with int8 weights, run by ONNX Runtime (speed reference)."""
    from bertdistill.export.encoder_onnx import INPUTS, export_mean_pooled
    from bertdistill.serving import onnx_session
    from bertdistill.teachers.loading import load_config, load_tokenizer

    path = export_mean_pooled(name, folder)["int8"]
    session = onnx_session(path)
    tokenizer = load_tokenizer(name)
    positions = getattr(load_config(name), "max_position_embeddings", None)
    wanted = [node.name for node in session.get_inputs()]

    def encode(texts: list[str], batch_size: int, max_length: int) -> np.ndarray:
        length = min(max_length, positions) if positions else max_length
        chunks = []
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(texts[start : start + batch_size], padding=True, truncation=True, max_length=length,
                              return_tensors="np")
            feed = {key: batch.get(key, np.zeros_like(batch["input_ids"])).astype(np.int64) for key in INPUTS}
            chunks.append(session.run(None, {key: feed[key] for key in wanted})[0])
        return np.concatenate(chunks) if chunks else np.zeros((0, 0), dtype=np.float32)

    return LoadedEncoder(name, "onnx-int8", encode, 0, path.stat().st_size)

"""Serving API: load a fine-tuned student (or teacher) folder, in PyTorch or ONNX, and predict.

    from bertdistill.serving import Predictor
    predictor = Predictor("runs/kd-sst2")                          # PyTorch
    predictor = Predictor("runs/kd-sst2", onnx="kd-sst2.int8.onnx")  # ONNX Runtime, same tokenizer
    predictor.predict(["a gripping film", "a dull mess"])          # [Prediction(label='positive', ...), ...]
    predictor.predict(["A man sings."], pairs=["A person sings."])  # pair tasks

Inputs are tokenised in length-sorted batches (little padding) and returned in input order.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from bertdistill.data.tasks import TaskSpec
from bertdistill.devices import resolve_device
from bertdistill.errors import DataError, ModelError
from bertdistill.model_config import check_positions, resolve_max_length
from bertdistill.scoring.metrics import predictions_from_logits
from bertdistill.teachers.loading import load_config, load_fine_tuned, load_tokenizer, task_spec_of


@dataclasses.dataclass(frozen=True)
class Prediction:
    label: str | None      # classification: the predicted label
    score: float | None    # regression: the predicted score
    confidence: float      # classification: softmax probability of the label; regression: 1.0


def onnx_session(path: str | Path, threads: int | None = None):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    try:
        return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime raises its own exception types
        raise ModelError(f"cannot load the ONNX model {path}: {error}") from None


class Predictor:
    """Batched prediction from a model folder (tokenizer and config) and, optionally, an ONNX file."""

    def __init__(self, model: str | os.PathLike, onnx: str | Path | None = None, max_length: int | None = None,
                 device: str | None = None, threads: int | None = None) -> None:
        model = os.fspath(model)
        config = load_config(model)
        spec = task_spec_of(config)
        if spec is None:
            raise ModelError(f"{model}: not a fine-tuned bertdistill model (no task in config.json)")
        self.spec: TaskSpec = spec
        self.tokenizer = load_tokenizer(model)
        self.max_length = resolve_max_length(max_length, config)
        if max_length is not None:   # a length asked for explicitly must fit the model
            check_positions(self.max_length, config, model)
        self.session = onnx_session(onnx, threads) if onnx else None
        self.model = None
        if self.session is None:
            self.model, _ = load_fine_tuned(model)
            self.device = resolve_device(device)
            self.model.to(self.device).eval()
        else:
            self.input_names = [node.name for node in self.session.get_inputs()]

    def _batch_logits(self, texts: list[str], pairs: list[str] | None) -> np.ndarray:
        encoded = self.tokenizer(texts, pairs, padding=True, truncation=True, max_length=self.max_length,
                                 return_tensors="np")
        if self.session is not None:
            feed = {name: encoded[name].astype(np.int64) for name in self.input_names}
            return self.session.run(None, feed)[0]                                       # (B, C)
        with torch.inference_mode():
            inputs = {name: torch.from_numpy(value).to(self.device) for name, value in encoded.items()}
            return self.model(**inputs).logits.float().cpu().numpy()                     # (B, C)

    def logits(self, texts: Sequence[str], pairs: Sequence[str] | None = None, batch_size: int = 64) -> np.ndarray:
        texts = list(texts)
        if pairs is not None:
            pairs = list(pairs)
            if len(pairs) != len(texts):
                raise DataError(f"{len(texts)} texts but {len(pairs)} pairs")
        if self.spec.is_pair and pairs is None:
            raise DataError(f"the model was trained on pairs ({self.spec.name}); pass pairs=...")
        if not texts:
            return np.zeros((0, self.spec.num_labels), dtype=np.float32)
        for index, text in enumerate(texts + (pairs or [])):
            if not isinstance(text, str) or not text.strip():
                raise DataError(f"input {index % len(texts) + 1}: empty or non-string text")
        order = np.argsort([-len(text) for text in texts], kind="stable")
        outputs = []
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            outputs.append(self._batch_logits([texts[row] for row in rows],
                                              None if pairs is None else [pairs[row] for row in rows]))
        logits = np.concatenate(outputs)
        restored = np.empty_like(logits)
        restored[order] = logits
        return restored

    def predict(self, texts: Sequence[str], pairs: Sequence[str] | None = None,
                batch_size: int = 64) -> list[Prediction]:
        logits = self.logits(texts, pairs, batch_size)
        predicted = predictions_from_logits(logits, self.spec)
        if self.spec.is_regression:
            return [Prediction(None, float(score), 1.0) for score in predicted]
        probabilities = torch.softmax(torch.from_numpy(logits.astype(np.float32)), dim=-1).numpy()
        return [Prediction(self.spec.labels[index], None, float(probabilities[row, index]))
                for row, index in enumerate(predicted)]

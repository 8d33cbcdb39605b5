"""ONNX export of fine-tuned students (BiLSTM or Transformer, single or pair heads) and of general students
(sentence encoders), with a parity check.

The graph takes `input_ids`, `attention_mask` (and `token_type_ids` where the model reads them) with
dynamic batch and sequence axes and returns `logits` (a fine-tuned model) or `sentence_embedding` (a general
student: the vector `bertdistill encode` gives, before any normalisation), so serving needs only ONNX Runtime
and `tokenizers`. BiLSTMs are exported through the unpacked LSTM
computation (ONNX has no packed sequences). After export the ONNX Runtime outputs are compared with
PyTorch's on sample inputs of several lengths; a difference above the tolerance is an error and the
file is not kept. `--quantize int8` adds a dynamically quantised copy (int8 weights, ONNX Runtime's
`quantize_dynamic`: MatMul, LSTM and Gather), whose difference is reported, not enforced.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from bertdistill.errors import ModelError
from bertdistill.export.unpacked_lstm import drop_unpacked_lstm, use_unpacked_lstm
from bertdistill.model_config import DEFAULT_MAX_LENGTH
from bertdistill.serving import Predictor, onnx_session
from bertdistill.students import GENERAL_STUDENT_TYPES
from bertdistill.teachers.loading import load_config, load_fine_tuned, load_tokenizer, load_weights, task_spec_of

logger = logging.getLogger(__name__)

OPSET = 17
PARITY_TOLERANCE = 1e-4   # max |ONNX - PyTorch| on the sample inputs
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
SAMPLE_TEXTS = (
    "the film is a charming , often funny journey .",
    "a dull mess",
    "it was n't the worst movie i have seen this year , but it came close to being the most forgettable .",
    "great",
    "the cast is strong and the script is sharp , though the ending drags on for far too long .",
)


class OutputOnly(nn.Module):
    """The model's forward reduced to tensors in, one named output out (what the ONNX graph computes)."""

    def __init__(self, model: nn.Module, output_name: str) -> None:
        super().__init__()
        self.model = model
        self.output_name = output_name

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor) -> torch.Tensor:
        outputs = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        return getattr(outputs, self.output_name)                    # (B, C) logits or (B, d) sentence vectors


def load_exportable(model_dir: str) -> tuple[nn.Module, str, bool]:
    """(model, output name, takes pairs): a general student gives its sentence vector, any fine-tuned
    model its logits."""
    from transformers import AutoModel

    config = load_config(model_dir)
    if config.model_type in GENERAL_STUDENT_TYPES and task_spec_of(config) is None:
        return load_weights(AutoModel, model_dir, config), "sentence_embedding", False
    model, spec = load_fine_tuned(model_dir)
    return model, "logits", spec.is_pair


def sample_inputs(tokenizer, texts: Sequence[str], pairs: Sequence[str] | None, max_length: int) -> dict[str, np.ndarray]:
    encoded = tokenizer(list(texts), None if pairs is None else list(pairs), padding=True, truncation=True,
                        max_length=max_length, return_tensors="np", return_token_type_ids=True)
    return {name: encoded[name].astype(np.int64) for name in ("input_ids", "attention_mask", "token_type_ids")}


def max_difference(session, reference: nn.Module, batches: list[dict[str, np.ndarray]]) -> float:
    """Largest |ONNX - PyTorch| over the batches (PyTorch on its normal, packed path)."""
    names = [node.name for node in session.get_inputs()]
    worst = 0.0
    for batch in batches:
        onnx_outputs = session.run(None, {name: batch[name] for name in names})[0]
        with torch.inference_mode():
            torch_outputs = reference(*(torch.from_numpy(batch[name]) for name in INPUT_NAMES)).numpy()
        worst = max(worst, float(np.abs(onnx_outputs - torch_outputs).max()))
    return worst


def export_onnx(model_dir: str, output: str | Path, quantize: str | None = None, tolerance: float = PARITY_TOLERANCE,
                texts: Sequence[str] | None = None, pairs: Sequence[str] | None = None,
                max_length: int = DEFAULT_MAX_LENGTH) -> dict[str, Any]:
    """Export `model_dir` to `output` (and `<output stem>.int8.onnx` with `quantize="int8"`)."""
    output = Path(output)
    model, output_name, is_pair = load_exportable(model_dir)
    model.eval()
    tokenizer = load_tokenizer(model_dir)
    max_length = min(max_length, getattr(model.config, "max_position_embeddings", max_length))
    texts = list(texts or SAMPLE_TEXTS)
    if is_pair and pairs is None:
        pairs = list(reversed(texts))
    example = sample_inputs(tokenizer, texts[:2], None if pairs is None else pairs[:2], max_length)
    exported = OutputOnly(model, output_name).eval()  # a new module starts in training mode: dropout would be exported
    unpacked = use_unpacked_lstm(model)
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(suffix=".onnx", dir=output.parent)
    os.close(handle)
    try:
        torch.onnx.export(
            exported, tuple(torch.from_numpy(example[name]) for name in INPUT_NAMES),
            temporary, input_names=list(INPUT_NAMES), output_names=[output_name],
            dynamic_axes={**{name: {0: "batch", 1: "sequence"} for name in INPUT_NAMES}, output_name: {0: "batch"}},
            opset_version=OPSET, dynamo=False,
        )
        drop_unpacked_lstm(model)  # back to the packed path: the reference for the parity check
        batches = [sample_inputs(tokenizer, texts[i : i + size], None if pairs is None else pairs[i : i + size],
                                 max_length) for size in (1, 3, len(texts)) for i in range(0, len(texts), size)][:8]
        difference = max_difference(onnx_session(temporary), exported, batches)
        if not difference <= tolerance:
            raise ModelError(f"ONNX parity check failed: max |ONNX - PyTorch| = {difference:.3g} > {tolerance:g}")
        os.replace(temporary, output)
    finally:
        Path(temporary).unlink(missing_ok=True)
    record: dict[str, Any] = {"model": str(model_dir), "onnx": str(output), "output": output_name,
                              "max_abs_difference": difference,
                              "tolerance": tolerance,
                              "opset": OPSET, "bilstm_encoders_unpacked": unpacked,
                              "size_bytes": output.stat().st_size}
    if quantize == "int8":
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantized = output.with_name(output.stem + ".int8.onnx")
        quantize_dynamic(str(output), str(quantized), weight_type=QuantType.QInt8)
        record.update(int8=str(quantized), int8_size_bytes=quantized.stat().st_size,
                      int8_max_abs_difference=max_difference(onnx_session(quantized), exported, batches))
    elif quantize is not None:
        raise ModelError(f"unknown quantization {quantize!r}; supported: int8")
    return record


def onnx_metrics(model_dir: str, onnx_file: str | Path, dataset, max_length: int | None = None) -> dict[str, float]:
    """Dev metrics of an exported model through ONNX Runtime (the same tokenizer and task spec)."""
    from bertdistill.scoring.metrics import compute_metrics

    predictor = Predictor(model_dir, onnx=onnx_file, max_length=max_length)
    pairs = dataset["text_pair"] if "text_pair" in dataset.column_names else None
    return compute_metrics(predictor.spec, predictor.logits(dataset["text"], pairs, batch_size=128), dataset["label"])


def backend_metrics(model_dir: str, record: dict[str, Any], split: str, dataset,
                    max_length: int | None = None) -> dict[str, Any]:
    """The dev metric of the fine-tuned model in PyTorch, of its ONNX export and (if made) of the int8 copy,
    on one split: what `export onnx --task` adds to the export record."""
    from bertdistill.model_config import resolve_max_length
    from bertdistill.scoring.splits import evaluate_splits

    model, spec = load_fine_tuned(model_dir)
    max_length = resolve_max_length(max_length, model.config)
    metrics = {"pytorch": evaluate_splits(model, load_tokenizer(model_dir), spec, {split: dataset}, max_length, 128,
                                          progress=False)[split],
               "onnx": onnx_metrics(model_dir, record["onnx"], dataset, max_length)}
    if "int8" in record:
        metrics["onnx-int8"] = onnx_metrics(model_dir, record["int8"], dataset, max_length)
    return {"task": spec.name, "split": split, "metrics": metrics}

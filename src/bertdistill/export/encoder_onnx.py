"""A Transformer encoder as an ONNX graph that returns its mean-pooled sentence vector, fp32 and int8.

The encoder benchmark times the teacher this way beside its PyTorch self, so every student's speed-up can
also be read against a well-served teacher (ONNX Runtime, int8 weights). The graph is checked against
PyTorch before it is used: a wrong export fails loudly instead of timing the wrong thing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from bertdistill.errors import ModelError
from bertdistill.export.onnx import INPUT_NAMES, OPSET
from bertdistill.teachers.loading import load_encoder, load_tokenizer
from bertdistill.teachers.sentence_vector import pool_sentence_vector

INPUTS = INPUT_NAMES   # the same graph inputs as every bertdistill export


class MeanPooled(nn.Module):
    """Tensors in, the mean of the last layer over real tokens out: (B, T) -> (B, d)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor) -> torch.Tensor:
        hidden = self.model(input_ids=input_ids, attention_mask=attention_mask,
                            token_type_ids=token_type_ids).last_hidden_state                # (B, T, d)
        return pool_sentence_vector(hidden, attention_mask, "mean")                          # (B, d)


def export_mean_pooled(name: str, folder: Path, tolerance: float = 1e-3) -> dict[str, Path]:
    """Write `encoder.onnx` and `encoder.int8.onnx` (dynamic quantisation) into `folder`."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from bertdistill.serving import onnx_session

    module = MeanPooled(load_encoder(name)).eval()
    example = load_tokenizer(name)(["A short sentence.", "Another, somewhat longer example sentence."],
                                   padding=True, return_tensors="pt")
    inputs = tuple(example.get(key, torch.zeros_like(example["input_ids"])) for key in INPUTS)
    fp32, int8 = folder / "encoder.onnx", folder / "encoder.int8.onnx"
    torch.onnx.export(module, inputs, str(fp32), input_names=list(INPUTS), output_names=["sentence_embedding"],
                      dynamic_axes={**{key: {0: "batch", 1: "sequence"} for key in INPUTS},
                                    "sentence_embedding": {0: "batch"}},
                      opset_version=OPSET, dynamo=False)
    with torch.no_grad():
        expected = module(*inputs).numpy()
    actual = onnx_session(fp32).run(None, {key: value.numpy() for key, value in zip(INPUTS, inputs)})[0]
    if not np.abs(actual - expected).max() <= tolerance:
        raise ModelError(f"ONNX export of {name} disagrees with PyTorch by {np.abs(actual - expected).max():.3g}")
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
    return {"onnx": fp32, "int8": int8}

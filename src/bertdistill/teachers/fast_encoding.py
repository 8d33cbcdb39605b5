"""Faster ways to run a frozen teacher over a corpus, each kept only while it agrees with plain PyTorch.

* on a CPU, **ONNX Runtime** (fp32): the encoder exported once per teacher into the store (`teacher-onnx`), run
  with as many threads as PyTorch has; on MiniLM and 2 cores 1.0-1.2x PyTorch's throughput on short sentences,
  1.1-1.2x on Wikipedia's (results/training_speed.md), with vectors equal to about 1e-6;
* on a GPU, **autocast** to bf16 (fp16 where bf16 is not supported), when asked for (`autocast`): on an H200
  with MiniLM it ran at 0.76x of fp32 PyTorch even with warm kernels, so `auto` keeps fp32 there.

Either is checked on the first batch it encodes against the fp32 PyTorch forward: every sentence vector must
be within `AGREEMENT` cosine of PyTorch's, or the teacher falls back to plain PyTorch (with a warning) for the
whole run. The check's outcome is recorded (`EncodingCheck`), so a cache says how it was computed.
"""

from __future__ import annotations

import dataclasses
import logging
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from torch import nn
from transformers import PreTrainedModel

from bertdistill.data.store import Store
from bertdistill.errors import ModelError

logger = logging.getLogger(__name__)

Runtime = Literal["auto", "torch", "onnxruntime", "autocast"]
AGREEMENT = 1e-4           # 1 - cosine to PyTorch's fp32 vector, at most, for every sentence of the checked batch
OPSET = 17
ONNX_FILE = "encoder.onnx"

# (B, T) ids and mask -> (B, T, d) last layer and (B, d) pooler output (None when the model has no pooler)
Forward = Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor | None]]


@dataclasses.dataclass
class EncodingCheck:
    """How the teacher encodes: the runtime asked for, the one used, and the agreement found on the first batch."""

    asked: str
    used: str | None = None                 # None until a batch is encoded (all from the cache)
    lowest_cosine: float | None = None      # of the fast runtime against PyTorch, on that batch

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def lowest_cosine(fast: torch.Tensor, exact: torch.Tensor) -> float:
    """The smallest cosine between matching rows of two (B, d) batches of sentence vectors."""
    return float(torch.nn.functional.cosine_similarity(fast.float(), exact.float(), dim=1).min())


def resolve_runtime(runtime: Runtime, device: torch.device) -> str:
    """auto: ONNX Runtime on a CPU, plain PyTorch on a GPU (where autocast was slower on the default teacher,
    results/training_speed.md); torch: plain PyTorch fp32 everywhere; autocast: bf16/fp16 where asked for."""
    if runtime == "onnxruntime" and device.type != "cpu":
        raise ModelError("--teacher-runtime onnxruntime runs on the CPU; on a GPU use auto, torch or autocast")
    if runtime == "auto":
        return "onnxruntime" if device.type == "cpu" else "torch"
    return runtime


class LastLayer(nn.Module):
    """The encoder as the ONNX graph holds it: ids and mask in, last layer (and pooler output) out."""

    def __init__(self, model: PreTrainedModel) -> None:
        super().__init__()
        self.model = model
        self.pooler = getattr(model, "pooler", None) is not None

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
        outputs = self.model(input_ids=input_ids, attention_mask=attention_mask)
        if self.pooler:
            return outputs.last_hidden_state, outputs.pooler_output                      # (B, T, d), (B, d)
        return outputs.last_hidden_state                                                  # (B, T, d)


def export_encoder(model: PreTrainedModel, path: Path) -> None:
    """The encoder as an ONNX graph with dynamic batch and length (written to a temporary name, then moved)."""
    module = LastLayer(model).eval()
    example = (torch.tensor([[1, 2, 3, 4], [1, 3, 4, 0]]), torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]]))   # any vocabulary
    outputs = ["last_hidden_state", "pooler_output"] if module.pooler else ["last_hidden_state"]
    axes = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
            "last_hidden_state": {0: "batch", 1: "sequence"}, "pooler_output": {0: "batch"}}
    temporary = path.with_name(path.name + ".tmp")
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")   # the exporter's advice; the agreement check judges the graph
        torch.onnx.export(module, example, str(temporary), input_names=["input_ids", "attention_mask"],
                          output_names=outputs, opset_version=OPSET, dynamo=False,
                          dynamic_axes={name: axes[name] for name in ("input_ids", "attention_mask", *outputs)})
    temporary.replace(path)


def onnx_forward(model: PreTrainedModel, fingerprint: str, store: Store) -> Forward:
    """ONNX Runtime running the teacher's exported encoder (exported once per teacher, kept in the store)."""
    import onnxruntime

    entry = store.entry("teacher-onnx", description={"teacher": fingerprint[:60], "opset": OPSET},
                        teacher=fingerprint, opset=OPSET, torch=torch.__version__)
    with entry.writing():   # one export per teacher; a second run waits for it
        if not entry.complete:
            entry.reset()
            logger.info("exporting the teacher to ONNX (once) into %s", entry.folder)
            export_encoder(model, entry.path(ONNX_FILE))
            entry.finish([ONNX_FILE])
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    session = onnxruntime.InferenceSession(str(entry.path(ONNX_FILE)), options, providers=["CPUExecutionProvider"])

    def forward(input_ids: torch.Tensor, attention_mask: torch.Tensor):
        outputs = session.run(None, {"input_ids": input_ids.numpy(), "attention_mask": attention_mask.numpy()})
        hidden = torch.from_numpy(np.asarray(outputs[0]))                                # (B, T, d)
        return hidden, torch.from_numpy(np.asarray(outputs[1])) if len(outputs) > 1 else None

    return forward


def autocast_forward(model: PreTrainedModel, device: torch.device) -> Forward:
    """The model under autocast: bf16 where the device supports it, else fp16."""
    dtype = torch.bfloat16 if device.type != "cuda" or torch.cuda.is_bf16_supported() else torch.float16

    def forward(input_ids: torch.Tensor, attention_mask: torch.Tensor):
        with torch.autocast(device.type, dtype=dtype):
            outputs = model(input_ids=input_ids, attention_mask=attention_mask)
        pooler = getattr(outputs, "pooler_output", None)
        return outputs.last_hidden_state.float(), None if pooler is None else pooler.float()

    return forward

"""A frozen teacher that turns sentences into one vector each: the target of SRA.

    cls      : s_T = h_0
    pooler   : s_T = tanh(W_p h_0 + b_p)   (only when the checkpoint has trained pooler weights)
    mean     : s_T = sum_t m_t h_t / sum_t m_t                  (special tokens included)
    idf_mean : s_T = sum_t m_t w_t h_t / sum_t m_t w_t,   w_t = idf of the word piece on the corpus

h_t is the teacher's last-layer state, m_t the attention mask (see docs/methods.md, section 1.2).
IDF is smoothed as in scikit-learn: idf = ln((1 + N) / (1 + df)) + 1, so [CLS]/[SEP], present in
every sentence, get the minimum weight 1 and unseen pieces the maximum.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Literal

import numpy as np
import torch
from transformers import AutoModel, PreTrainedModel

from bertdistill.data.store import Store
from bertdistill.devices import resolve_device
from bertdistill.errors import ModelError
from bertdistill.teachers.fast_encoding import (
    AGREEMENT,
    EncodingCheck,
    Forward,
    Runtime,
    autocast_forward,
    lowest_cosine,
    onnx_forward,
    resolve_runtime,
)
from bertdistill.teachers.loading import load_config, load_weights, teacher_fingerprint

logger = logging.getLogger(__name__)

Representation = Literal["cls", "pooler", "mean", "idf_mean"]
REPRESENTATIONS = ("cls", "pooler", "mean", "idf_mean")


def compute_idf(token_ids: Iterable[list[int]], vocab_size: int) -> np.ndarray:
    """Smoothed IDF of every vocabulary entry over a corpus of tokenised sentences: (vocab_size,)."""
    document_frequency = np.zeros(vocab_size, dtype=np.int64)
    count = 0
    for ids in token_ids:
        document_frequency[np.unique(np.asarray(ids, dtype=np.int64))] += 1
        count += 1
    return (np.log((1 + count) / (1 + document_frequency)) + 1).astype(np.float32)


def pool_sentence_vector(
    hidden: torch.Tensor,
    attention_mask: torch.Tensor,
    representation: Representation,
    pooler_output: torch.Tensor | None = None,
    token_weights: torch.Tensor | None = None,
) -> torch.Tensor:
    """(B, T, d) last-layer states -> (B, d) sentence vectors, following the formulas above."""
    if representation == "cls":
        return hidden[:, 0]                                               # (B, d)
    if representation == "pooler":
        if pooler_output is None:
            raise ModelError("representation 'pooler' needs the teacher's pooler output")
        return pooler_output
    weights = attention_mask.to(hidden.dtype)                             # (B, T)
    if representation == "idf_mean":
        if token_weights is None:
            raise ModelError("representation 'idf_mean' needs IDF weights computed on the corpus")
        weights = weights * token_weights
    return (hidden * weights.unsqueeze(-1)).sum(dim=1) / weights.sum(dim=1, keepdim=True).clamp(min=1e-9)


class SentenceVectorTeacher:
    """A pre-trained encoder, frozen and in eval mode, that produces sentence vectors. With `runtime` auto (or
    onnxruntime) a faster runtime encodes once it agrees with the fp32 PyTorch forward on the first batch
    (`teachers/fast_encoding.py`); `check` says what was used."""

    def __init__(self, name: str, representation: Representation, idf: np.ndarray | None = None,
                 device: torch.device | str | None = None, runtime: Runtime = "torch",
                 store: Store | None = None) -> None:
        if representation not in REPRESENTATIONS:
            raise ModelError(f"representation must be one of {REPRESENTATIONS}, got {representation!r}")
        self.name = name
        self.representation = representation
        self.device = resolve_device(device)
        config = load_config(name)
        self.model: PreTrainedModel
        self.model, info = load_weights(AutoModel, name, config, output_loading_info=True)
        missing_pooler = any("pooler" in key for key in info.get("missing_keys", []))
        if representation == "pooler" and (missing_pooler or getattr(self.model, "pooler", None) is None):
            raise ModelError(
                f"{name} has no trained pooler weights, so representation 'pooler' would be random; "
                "use cls, mean or idf_mean"
            )
        self.model.eval().requires_grad_(False).to(self.device)
        self.hidden_size = int(config.hidden_size)
        self.idf = None if idf is None else torch.as_tensor(idf, dtype=torch.float32, device=self.device)
        self.runtime = resolve_runtime(runtime, self.device)
        self.check = EncodingCheck(asked=runtime)
        self.store = store or Store()
        self.fast: Forward | None = None   # built on the first batch, kept while it agrees with PyTorch

    def exact(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
        """The fp32 PyTorch forward: (B, T, d) last layer and (B, d) pooler output (or None)."""
        outputs = self.model(input_ids=input_ids, attention_mask=attention_mask)
        return outputs.last_hidden_state, getattr(outputs, "pooler_output", None)

    def first_fast_batch(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
        """Encode the first batch both ways; keep the fast way for later batches only when every sentence
        vector agrees with PyTorch's to `AGREEMENT` cosine (and when it runs at all: an export that fails
        falls back too)."""
        exact = self.exact(input_ids, attention_mask)
        try:
            if self.runtime == "onnxruntime":
                fast = onnx_forward(self.model, teacher_fingerprint(self.name), self.store)
            else:
                fast = autocast_forward(self.model, self.device)
            candidate = fast(input_ids, attention_mask)
        except Exception as error:   # an exporter or runtime that cannot take this model: PyTorch can
            logger.warning("the teacher cannot run through %s (%s: %s); encoding with PyTorch fp32", self.runtime,
                           type(error).__name__, str(error)[:200])
            self.runtime, self.check = "torch", EncodingCheck(asked=self.check.asked, used="torch")
            return exact
        found = lowest_cosine(self.pool(candidate, input_ids, attention_mask), self.pool(exact, input_ids,
                                                                                          attention_mask))
        self.check = EncodingCheck(asked=self.check.asked, used=self.runtime, lowest_cosine=round(found, 8))
        if found >= 1 - AGREEMENT:
            self.fast = fast
            return candidate
        logger.warning("the teacher through %s disagrees with PyTorch (a sentence vector's cosine %.6f < %.6f); "
                       "encoding with PyTorch fp32", self.runtime, found, 1 - AGREEMENT)
        self.runtime, self.check.used = "torch", "torch"
        return exact

    def pool(self, outputs, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden, pooler = outputs
        weights = self.idf[input_ids] if self.idf is not None else None                 # (B, T)
        return pool_sentence_vector(hidden.float(), attention_mask, self.representation,
                                    None if pooler is None else pooler.float(), weights).float()

    @torch.no_grad()
    def encode_batch(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """(B, T) token ids -> (B, d) float32 sentence vectors."""
        input_ids, attention_mask = input_ids.to(self.device), attention_mask.to(self.device)
        if self.fast is not None:
            outputs = self.fast(input_ids, attention_mask)
        elif self.runtime != "torch":
            outputs = self.first_fast_batch(input_ids, attention_mask)
        else:
            outputs, self.check.used = self.exact(input_ids, attention_mask), "torch"
        return self.pool(outputs, input_ids, attention_mask)

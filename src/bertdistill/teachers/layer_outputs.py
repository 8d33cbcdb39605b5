"""The per-layer outputs TinyBERT matches: embedding output, hidden states and pre-softmax attention
scores of chosen layers, from any BERT-style `transformers` encoder (BERT, RoBERTa, ELECTRA, MiniLM).

`transformers` returns attention *probabilities* only, so the scores A = Q K^T / sqrt(d_k) are recomputed
from each layer's input hidden states with the layer's own query and key projections: two small matrix
products per matched layer, independent of the attention implementation (eager, SDPA, flash).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import torch
from torch import Tensor, nn
from transformers import PreTrainedModel

from bertdistill.errors import ModelError

MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


@dataclasses.dataclass
class LayerOutputs:
    """What one model produced for one batch: the tensors the intermediate losses compare."""

    embeddings: Tensor                 # (B, T, d): the embedding layer's output
    hidden: list[Tensor]               # per chosen layer (B, T, d)
    scores: list[Tensor]               # per chosen layer (B, h, T, T), without the additive mask
    logits: Tensor | None = None       # (B, C) when the model has a head


def encoder_layers(model: PreTrainedModel, name: str) -> nn.ModuleList:
    """The model's Transformer layers, checked to expose BERT-style query and key projections."""
    layers = getattr(getattr(model.base_model, "encoder", None), "layer", None)
    if layers is None or not all(hasattr(getattr(getattr(layer, "attention", None), "self", None), "query")
                                 and hasattr(layer.attention.self, "key") for layer in layers):
        raise ModelError(f"{name} ({model.config.model_type}) exposes no BERT-style attention (encoder.layer[i]."
                         "attention.self.query/key), so its attention scores cannot be matched; TinyBERT needs "
                         "a BERT-style encoder (BERT, RoBERTa, ELECTRA, MiniLM)")
    if getattr(model.config, "position_embedding_type", "absolute") not in (None, "absolute"):
        raise ModelError(f"{name} uses {model.config.position_embedding_type} position embeddings inside attention; "
                         "its scores are not Q K^T / sqrt(d_k) and cannot be matched")
    return layers


def attention_scores(layer: nn.Module, hidden_states: Tensor) -> Tensor:
    """Q K^T / sqrt(d_k) of one layer for its input `hidden_states` (B, T, d) -> (B, h, T, T)."""
    attention = layer.attention.self
    batch, length, _ = hidden_states.shape
    head_size = attention.attention_head_size
    query = attention.query(hidden_states).view(batch, length, -1, head_size).transpose(1, 2)  # (B, h, T, d_k)
    key = attention.key(hidden_states).view(batch, length, -1, head_size).transpose(1, 2)      # (B, h, T, d_k)
    return torch.matmul(query, key.transpose(-1, -2)) / head_size**0.5                       # (B, h, T, T)


def layer_outputs(model: PreTrainedModel, inputs: dict[str, Tensor], layers: list[int],
                  layer_modules: Sequence[nn.Module]) -> LayerOutputs:
    """Run `model` once and gather the embedding output and, for each of `layers` (0-based), the
    layer's output hidden states and its attention scores."""
    outputs = model(**{key: inputs[key] for key in MODEL_INPUTS if key in inputs}, output_hidden_states=True)
    states = outputs.hidden_states                         # N + 1 tensors (B, T, d): embeddings, layer 0..N-1
    return LayerOutputs(
        embeddings=states[0],
        hidden=[states[layer + 1] for layer in layers],
        scores=[attention_scores(layer_modules[layer], states[layer]) for layer in layers],
        logits=getattr(outputs, "logits", None),
    )

"""The BiLSTM student: embeddings -> stacked BiLSTM -> pooling -> (optional) projection.

`BiLSTMModel` is the general (task-agnostic) student that SRA trains to reproduce the teacher's
sentence vector; `heads.py` adds classification and regression heads for fine-tuning.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
from transformers import PreTrainedModel
from transformers import initialization as init
from transformers.utils import ModelOutput

from bertdistill.students.configuration_bilstm import BiLSTMConfig
from bertdistill.students.pooling import ignored_token_mask, weighted_token_mean


@dataclass
class BiLSTMModelOutput(ModelOutput):
    """last_hidden_state: (B, T, 2H); pooler_output: (B, 2H); sentence_embedding: (B, projection_dim)
    (the pooled vector itself when there is no projection)."""

    last_hidden_state: torch.Tensor | None = None
    pooler_output: torch.Tensor | None = None
    sentence_embedding: torch.Tensor | None = None


class BiLSTMPreTrainedModel(PreTrainedModel):
    config_class = BiLSTMConfig
    base_model_prefix = "bilstm"
    main_input_name = "input_ids"

    def _init_weights(self, module: nn.Module) -> None:
        """Embeddings N(0, 0.1); LSTMs: Xavier input weights, orthogonal recurrent weights, forget-gate
        bias 1 (Jozefowicz et al. 2015); Linear layers as in `transformers`."""
        if isinstance(module, nn.LSTM):
            for name, parameter in module.named_parameters():
                if name.startswith("weight_ih"):
                    init.xavier_uniform_(parameter)
                elif name.startswith("weight_hh"):
                    init.orthogonal_(parameter)
                elif name.startswith("bias_ih"):
                    init.zeros_(parameter)
                    with torch.no_grad():  # gates are ordered input, forget, cell, output
                        parameter[module.hidden_size : 2 * module.hidden_size].fill_(1.0)
                elif name.startswith("bias_hh"):
                    init.zeros_(parameter)
        elif isinstance(module, nn.Embedding):
            init.normal_(module.weight, mean=0.0, std=self.config.initializer_range)
        elif isinstance(module, nn.Linear):
            init.xavier_uniform_(module.weight)
            if module.bias is not None:
                init.zeros_(module.bias)


class BiLSTMEncoder(nn.Module):
    """Token ids -> per-token states and one pooled vector per sequence."""

    def __init__(self, config: BiLSTMConfig) -> None:
        super().__init__()
        self.pooling = config.pooling
        self.embeddings = nn.Embedding(config.vocab_size, config.embedding_dim, padding_idx=config.pad_token_id)
        self.dropout = nn.Dropout(config.dropout)
        self.lstm = nn.LSTM(
            config.embedding_dim, config.hidden_size, num_layers=config.num_layers, bidirectional=True,
            batch_first=True, dropout=config.dropout if config.num_layers > 1 else 0.0,
        )
        self.attention = nn.Linear(config.sentence_dim, 1) if config.pooling == "attention" else None

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mask = attention_mask.bool()                                        # (B, T)
        lengths = mask.sum(dim=1).clamp(min=1)                              # (B,)
        embedded = self.dropout(self.embeddings(input_ids))                 # (B, T, E)
        unpacked = getattr(self, "_unpacked_lstm", None)  # set by export.onnx: ONNX has no packed sequences
        if unpacked is not None:
            states, final_hidden = unpacked(embedded, lengths)
        else:
            packed = pack_padded_sequence(embedded, lengths.cpu(), batch_first=True, enforce_sorted=False)
            packed_states, (final_hidden, _) = self.lstm(packed)
            states, _ = pad_packed_sequence(packed_states, batch_first=True, total_length=input_ids.shape[1])
        states = self.dropout(states)                                       # (B, T, 2H)
        mask = mask.clone()
        mask[:, 0] = True                                                   # an empty row pools its first state
        return states, self.pool(states, mask, final_hidden)

    def pool(self, states: torch.Tensor, mask: torch.Tensor, final_hidden: torch.Tensor) -> torch.Tensor:
        keep = mask.unsqueeze(-1)                                           # (B, T, 1)
        if self.pooling == "max":
            return states.masked_fill(~keep, float("-inf")).max(dim=1).values  # padding never wins the max
        if self.pooling == "mean":
            return (states * keep).sum(dim=1) / keep.sum(dim=1)            # (B, 2H)
        if self.pooling == "last":
            return torch.cat([final_hidden[-2], final_hidden[-1]], dim=-1)  # forward end, backward start
        scores = self.attention(states).squeeze(-1)                         # (B, T)
        weights = scores.masked_fill(~mask, float("-inf")).softmax(dim=-1)  # (B, T)
        return torch.einsum("bt,btd->bd", weights, states)                  # (B, 2H)


class BiLSTMModel(BiLSTMPreTrainedModel):
    """The general student: sentence vectors, projected into the teacher's space for SRA."""

    def __init__(self, config: BiLSTMConfig) -> None:
        super().__init__(config)
        self.encoder = BiLSTMEncoder(config)
        self.projection = (
            nn.Linear(config.sentence_dim, config.projection_dim) if config.projection_dim > 0 else None
        )
        if config.residual_static:
            self.token_weights = nn.Parameter(torch.ones(config.vocab_size))
            self.static_projection = nn.Linear(config.embedding_dim, config.projection_dim, bias=False)
        if config.token_projection_dim > 0:
            self.token_projection = nn.Linear(config.sentence_dim, config.token_projection_dim)
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.encoder.embeddings

    def set_input_embeddings(self, embeddings: nn.Embedding) -> None:
        self.encoder.embeddings = embeddings

    def static_mean(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """The residual static path before its projection: (B, T) -> (B, E)."""
        keep = attention_mask.bool() & ~ignored_token_mask(input_ids, self.config.ignored_token_ids)  # (B, T)
        vectors = self.encoder.embeddings(input_ids)                        # (B, T, E), no dropout
        return weighted_token_mean(vectors, self.token_weights[input_ids], keep)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,  # accepted for tokenizer compatibility; unused
        **kwargs,
    ) -> BiLSTMModelOutput:
        if attention_mask is None:
            attention_mask = input_ids.ne(self.config.pad_token_id)
        states, pooled = self.encoder(input_ids, attention_mask)           # (B, T, 2H), (B, 2H)
        projected = self.projection(pooled) if self.projection is not None else pooled
        if self.config.residual_static:
            projected = projected + self.static_projection(self.static_mean(input_ids, attention_mask))
        return BiLSTMModelOutput(last_hidden_state=states, pooler_output=pooled, sentence_embedding=projected)

"""Fine-tuning heads for the students: single sentence, and siamese sentence pairs.

Pairs arrive tokenised jointly, as for BERT (`[CLS] A [SEP] B [SEP]`, `token_type_ids` 0 then 1), so
the data pipeline is the same for every model. The siamese head splits the two segments, encodes each
with the shared encoder and classifies [u, v, |u - v|, u * v] (Conneau et al. 2017; Tang et al. 2019).
"""

from __future__ import annotations

import torch
from torch import nn
from transformers.modeling_outputs import SequenceClassifierOutput

from bertdistill.errors import ModelError
from bertdistill.model_config import TASK_CONFIG_KEY
from bertdistill.students.bilstm import BiLSTMModel, BiLSTMPreTrainedModel
from bertdistill.students.configuration_bilstm import BiLSTMConfig


def is_pair_config(config: BiLSTMConfig) -> bool:
    """Pair mode comes from the task the model is fine-tuned for (stored in its config)."""
    task = getattr(config, TASK_CONFIG_KEY, None) or {}
    return bool(task.get("is_pair", False))


PAIR_INPUTS_MESSAGE = ("a sentence-pair student tells the two sentences apart by token_type_ids, and this "
                       "tokenizer does not produce them (RoBERTa-style); use a BERT-style tokenizer for pair tasks")


def check_pair_tokenizer(model, tokenizer) -> None:
    """Before training or predicting: a pair head of ours needs a tokenizer that gives token_type_ids."""
    if getattr(model, "is_pair", False) and "token_type_ids" not in tokenizer.model_input_names:
        raise ModelError(PAIR_INPUTS_MESSAGE)


def split_segments(
    input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Jointly tokenised pairs -> two left-aligned sequences (ids and masks) for the shared encoder.

    Segment B is contiguous after segment A, so shifting each row left by the length of A aligns it.
    """
    valid = attention_mask.bool()                                        # (B, T)
    in_first = valid & token_type_ids.eq(0)
    in_second = valid & token_type_ids.eq(1)
    first_length = in_first.sum(dim=1, keepdim=True)                     # (B, 1)
    positions = torch.arange(input_ids.shape[1], device=input_ids.device).unsqueeze(0)  # (1, T)
    gather = (positions + first_length).clamp(max=input_ids.shape[1] - 1)  # (B, T)
    second_mask = torch.gather(in_second, 1, gather) & (positions < in_second.sum(dim=1, keepdim=True))
    second_ids = torch.gather(input_ids, 1, gather).masked_fill(~second_mask, 0)
    return input_ids.masked_fill(~in_first, 0), in_first.long(), second_ids, second_mask.long()


class SentenceClassification:
    """Shared by the students' task models: an MLP head (Linear, ReLU, dropout, Linear) over one sentence's
    vector, or, for pairs, over [u, v, |u - v|, u * v] from the shared encoder. A subclass defines
    `encode(input_ids, attention_mask) -> (B, D)` and calls `build_head(D)` in its constructor.

    Loss: cross-entropy for classification, MSE when `num_labels == 1` (regression).
    """

    def build_head(self, width: int) -> None:
        self.is_pair = is_pair_config(self.config)
        self.classifier = nn.Sequential(
            nn.Linear(width * (4 if self.is_pair else 1), self.config.classifier_hidden_size),
            nn.ReLU(),
            nn.Dropout(self.config.dropout),
            nn.Linear(self.config.classifier_hidden_size, self.config.num_labels),
        )

    def sentence_features(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor | None
    ) -> torch.Tensor:
        if not self.is_pair:
            return self.encode(input_ids, attention_mask)                   # (B, D)
        if token_type_ids is None:
            raise ModelError(PAIR_INPUTS_MESSAGE)
        first_ids, first_mask, second_ids, second_mask = split_segments(input_ids, attention_mask, token_type_ids)
        u = self.encode(first_ids, first_mask)                              # (B, D)
        v = self.encode(second_ids, second_mask)                            # (B, D)
        return torch.cat([u, v, (u - v).abs(), u * v], dim=-1)             # (B, 4D)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        **kwargs,
    ) -> SequenceClassifierOutput:
        if attention_mask is None:
            attention_mask = input_ids.ne(self.config.pad_token_id).long()
        logits = self.classifier(self.sentence_features(input_ids, attention_mask, token_type_ids))  # (B, C)
        loss = None
        if labels is not None:
            if self.config.num_labels == 1:
                loss = nn.functional.mse_loss(logits.squeeze(-1), labels.float())
            else:
                loss = nn.functional.cross_entropy(logits, labels)
        return SequenceClassifierOutput(loss=loss, logits=logits)


class BiLSTMForSequenceClassification(SentenceClassification, BiLSTMPreTrainedModel):
    """BiLSTM encoder + the shared head over its pooled sentence vector (2H wide)."""

    def __init__(self, config: BiLSTMConfig) -> None:
        super().__init__(config)
        self.bilstm = BiLSTMModel(config)
        self.build_head(config.sentence_dim)
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.bilstm.get_input_embeddings()

    def encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.bilstm(input_ids, attention_mask).pooler_output      # (B, 2H)

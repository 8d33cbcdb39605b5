"""The static student: a sentence vector is the weighted mean of trainable token vectors.

    s = 1/|K| * sum_{t in K} w_t * e_t            K: the sentence's tokens, special tokens and padding left out
    sentence_embedding = W s                      (W: an optional bias-free map to the target width)

This is the `model2vec` / `tokenlearn` family of encoders, trained by SRA. The config's `model_type` is
"model2vec" and the saved folder (`fold()` first: w and W multiplied into the table, one (V, d) matrix
named `embeddings`) is at once a `transformers` folder, a `model2vec.StaticModel` folder and, with its
`modules.json`, a `sentence_transformers.SentenceTransformer` folder: the same vectors through all three.
"""

from __future__ import annotations

import torch
from torch import nn
from transformers import PretrainedConfig, PreTrainedModel

from bertdistill.students.bilstm import BiLSTMModelOutput
from bertdistill.students.heads import SentenceClassification
from bertdistill.students.pooling import ignored_token_mask, weighted_token_mean
from bertdistill.students.sentence_transformers_files import write_sentence_transformers_files


class StaticConfig(PretrainedConfig):
    """A static sentence encoder over a (teacher's) vocabulary. `StaticConfig()` is the measured recipe's
    width: 384-d token vectors (results/sra.md).

    Args:
        vocab_size: rows of the token table.
        hidden_dim: width of the token vectors (model2vec's name for it).
        projection_dim: width of the bias-free map to the training target; 0 for none.
        token_weights: learn one scalar weight per token (w_t above); a folded model has none.
        ignored_token_ids: tokens that never count in the mean ([CLS], [SEP], [PAD], [UNK], ...),
            as model2vec encodes without special tokens and drops unknown ones.
        normalize: model2vec's flag: its `encode` L2-normalises the sentence vectors.
    """

    model_type = "model2vec"

    def __init__(self, vocab_size: int = 30522, hidden_dim: int = 384, projection_dim: int = 0,
                 token_weights: bool = False, ignored_token_ids: list[int] | None = None, normalize: bool = True,
                 classifier_hidden_size: int = 400, dropout: float = 0.1, pad_token_id: int = 0, **kwargs) -> None:
        for name, value in (("vocab_size", vocab_size), ("hidden_dim", hidden_dim)):
            if value < 1:
                raise ValueError(f"{name} must be >= 1, got {value}")
        if projection_dim < 0 or not 0 <= dropout < 1:
            raise ValueError("projection_dim must be >= 0 and dropout in [0, 1)")
        self.vocab_size = vocab_size
        self.hidden_dim = hidden_dim
        self.projection_dim = projection_dim
        self.token_weights = token_weights
        self.ignored_token_ids = list(ignored_token_ids or [])
        self.normalize = normalize
        self.classifier_hidden_size = classifier_hidden_size
        self.dropout = dropout
        super().__init__(pad_token_id=pad_token_id, **kwargs)

    @property
    def sentence_dim(self) -> int:
        return self.hidden_dim


class StaticModel(PreTrainedModel):
    """Token table (+ per-token weights) -> masked mean -> (optional) projection."""

    config_class = StaticConfig
    base_model_prefix = "static"
    main_input_name = "input_ids"

    def __init__(self, config: StaticConfig) -> None:
        super().__init__(config)
        self.embeddings = nn.Parameter(torch.zeros(config.vocab_size, config.hidden_dim))
        self.weights = nn.Parameter(torch.ones(config.vocab_size)) if config.token_weights else None
        self.projection = (nn.Linear(config.hidden_dim, config.projection_dim, bias=False)
                           if config.projection_dim > 0 else None)
        self.post_init()

    def ignored_mask(self, input_ids: torch.Tensor) -> torch.Tensor:
        """From the config each call: a buffer would not survive `from_pretrained`'s meta-device init."""
        return ignored_token_mask(input_ids, self.config.ignored_token_ids)

    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.xavier_uniform_(module.weight)
        elif isinstance(module, StaticModel):
            nn.init.normal_(module.embeddings, std=0.1)
            if module.weights is not None:
                nn.init.ones_(module.weights)

    def get_input_embeddings(self) -> nn.Module:
        return _TableView(self)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, **kwargs) -> BiLSTMModelOutput:
        if attention_mask is None:
            attention_mask = input_ids.ne(self.config.pad_token_id)
        keep = attention_mask.bool() & ~self.ignored_mask(input_ids)                   # (B, T)
        # F.embedding, not indexing: its backward sums repeated tokens in a fixed order (reproducible resume)
        vectors = nn.functional.embedding(input_ids, self.embeddings)                 # (B, T, d)
        weights = None if self.weights is None else nn.functional.embedding(input_ids, self.weights.unsqueeze(-1))
        pooled = weighted_token_mean(vectors, None if weights is None else weights.squeeze(-1), keep)
        projected = self.projection(pooled) if self.projection is not None else pooled
        return BiLSTMModelOutput(last_hidden_state=vectors, pooler_output=pooled, sentence_embedding=projected)

    @torch.no_grad()
    def folded_table(self) -> torch.Tensor:
        """(V, d_out): w_t * e_t mapped through W, ignored rows zero; the mean of these rows is the output."""
        table = self.embeddings.detach().float()                                    # (V, d)
        if self.weights is not None:
            table = table * self.weights.detach().float().unsqueeze(-1)
        if self.projection is not None:
            table = table @ self.projection.weight.detach().float().T               # (V, P)
        rows = torch.arange(table.shape[0], device=table.device)
        return table.masked_fill(self.ignored_mask(rows).unsqueeze(-1), 0.0)

    def fold(self) -> StaticModel:
        """The same encoder as one table: what is saved, and what model2vec runs."""
        table = self.folded_table()
        config = StaticConfig(**{**self.config.to_dict(), "hidden_dim": table.shape[1], "projection_dim": 0,
                                 "token_weights": False})
        folded = StaticModel(config)
        folded.embeddings.data.copy_(table)
        return folded


class _TableView(nn.Module):
    """`get_input_embeddings()` for code that counts or reads the token table (parameters, vocabulary size)."""

    def __init__(self, model: StaticModel) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = model.embeddings.shape
        self._model = [model]   # a list: not registered as a submodule

    def parameters(self, recurse: bool = True):
        yield self._model[0].embeddings

    @property
    def weight(self) -> torch.Tensor:
        return self._model[0].embeddings


class StaticForSequenceClassification(SentenceClassification, PreTrainedModel):
    """The static student + the shared head over its sentence vector (`hidden_dim` wide): the whole token
    table is fine-tuned with the head."""

    config_class = StaticConfig
    base_model_prefix = "static"
    main_input_name = "input_ids"

    def __init__(self, config: StaticConfig) -> None:
        super().__init__(config)
        self.static = StaticModel(config)
        self.build_head(config.projection_dim or config.hidden_dim)
        self.post_init()

    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.xavier_uniform_(module.weight)
            if module.bias is not None:
                nn.init.zeros_(module.bias)

    def get_input_embeddings(self) -> nn.Module:
        return self.static.get_input_embeddings()

    def encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.static(input_ids, attention_mask).sentence_embedding   # (B, d)


def save_static(model: StaticModel, tokenizer, folder) -> None:
    """Fold and save: a `transformers` / `model2vec` folder (config.json, model.safetensors with `embeddings`,
    tokenizer.json) plus the `modules.json` that sentence-transformers reads (StaticEmbedding, Normalize)."""
    model.fold().save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    write_sentence_transformers_files(folder, model.config.model_type, model.config.normalize)

"""Configuration of the BiLSTM student (the single source of truth for its shape)."""

from __future__ import annotations

from transformers import PretrainedConfig

POOLINGS = ("max", "mean", "last", "attention")


class BiLSTMConfig(PretrainedConfig):
    """A bidirectional LSTM sentence encoder over the teacher's WordPiece vocabulary.

    `BiLSTMConfig()` is the SRA general student's measured recipe (results/sra.md): 384-d token vectors,
    one layer of 256 units per direction, max pooling, a residual static path, a 384-d projection (the
    embedded teacher's width). `BiLSTMConfig.tang()` is Tang et al.'s task student.

    Args:
        vocab_size: size of the (teacher's) vocabulary.
        embedding_dim: width of the token embeddings.
        hidden_size: LSTM units per direction; the pooled sentence vector is 2 * hidden_size wide.
        num_layers: stacked BiLSTM layers.
        pooling: `max` over time (padding masked), `mean`, `last` (final forward and backward states)
            or `attention` (a learned query, softmax over time).
        dropout: on the embeddings, between LSTM layers and in the classifier head.
        projection_dim: width of the linear map from the pooled vector to the teacher's sentence
            space (SRA's target); 0 for none.
        classifier_hidden_size: width of the ReLU layer of the classification head.
        residual_static: add a static path to the sentence vector: the weighted mean of the token
            embeddings (learned per-token weights, `ignored_token_ids` left out), mapped to
            `projection_dim`. The BiLSTM then only has to add what word order and context give.
        ignored_token_ids: tokens the static path leaves out ([CLS], [SEP], [PAD], ...).
        token_projection_dim: > 0 adds a linear map from each position's BiLSTM state to the teacher's
            width, for token-level targets during SRA (`--token-weight`); unused after training.
    """

    model_type = "bertdistill-bilstm"

    def __init__(
        self,
        vocab_size: int = 30522,
        embedding_dim: int = 384,
        hidden_size: int = 256,
        num_layers: int = 1,
        pooling: str = "max",
        dropout: float = 0.1,
        projection_dim: int = 384,
        classifier_hidden_size: int = 400,
        pad_token_id: int = 0,
        initializer_range: float = 0.1,
        residual_static: bool = True,
        ignored_token_ids: list[int] | None = None,
        token_projection_dim: int = 0,
        **kwargs,
    ) -> None:
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        for name, value in (("vocab_size", vocab_size), ("embedding_dim", embedding_dim),
                            ("hidden_size", hidden_size), ("num_layers", num_layers),
                            ("classifier_hidden_size", classifier_hidden_size)):
            if value < 1:
                raise ValueError(f"{name} must be >= 1, got {value}")
        if projection_dim < 0 or not 0 <= dropout < 1:
            raise ValueError("projection_dim must be >= 0 and dropout in [0, 1)")
        if residual_static and projection_dim < 1:
            raise ValueError("residual_static needs projection_dim >= 1 (the width both paths map to)")
        self.vocab_size = vocab_size
        self.embedding_dim = embedding_dim
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.pooling = pooling
        self.dropout = dropout
        self.projection_dim = projection_dim
        self.classifier_hidden_size = classifier_hidden_size
        self.initializer_range = initializer_range
        self.residual_static = residual_static
        self.ignored_token_ids = list(ignored_token_ids or [])
        self.token_projection_dim = token_projection_dim
        super().__init__(pad_token_id=pad_token_id, **kwargs)

    @classmethod
    def tang(cls, **overrides) -> BiLSTMConfig:
        """Tang et al. (2019)'s single-sentence BiLSTM: 300-d word vectors, one layer of 150 units per
        direction, the last forward and backward states, a ReLU layer of 200; no projection (the pair
        model is its siamese version)."""
        values = dict(embedding_dim=300, hidden_size=150, num_layers=1, pooling="last", projection_dim=0,
                      classifier_hidden_size=200, residual_static=False)
        return cls(**{**values, **overrides})

    @property
    def sentence_dim(self) -> int:
        """Width of the pooled sentence vector."""
        return 2 * self.hidden_size

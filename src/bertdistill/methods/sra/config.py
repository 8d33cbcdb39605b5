"""The configuration of an SRA run: every default of `bertdistill distill sra`, stated once."""

from __future__ import annotations

import dataclasses
from typing import Literal

from bertdistill.config import Config, setting
from bertdistill.data.corpus import CorpusConfig
from bertdistill.data.span_crops import SpanCropConfig
from bertdistill.errors import ConfigError
from bertdistill.losses.registry import WeightedSum
from bertdistill.losses.representation import RepresentationLoss, sra_objective
from bertdistill.students.factory import StudentShape
from bertdistill.teachers.fast_encoding import Runtime
from bertdistill.teachers.sentence_vector import Representation
from bertdistill.training.arguments import TrainingConfig

# one span crop per training sentence: +0.4 to +0.5 points at 200k sentences (results/sra.md, "Span crops")
DEFAULT_SPAN_CROPS = 1
# word pieces per training sentence: the measured recipe's (corpus sentences rarely run longer; students encode
# up to 128 afterwards)
SRA_MAX_LENGTH = 64


def sra_training_defaults() -> TrainingConfig:
    return TrainingConfig(epochs=2, batch_size=128, eval_batch_size=256, lr=1e-3, weight_decay=0.0,
                          warmup_ratio=0.02, logging_steps=50)


@dataclasses.dataclass(kw_only=True)
class SRAConfig(Config):
    teacher: str = setting("minilm", help="a pre-trained (not fine-tuned) encoder: `minilm` (embedded), a folder "
                           "or a hub name")
    output_dir: str = setting(help="where the general student is saved")
    corpus: CorpusConfig = setting(help="the unlabeled sentences")
    representation: Representation = setting("mean", help="the teacher's sentence vector to approximate")
    loss: RepresentationLoss = setting("cosine", help="cosine (beats mse by 1.1 and contrastive by 1.7: "
                                       "results/sra.md), mse, mse+cosine (a static student's best transfer "
                                       "average, +0.15, for 0.2-0.45 less nDCG@10), or contrastive (in-batch "
                                       "InfoNCE on cosine similarity)")
    cosine_weight: float = setting(1.0, help="lambda_cos of mse+cosine", minimum=0)
    temperature: float = setting(0.05, help="of the contrastive loss", above=0)
    target_pca: int = setting(0, metavar="N", help="learn the teacher vector's top N principal coordinates (PCA "
                              "fitted on the training vectors, saved with the student); 0: the raw vector", minimum=0)
    student_type: Literal["bilstm", "static"] = setting("bilstm", flag="--student", help="bilstm: the paper's "
                                                        "student; static: a weighted mean of token vectors "
                                                        "(model2vec format; --embedding-dim is its width)")
    token_weight: float = setting(0.0, metavar="X", help="BiLSTM: add X times a token-level loss (each position's "
                                  "state, projected, against the teacher's last-layer vector of that word piece; "
                                  "costs a teacher forward per step)", minimum=0)
    similarity_weight: float = setting(0.0, metavar="X", help="add X times a relational loss: the batch's pair "
                                       "cosines against the teacher's (the structure STS scores)", minimum=0)
    student: StudentShape = setting(factory=StudentShape, help="the BiLSTM's shape")
    span_crops: SpanCropConfig = setting(factory=lambda: SpanCropConfig(per_sentence=DEFAULT_SPAN_CROPS),
                                         help="extra training texts cut from the corpus sentences")
    init_student: str | None = setting(None, metavar="DIR", help="a BiLSTM general student to continue, or a "
                                       "static one a new residual BiLSTM starts from (its static path then "
                                       "encodes like the static student at step 0)")
    max_length: int = setting(SRA_MAX_LENGTH, help="max word pieces per training sentence", minimum=8)
    eval_sentences: int = setting(1000, help="held-out sentences for the cosine check", minimum=1)
    training: TrainingConfig = setting(factory=sra_training_defaults, help="optimisation")
    cache_dir: str | None = setting(None, help="teacher-vector cache (unset: $BERTDISTILL_CACHE or "
                                    "~/.cache/bertdistill)")
    teacher_batch_size: int = setting(256, metavar="N", help="sentences per teacher batch while the cache is "
                                      "built (sorted by length; under a launcher the processes share the "
                                      "batches)", minimum=1)
    teacher_runtime: Runtime = setting("auto", help="how the teacher encodes the corpus: auto (ONNX Runtime on a "
                                       "CPU, PyTorch fp32 on a GPU), torch (fp32), onnxruntime, or autocast "
                                       "(bf16/fp16; slower than fp32 for MiniLM on an H200); a fast runtime is "
                                       "kept only while its vectors agree with PyTorch fp32 to 1e-4 cosine")
    vectors_in_memory: float = setting(0.25, metavar="SHARE", help="hold the teacher vectors in RAM while they take "
                                       "at most this share of the machine's memory; beyond it (or 0) read them by "
                                       "rows from the cache file, so memory stays flat", rate=True)
    sts_data_dir: str | None = setting(None, flag="--data-dir", help="glue_data folder for the zero-shot STS-B "
                                       "check (unset: $BERTDISTILL_DATA_DIR, else the hub)")
    resume: bool = setting(False, help="continue from the last complete checkpoint in --output-dir")

    def __post_init__(self) -> None:
        # seeds left unset follow the run's: the corpus sample its --seed, the span crops the corpus seed
        if self.corpus.seed is None:
            self.corpus = dataclasses.replace(self.corpus, seed=self.training.seed)
        if self.span_crops.seed is None:
            self.span_crops = dataclasses.replace(self.span_crops, seed=self.corpus.seed)
        if self.eval_sentences < 1:
            raise ConfigError(f"eval_sentences must be >= 1, got {self.eval_sentences}")
        if self.max_length < 8:
            raise ConfigError(f"max_length must be >= 8, got {self.max_length}")
        if self.temperature <= 0:
            raise ConfigError(f"temperature must be > 0, got {self.temperature}")
        for name in ("target_pca", "similarity_weight"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.token_weight < 0 or (self.token_weight > 0 and self.student_type == "static"):
            raise ConfigError("--token-weight must be >= 0, and token-level targets need a BiLSTM student "
                              "(a static student has no per-position state)")
        _ = self.objective   # building it checks the loss and its weights
        if self.loss == "contrastive" and self.training.batch_size < 2:
            raise ConfigError("--loss contrastive compares each sentence with the others of its batch: it needs "
                              f"--batch-size 2 or more, got {self.training.batch_size}")
        if self.student_type == "static" and self.init_student:
            raise ConfigError("--init-student starts a BiLSTM (from a BiLSTM or a static student); a static "
                              "student starts from the teacher")

    @property
    def objective(self) -> WeightedSum:
        """The SRA loss as a weighted sum of registered terms (`losses/representation.py`)."""
        try:
            return sra_objective(self.loss, self.cosine_weight, self.similarity_weight, self.token_weight)
        except ValueError as error:
            raise ConfigError(str(error)) from None

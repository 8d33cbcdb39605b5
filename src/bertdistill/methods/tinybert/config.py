"""The configuration of a TinyBERT run (both stages): every default of `bertdistill distill tinybert`, stated
once, the stage defaults resolved here."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Literal

from bertdistill.config import Config, setting
from bertdistill.data.cache import default_cache_root
from bertdistill.data.corpus import CorpusConfig
from bertdistill.data.loading import DataConfig
from bertdistill.data.word_replacement import WordReplacementConfig
from bertdistill.errors import ConfigError
from bertdistill.losses.intermediate_objective import HeadStrategy, IntermediateObjective
from bertdistill.losses.logits import LOGIT_LOSSES, LogitLoss
from bertdistill.methods.tinybert.training import Projection
from bertdistill.model_config import DEFAULT_MAX_LENGTH
from bertdistill.students.tinybert import (
    Init,
    TinyBertShape,
)
from bertdistill.training.arguments import TrainingConfig

# the learning rate each stage starts from when --lr is unset: the general stage and task step 1 at the authors'
# code's 5e-5; task step 2 at 3e-5, the paper's range being {1e-5, 2e-5, 3e-5}
STAGE_LEARNING_RATES = {"general": 5e-5, "task": 3e-5}


@dataclasses.dataclass(kw_only=True)
class TinyBertConfig(Config):
    stage: Literal["general", "task"] = setting(help="general: a pre-trained teacher on unlabeled sentences; "
                                                "task: a fine-tuned teacher on the task's data")
    teacher: str = setting(help="general: a pre-trained encoder (e.g. minilm); task: a teacher fine-tuned on the "
                           "task")
    output_dir: str = setting(help="where the student is saved")
    corpus: CorpusConfig | None = setting(None, help="general stage: the unlabeled sentences")
    data: DataConfig | None = setting(None, help="task stage: a GLUE task or custom files", skip=("max_length",))
    student: str | None = setting(None, help="start from this BERT folder (a general-stage output); unset: a new "
                                  "one")
    shape: TinyBertShape = setting(factory=TinyBertShape, help="a new student's shape; unset parts follow the "
                                   "teacher (a third of its layers)")
    layer_map: str = setting("uniform", help="uniform (student layer i <- teacher layer (i+1)N/M - 1) or "
                             "STUDENT:TEACHER,... 0-based, e.g. 0:2,1:5")
    init: Init | None = setting(None, help="a new student's weights (unset: teacher-layers when the student has "
                                "the teacher's width, heads and FFN, else random)")
    projection: Projection = setting("separate", help="W_e and one W_h per layer (paper), one for all (authors' "
                                     "code), or none (same width)")
    embedding_weight: float = setting(1.0, help="weight of the embedding-layer loss", minimum=0)
    attention_weight: float = setting(1.0, help="weight of the attention-score loss", minimum=0)
    hidden_weight: float = setting(1.0, help="weight of the hidden-state loss", minimum=0)
    attention_heads: HeadStrategy = setting("match", help="compare scores head by head, or head-averaged "
                                            "(different head counts)")
    prediction_loss: LogitLoss = setting("soft-ce", help="task step 2 on class logits: soft cross-entropy "
                                         "(paper) or logit MSE (Tang et al.); a regression score always uses mse")
    temperature: float = setting(1.0, help="task step 2 soft cross-entropy", above=0)
    alpha: float = setting(0.0, help="task step 2: weight of the gold-label loss on original examples, 1 - alpha "
                           "on the teacher's (paper: 0)", minimum=0)
    augment: bool = setting(True, help="task stage: word-replacement augmentation of the task data")
    transfer_set: str | None = setting(None, help="task stage, instead of word replacement: synthetic or "
                                       "unlabeled in-domain examples in JSONL (`text`, `text_pair` for pairs), e.g. "
                                       "from `bertdistill augment`")
    augmentation: WordReplacementConfig = setting(factory=WordReplacementConfig, help="task stage: word "
                                                  "replacement (Jiao et al.'s values)")
    max_length: int = setting(DEFAULT_MAX_LENGTH, help="max word pieces per sentence or example", minimum=8)
    eval_sentences: int = setting(1000, help="general stage: held-out sentences for the final loss", minimum=1)
    training: TrainingConfig = setting(factory=TrainingConfig, help="the general stage, or task step 2",
                                       helps={"lr": "peak learning rate; unset: 5e-5 for the general stage, 3e-5 "
                                              "for task step 2"})
    intermediate_epochs: float = setting(10.0, help="task step 1 epochs (the authors' README; paper: 20)", above=0)
    intermediate_lr: float = setting(5e-5, help="task step 1 learning rate (constant, no warm-up)", above=0)
    teacher_batch_size: int = setting(128, help="examples per teacher batch when logits are computed", minimum=1)
    cache_dir: str | None = setting(None, help="teacher-logit and augmentation cache (unset: $BERTDISTILL_CACHE "
                                    "or ~/.cache/bertdistill)")
    resume: bool = setting(False, help="continue from the last complete checkpoint in --output-dir")

    @property
    def intermediate(self) -> TrainingConfig:
        """The intermediate-loss phase: the general stage itself, or task step 1 (its own epochs and constant
        learning rate; batch, seed and the rest as step 2)."""
        if self.stage == "general":
            return self.training
        return dataclasses.replace(self.training, epochs=self.intermediate_epochs, lr=self.intermediate_lr,
                                   warmup_ratio=0.0)

    @property
    def prediction(self) -> TrainingConfig:
        """Task step 2, the prediction layer."""
        return self.training

    def __post_init__(self) -> None:
        self.resolve_stage_defaults()
        if self.stage == "general" and self.corpus is None:
            raise ConfigError("the general stage needs a corpus (--corpus PATH)")
        if self.stage == "task" and self.data is None:
            raise ConfigError("the task stage needs task data (--task, or --train-file and --dev-file)")
        if self.stage == "general" and self.transfer_set:
            raise ConfigError("--transfer-set is for the task stage; the general stage reads --corpus")
        if self.prediction_loss not in LOGIT_LOSSES:
            raise ConfigError(f"prediction_loss must be one of {LOGIT_LOSSES}, got {self.prediction_loss!r}")
        if self.temperature <= 0:
            raise ConfigError(f"temperature must be > 0, got {self.temperature}")
        if not 0 <= self.alpha <= 1:
            raise ConfigError(f"alpha must be in [0, 1], got {self.alpha}")
        try:
            _ = self.objective  # building it validates the weights and heads setting
        except ValueError as error:
            raise ConfigError(str(error)) from None

    def resolve_stage_defaults(self) -> None:
        """The stage's learning rate where none was set; unset seeds follow the run's; one token length."""
        if self.training.lr is None:
            self.training = dataclasses.replace(self.training, lr=STAGE_LEARNING_RATES[self.stage])
        if self.corpus is not None and self.corpus.seed is None:
            self.corpus = dataclasses.replace(self.corpus, seed=self.training.seed)
        if self.augmentation.seed is None:
            self.augmentation = dataclasses.replace(self.augmentation, seed=self.training.seed)
        if self.data is not None and self.data.max_length != self.max_length:
            self.data = dataclasses.replace(self.data, max_length=self.max_length)

    @property
    def objective(self) -> IntermediateObjective:
        return IntermediateObjective(self.embedding_weight, self.attention_weight, self.hidden_weight,
                                     self.attention_heads)

    @property
    def cache_root(self) -> Path:
        return Path(self.cache_dir) if self.cache_dir else default_cache_root()

"""TinyBERT's shared pieces (both stages): the run configuration and its defaults, the student plan
(new, from the teacher's layers, or a previous stage's student with its projections), the intermediate
training step, and how a stage saves its student."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Literal

from transformers import (
    BertForSequenceClassification,
    BertModel,
    DataCollatorWithPadding,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    TrainerCallback,
)

from bertdistill.config import Config, setting
from bertdistill.data.cache import default_cache_root
from bertdistill.data.corpus import CorpusConfig
from bertdistill.data.loading import DataConfig
from bertdistill.data.tasks import TaskSpec
from bertdistill.data.word_replacement import WordReplacementConfig
from bertdistill.errors import ConfigError, ModelError
from bertdistill.io import publish_directory
from bertdistill.losses.intermediate_objective import HeadStrategy, IntermediateObjective
from bertdistill.losses.logits import LOGIT_LOSSES, LogitLoss
from bertdistill.methods.tinybert_training import PROJECTIONS_FILE, IntermediateTrainer, ProjectedStudent, Projection
from bertdistill.model_config import DEFAULT_MAX_LENGTH, TASK_CONFIG_KEY, TINYBERT_CONFIG_KEY
from bertdistill.students.layer_map import format_layer_map, parse_layer_map
from bertdistill.students.tinybert import (
    Init,
    TinyBertShape,
    check_copyable,
    copy_teacher_head,
    copy_teacher_layers,
    resolve_shape,
)
from bertdistill.students.tinybert import student_config as tinybert_config
from bertdistill.teachers.layer_outputs import encoder_layers
from bertdistill.teachers.loading import (
    load_config,
    load_encoder,
    load_for_training,
    load_tokenizer,
    task_head_settings,
    task_spec_of,
)
from bertdistill.training.arguments import TrainingConfig
from bertdistill.training.run import Phase
from bertdistill.training.vocabulary import check_same_vocabulary

logger = logging.getLogger(__name__)

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
    embedding_weight: float = setting(1.0, help="weight of the embedding-layer loss")
    attention_weight: float = setting(1.0, help="weight of the attention-score loss")
    hidden_weight: float = setting(1.0, help="weight of the hidden-state loss")
    attention_heads: HeadStrategy = setting("match", help="compare scores head by head, or head-averaged "
                                            "(different head counts)")
    prediction_loss: LogitLoss = setting("soft-ce", help="task step 2 on class logits: soft cross-entropy "
                                         "(paper) or logit MSE (Tang et al.); a regression score always uses mse")
    temperature: float = setting(1.0, help="task step 2 soft cross-entropy")
    alpha: float = setting(0.0, help="task step 2: weight of the gold-label loss on original examples, 1 - alpha "
                           "on the teacher's (paper: 0)")
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
    intermediate_epochs: float = setting(10.0, help="task step 1 epochs (the authors' README; paper: 20)")
    intermediate_lr: float = setting(5e-5, help="task step 1 learning rate (constant, no warm-up)")
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


@dataclasses.dataclass
class StudentPlan:
    """The student to train and how it relates to the teacher (recorded in metrics and config.json)."""

    student: PreTrainedModel
    layer_map: dict[int, int]
    init: str

    def describe(self) -> dict:
        config = self.student.config
        return {"layers": config.num_hidden_layers, "hidden": config.hidden_size, "heads": config.num_attention_heads,
                "intermediate": config.intermediate_size, "layer_map": format_layer_map(self.layer_map),
                "init": self.init}


def check_heads(student: PreTrainedModel, teacher: PreTrainedModel, strategy: HeadStrategy) -> None:
    mine, theirs = student.config.num_attention_heads, teacher.config.num_attention_heads
    if strategy == "match" and mine != theirs:
        raise ConfigError(f"the student has {mine} attention heads and the teacher {theirs}: attention scores are "
                          f"compared head by head. Use --student-heads {theirs}, or --attention-heads mean "
                          "(compare head-averaged scores)")


def new_student(shape: TinyBertShape, teacher: PreTrainedModel, spec: TaskSpec | None) -> PreTrainedModel:
    """A random-init BERT of `shape`: an encoder, or with a task head for `spec`."""
    if spec is None:
        return BertModel(tinybert_config(shape, teacher.config))
    settings = task_head_settings(spec)
    task = settings.pop(TASK_CONFIG_KEY)
    config = tinybert_config(shape, teacher.config, **settings)
    setattr(config, TASK_CONFIG_KEY, task)
    return BertForSequenceClassification(config)


def plan_student(config: TinyBertConfig, teacher: PreTrainedModel, teacher_tokenizer: PreTrainedTokenizerBase,
                 spec: TaskSpec | None = None) -> StudentPlan:
    """A student folder (`config.student`, vocabulary checked), or a new BERT of the resolved shape,
    random or started from the teacher's mapped layers; then the layer map, the heads, the attentions.
    With a task `spec` the student has a classification (or regression) head."""
    encoder_layers(teacher, f"the teacher {config.teacher}")
    teacher_layers = teacher.config.num_hidden_layers
    if config.student:
        check_same_vocabulary(load_tokenizer(config.student), teacher_tokenizer, config.student, config.teacher)
        student = load_for_training(config.student, spec) if spec else load_encoder(config.student)
        if student.config.model_type != "bert":
            raise ModelError(f"{config.student} is a {student.config.model_type}; TinyBERT students are BERT models")
        if spec is not None and task_spec_of(load_config(config.student)) is None:
            copy_teacher_head(student, teacher)  # a general student has no head: start from the teacher's
        layer_map = parse_layer_map(config.layer_map, student.config.num_hidden_layers, teacher_layers)
        plan = StudentPlan(student, layer_map, f"from {config.student}")
    else:
        shape = resolve_shape(config.shape, teacher.config)
        student = new_student(shape, teacher, spec)
        layer_map = parse_layer_map(config.layer_map, shape.layers, teacher_layers)
        init = config.init or ("teacher-layers" if check_copyable(student.config, teacher.config) is None
                               else "random")
        if init == "teacher-layers":
            copy_teacher_layers(student, teacher, [layer_map.get(layer, layer) for layer in range(shape.layers)])
        plan = StudentPlan(student, layer_map, init)
    check_heads(plan.student, teacher, config.attention_heads)
    width, teacher_width = plan.student.config.hidden_size, teacher.config.hidden_size
    if config.projection == "none" and width != teacher_width:
        raise ConfigError(f"the student is {width} wide and the teacher {teacher_width}: hidden states can only "
                          "be compared through a learned projection (--projection separate or shared)")
    return plan


def projected_student(config: TinyBertConfig, plan: StudentPlan, teacher: PreTrainedModel) -> ProjectedStudent:
    """The student with projections: an earlier stage's when the student folder has them and they fit."""
    model = ProjectedStudent(plan.student, teacher.config.hidden_size, list(plan.layer_map), config.projection)
    earlier = Path(config.student or "") / PROJECTIONS_FILE
    if config.student and earlier.is_file():
        if model.load_projections(earlier):
            logger.info("continuing with the projections of %s", earlier)
        else:
            logger.warning("%s does not fit this layer map or projection kind; new projections", earlier)
    return model


def train_intermediate(config: TinyBertConfig, model: ProjectedStudent, teacher: PreTrainedModel,
                       plan: StudentPlan, tokenizer: PreTrainedTokenizerBase, train_set, eval_set,
                       run_dir: Path, callbacks: tuple[TrainerCallback, ...]) -> tuple[IntermediateTrainer, dict]:
    """One intermediate-loss training phase (general stage or task step 1) in `run_dir`, resumable; returns
    the trainer and what metrics.json records of the phase."""
    phase = Phase(run_dir, config.resume)
    arguments = phase.arguments(config.intermediate, None, label_names=[])
    arguments.lr_scheduler_type = "constant" if config.intermediate.warmup_ratio == 0 else "linear"
    trainer = IntermediateTrainer(
        model=model, args=arguments, train_dataset=train_set, eval_dataset=eval_set,
        data_collator=DataCollatorWithPadding(tokenizer), callbacks=phase.callbacks(callbacks),
        teacher=teacher, teacher_layers=[plan.layer_map[layer] for layer in plan.layer_map],
        objective=config.objective,
    )
    return trainer, phase.train(trainer)


def save_student(model: ProjectedStudent, tokenizer: PreTrainedTokenizerBase, target: Path, record: dict) -> None:
    """The student as a plain save_pretrained folder (with tokenizer), projections beside it."""
    setattr(model.student.config, TINYBERT_CONFIG_KEY, record)
    staging = target / ".final-model.tmp"
    model.student.save_pretrained(staging)
    tokenizer.save_pretrained(staging)
    model.save_projections(staging / PROJECTIONS_FILE)
    publish_directory(staging, target)

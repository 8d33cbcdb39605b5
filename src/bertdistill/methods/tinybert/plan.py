"""The student of a TinyBERT stage: a previous stage's folder, or a new BERT (built by `students.tinybert`), with
its layer map and projections; the intermediate-loss training phase both stages run; how a stage saves it."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from transformers import (
    DataCollatorWithPadding,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    TrainerCallback,
)

from bertdistill.data.tasks import TaskSpec
from bertdistill.errors import ConfigError, ModelError
from bertdistill.io import publish_directory
from bertdistill.losses.intermediate_objective import HeadStrategy
from bertdistill.methods.tinybert.config import TinyBertConfig
from bertdistill.methods.tinybert.training import PROJECTIONS_FILE, IntermediateTrainer, ProjectedStudent
from bertdistill.model_config import TINYBERT_CONFIG_KEY
from bertdistill.students.layer_map import format_layer_map, parse_layer_map
from bertdistill.students.tinybert import (
    check_copyable,
    copy_teacher_head,
    copy_teacher_layers,
    new_tinybert,
    resolve_shape,
)
from bertdistill.teachers.layer_outputs import encoder_layers
from bertdistill.teachers.loading import (
    load_config,
    load_encoder,
    load_for_training,
    load_tokenizer,
    task_head_settings,
    task_spec_of,
)
from bertdistill.training.run import Phase
from bertdistill.training.vocabulary import check_same_vocabulary

logger = logging.getLogger(__name__)


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
        student = new_tinybert(shape, teacher.config, task_head_settings(spec) if spec else None)
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
    arguments.ddp_find_unused_parameters = True   # the pooler and a task head take no part in these losses
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

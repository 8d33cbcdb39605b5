"""The training pieces of TinyBERT's intermediate-layer stages (general distillation, task step 1):
the student with its learned projections, and a Trainer whose loss is the intermediate objective.
Step 2 (the prediction layer) reuses task-specific KD's trainer with soft cross-entropy."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Literal

import torch
from safetensors.torch import load_file, save_file
from torch import Tensor, nn
from transformers import PreTrainedModel

from bertdistill.errors import ConfigError
from bertdistill.losses.intermediate_objective import IntermediateObjective
from bertdistill.teachers.layer_outputs import LayerOutputs, encoder_layers, layer_outputs
from bertdistill.training.trainer import Trainer

Projection = Literal["separate", "shared", "none"]
PROJECTIONS_FILE = "projections.safetensors"


class ProjectedStudent(nn.Module):
    """A student and the projections W_e, W_h (d_S -> d_T) through which its embedding output and
    mapped hidden states are compared with the teacher's. `separate` (the paper): one matrix for the
    embeddings and one per mapped layer; `shared` (the authors' code): one for all; `none`: identity,
    for a student as wide as its teacher. Square projections start as the identity."""

    def __init__(self, student: PreTrainedModel, teacher_width: int, student_layers: list[int],
                 projection: Projection = "separate") -> None:
        super().__init__()
        self.student = student
        self.student_layers = student_layers
        self.layers = tuple(encoder_layers(student, "the student"))  # a tuple: not registered a second time
        width = student.config.hidden_size
        if projection == "none" and width != teacher_width:
            raise ConfigError(f"the student is {width} wide and the teacher {teacher_width}: hidden states can only "
                              "be compared through a learned projection (--projection separate or shared)")
        count = {"none": 0, "shared": 1, "separate": 1 + len(student_layers)}[projection]
        self.projection = projection
        self.projections = nn.ModuleList(nn.Linear(width, teacher_width) for _ in range(count))
        if width == teacher_width:
            for layer in self.projections:
                nn.init.eye_(layer.weight)
                nn.init.zeros_(layer.bias)

    def project(self, states: Tensor, index: int) -> Tensor:
        """index 0: the embeddings; i + 1: the i-th mapped layer."""
        if self.projection == "none":
            return states
        return self.projections[0 if self.projection == "shared" else index](states)    # (B, T, d_T)

    def forward(self, **inputs: Tensor) -> LayerOutputs:
        outputs = layer_outputs(self.student, inputs, self.student_layers, self.layers)
        outputs.logits = None   # no intermediate loss reads it; returned, DDP would wait for the head's gradients
        outputs.embeddings = self.project(outputs.embeddings, 0)
        outputs.hidden = [self.project(states, index + 1) for index, states in enumerate(outputs.hidden)]
        return outputs

    def save_projections(self, path: Path) -> None:
        """The projections alone (the student folder stays a plain BERT), written atomically."""
        temporary = path.with_name(path.name + ".tmp")
        save_file({key: value.detach().contiguous() for key, value in self.projections.state_dict().items()},
                  str(temporary), metadata={"projection": self.projection})
        temporary.replace(path)

    def load_projections(self, path: Path) -> bool:
        """Continue with the projections of an earlier stage when they fit; False when they do not."""
        state = load_file(str(path))
        expected = self.projections.state_dict()
        if set(state) != set(expected) or any(state[key].shape != expected[key].shape for key in state):
            return False
        self.projections.load_state_dict(state)
        return True


class IntermediateTrainer(Trainer):
    """Loss = the intermediate objective between the projected student and the frozen teacher."""

    def __init__(self, *args, teacher: PreTrainedModel, teacher_layers: list[int],
                 objective: IntermediateObjective, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.teacher = teacher.eval().to(self.args.device)
        for parameter in self.teacher.parameters():
            parameter.requires_grad_(False)
        self.teacher_layers = teacher_layers
        self.teacher_modules = encoder_layers(teacher, "the teacher")
        self.objective = objective
        self.parts: dict[str, list[float]] = defaultdict(list)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        student = model(**inputs)
        with torch.no_grad():
            teacher = layer_outputs(self.teacher, inputs, self.teacher_layers, self.teacher_modules)
        parts = self.objective(student, teacher, inputs["attention_mask"])
        if model.training:
            for name in ("embedding", "attention", "hidden"):   # a part of weight 0 is not computed: logged as 0
                part = parts.get(name, 0.0)
                self.parts[name].append(float(part.detach()) if torch.is_tensor(part) else float(part))
        return (parts["loss"], student) if return_outputs else parts["loss"]

    def prediction_step(self, model, inputs, prediction_loss_only, ignore_keys=None):
        inputs = self._prepare_inputs(inputs)
        with torch.no_grad():
            loss = self.compute_loss(model, inputs)
        return loss.detach(), None, None

    def log(self, logs: dict[str, float], *args, **kwargs) -> None:
        """Adds the mean of each loss part since the last log line."""
        for name, values in self.parts.items():
            if values:
                logs[f"loss_{name}"] = round(sum(values) / len(values), 6)
        self.parts.clear()
        super().log(logs, *args, **kwargs)

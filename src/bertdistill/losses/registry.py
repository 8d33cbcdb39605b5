"""Losses registered by name, and an objective as data: a weighted sum of named terms.

Each loss is a small documented function that registers itself (`@register_loss("cosine")`); an objective
says only which losses and how much of each (`WeightedSum((("cosine", 1.0), ("similarity", 0.5)))`), and a
trainer hands it every tensor it has. Each term receives the inputs its function names: `cosine(student,
teacher)` takes those two, `contrastive(student, teacher, temperature)` one more. Which losses a run uses is
then a value of its config, separate from how it is trained (torchdistill's pattern).
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

LOSSES: dict[str, Callable[..., Tensor]] = {}


def register_loss(name: str) -> Callable[[Callable[..., Tensor]], Callable[..., Tensor]]:
    """Register the decorated function as the loss `name`."""
    def register(function: Callable[..., Tensor]) -> Callable[..., Tensor]:
        if name in LOSSES and LOSSES[name] is not function:
            raise ValueError(f"a loss named {name!r} is registered already ({LOSSES[name].__qualname__})")
        LOSSES[name] = function
        return function
    return register


def loss_inputs(name: str) -> tuple[str, ...]:
    """The inputs the loss `name` reads, in order."""
    return tuple(inspect.signature(LOSSES[name]).parameters)


@dataclasses.dataclass(frozen=True)
class WeightedSum:
    """L = sum_i w_i * L_i over the named, registered losses L_i; terms of weight 0 are not computed."""

    terms: tuple[tuple[str, float], ...]

    def __post_init__(self) -> None:
        unknown = [name for name, _ in self.terms if name not in LOSSES]
        if unknown:
            raise ValueError(f"no loss named {unknown}; registered: {', '.join(sorted(LOSSES))}")
        weights = [weight for _, weight in self.terms]
        if not weights or min(weights) < 0 or max(weights) == 0:
            raise ValueError(f"loss weights must be >= 0 and not all 0, got {dict(self.terms)}")

    @property
    def active(self) -> tuple[tuple[str, float], ...]:
        return tuple((name, weight) for name, weight in self.terms if weight > 0)

    def needs(self, name: str) -> bool:
        """Whether a term with weight > 0 reads the input `name` (costly inputs are computed only then)."""
        return any(name in loss_inputs(term) for term, _ in self.active)

    def __call__(self, **inputs: Any) -> dict[str, Tensor]:
        """Every active term on the inputs it names, and their weighted sum under "loss"."""
        parts: dict[str, Tensor] = {}
        for name, _ in self.active:
            missing = [key for key in loss_inputs(name) if key not in inputs]
            if missing:
                raise ValueError(f"loss {name!r} needs {missing}; given {sorted(inputs)}")
            parts[name] = LOSSES[name](**{key: inputs[key] for key in loss_inputs(name)})
        total = torch.stack([weight * parts[name] for name, weight in self.active]).sum()
        return {"loss": total, **parts}

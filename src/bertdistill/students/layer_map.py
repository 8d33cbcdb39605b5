"""Which teacher layer each student layer learns from (TinyBERT, docs/methods.md 3.2).

Layers are counted from 0 on both sides. `uniform` maps student layer i of M to teacher layer
(i + 1) * N / M - 1 of N: for 4 of 12, teacher layers 2, 5, 8, 11 (the paper's 3, 6, 9, 12 counted
from 1); for 2 of 6, layers 2 and 5. The embeddings always learn from the teacher's embeddings.
An explicit map is `0:2,1:5` (student:teacher); student layers it leaves out get no layer loss.
"""

from __future__ import annotations

from bertdistill.errors import ConfigError


def uniform_layer_map(student_layers: int, teacher_layers: int) -> dict[int, int]:
    if student_layers > teacher_layers:
        raise ConfigError(f"the student has {student_layers} layers, more than the teacher's {teacher_layers}: "
                          "give an explicit --layer-map")
    return {layer: (layer + 1) * teacher_layers // student_layers - 1 for layer in range(student_layers)}


def parse_layer_map(text: str, student_layers: int, teacher_layers: int) -> dict[int, int]:
    """`uniform` or `student:teacher,...`; every index must exist and each student layer appear once."""
    if text.strip() == "uniform":
        return uniform_layer_map(student_layers, teacher_layers)
    mapping: dict[int, int] = {}
    for item in text.split(","):
        try:
            student, teacher = (int(part) for part in item.split(":"))
        except ValueError:
            raise ConfigError(f"layer map entry {item.strip()!r} is not STUDENT:TEACHER (e.g. 0:2,1:5)") from None
        if not 0 <= student < student_layers:
            raise ConfigError(f"layer map entry {item.strip()!r}: the student has layers 0..{student_layers - 1}")
        if not 0 <= teacher < teacher_layers:
            raise ConfigError(f"layer map entry {item.strip()!r}: the teacher has layers 0..{teacher_layers - 1}")
        if student in mapping:
            raise ConfigError(f"layer map: student layer {student} is mapped twice")
        mapping[student] = teacher
    return dict(sorted(mapping.items()))


def format_layer_map(mapping: dict[int, int]) -> str:
    return ",".join(f"{student}:{teacher}" for student, teacher in mapping.items())

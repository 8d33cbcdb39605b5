"""Teacher and student must tokenise identically: the student reuses the teacher's word pieces."""

from __future__ import annotations

from transformers import PreTrainedTokenizerBase

from bertdistill.errors import ModelError


def check_same_vocabulary(student: PreTrainedTokenizerBase, teacher: PreTrainedTokenizerBase,
                          student_name: str, teacher_name: str) -> None:
    student_vocab, teacher_vocab = student.get_vocab(), teacher.get_vocab()
    if student_vocab != teacher_vocab:
        differing = sum(1 for piece, index in student_vocab.items() if teacher_vocab.get(piece) != index)
        raise ModelError(
            f"the student {student_name} ({len(student_vocab)} word pieces) and the teacher {teacher_name} "
            f"({len(teacher_vocab)} word pieces) tokenise differently ({differing} entries differ). "
            "A student shares its teacher's vocabulary: distil from a teacher with the same tokenizer, "
            "or start a new student"
        )
    if getattr(student, "do_lower_case", None) != getattr(teacher, "do_lower_case", None):
        raise ModelError(f"{student_name} and {teacher_name} disagree on lower-casing")

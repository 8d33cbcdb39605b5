"""Task-agnostic distillation by sentence-representation approximation (SRA; Wu et al. 2020).

A frozen, pre-trained teacher encodes unlabeled sentences once (cached on disk); a student (a BiLSTM,
or a static weighted mean of token vectors) learns to reproduce the teacher's sentence vector (or its
top principal coordinates, `target_pca`) through a linear projection. The result is a
general student that is fine-tuned on any sentence-level task like BERT (`bertdistill finetune
--model DIR`) and can then be task-distilled. See docs/methods.md, section 1.
"""

from bertdistill.methods.sra.config import DEFAULT_SPAN_CROPS, SRA_MAX_LENGTH, SRAConfig, sra_training_defaults
from bertdistill.methods.sra.run import distill_sra, init_student
from bertdistill.methods.sra.targets import Targets, teacher_targets
from bertdistill.students.factory import StudentShape

__all__ = ["DEFAULT_SPAN_CROPS", "SRA_MAX_LENGTH", "SRAConfig", "StudentShape", "Targets", "distill_sra",
           "init_student", "sra_training_defaults", "teacher_targets"]

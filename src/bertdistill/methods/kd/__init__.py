"""Task-specific distillation into a BiLSTM (Tang et al. 2019, arXiv 1903.12136; docs/methods.md, section 2).

A fine-tuned teacher labels the task's training set and a transfer set generated from it (masking,
POS-guided replacement, n-gram sampling); the student learns the teacher's logits. The student is a new
Tang-shaped BiLSTM (`bilstm`) or any bertdistill BiLSTM folder, in particular an SRA general student
("cooperation", docs/methods.md 1.4). Teacher outputs are cached on disk by example-text hash.
"""

from bertdistill.methods.kd.config import KDConfig, kd_training_defaults
from bertdistill.methods.kd.run import distill_kd
from bertdistill.methods.kd.transfer import TRANSFER_SET_FILE, write_generated_transfer_set

__all__ = ["TRANSFER_SET_FILE", "KDConfig", "distill_kd", "kd_training_defaults", "write_generated_transfer_set"]

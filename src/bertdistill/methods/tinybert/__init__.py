"""TinyBERT (Jiao et al. 2020, arXiv 1909.10351; docs/methods.md, section 3): a small Transformer student
matched to its teacher layer by layer.

- General distillation (`stage: general`): a pre-trained teacher, unlabeled sentences, the intermediate
  losses (embeddings, attention scores, hidden states). Output: a plain BERT encoder.
- Task distillation (`stage: task`, in `task.py`): a fine-tuned teacher; step 1 the intermediate
  losses on the augmented task data, step 2 the prediction layer (soft cross-entropy, t = 1).
The student is a standard `transformers` BERT; the projections W_e, W_h are saved apart from it
(`projections.safetensors`), and the next stage continues with them.
"""

from bertdistill.methods.tinybert.config import TinyBertConfig
from bertdistill.methods.tinybert.run import distill_tinybert

__all__ = ["TinyBertConfig", "distill_tinybert"]

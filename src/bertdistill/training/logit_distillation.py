"""The training loop pieces of task-specific KD: a collator that carries each row's teacher logits, and a
Trainer whose loss is the KD objective. Neither knows which student it trains."""

from __future__ import annotations

from typing import Any

import torch
from transformers import DataCollatorWithPadding, PreTrainedTokenizerBase

from bertdistill.losses.logits import gold_loss
from bertdistill.losses.objectives import KDObjective
from bertdistill.training.trainer import Trainer

MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class KDCollator:
    """Pads the model inputs; stacks `teacher_logits` (float) and `has_gold` (0/1) when rows have them."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase) -> None:
        self.pad = DataCollatorWithPadding(tokenizer)

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        batch = self.pad([{key: feature[key] for key in (*MODEL_INPUTS, "labels") if key in feature}
                          for feature in features])
        if "teacher_logits" in features[0]:
            batch["teacher_logits"] = torch.tensor([feature["teacher_logits"] for feature in features],
                                                   dtype=torch.float32)                  # (B, C)
            batch["has_gold"] = torch.tensor([feature["has_gold"] for feature in features], dtype=torch.long)  # (B,)
        return batch


class KDTrainer(Trainer):
    """Training batches (with teacher logits) use the KD objective; dev batches the gold-label loss."""

    def __init__(self, *args, objective: KDObjective, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.objective = objective

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        outputs = model(**{key: inputs[key] for key in MODEL_INPUTS if key in inputs})
        logits = outputs.logits.float()                                                  # (B, C)
        if "teacher_logits" in inputs:
            loss = self.objective(logits, inputs["teacher_logits"], inputs["labels"], inputs["has_gold"])
        else:
            loss = gold_loss(logits, inputs["labels"], torch.ones_like(inputs["labels"], dtype=torch.long))
        return (loss, outputs) if return_outputs else loss

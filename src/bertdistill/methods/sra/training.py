"""SRA's training pieces: the collator that pairs each sentence with its cached teacher vector, the trainer
whose loss is the distance between student and teacher vectors (plus optional token-level targets), and the
held-out agreement metric."""

from __future__ import annotations

import numpy as np
import torch
from transformers import EvalPrediction

from bertdistill.data.target_pca import TargetPCA
from bertdistill.data.token_table import TableRows, TokenTable
from bertdistill.data.vector_file import VectorFile
from bertdistill.losses.registry import WeightedSum
from bertdistill.training.trainer import Trainer


class SentenceVectorCollator:
    """A batch of row numbers (what `TableRows` yields) -> their padded token ids and teacher vectors, gathered
    from the token table and the cache (an array or a `VectorFile`): no Python work per row."""

    def __init__(self, tokens: TokenTable, vectors: np.ndarray | VectorFile, pad_token_id: int,
                 pca: TargetPCA | None = None) -> None:
        self.tokens = tokens
        self.vectors = vectors
        self.pad_token_id = pad_token_id
        self.pca = pca

    def __call__(self, rows: np.ndarray | list[int]) -> dict[str, torch.Tensor]:
        rows = np.asarray(rows, dtype=np.int64)                                             # (B,)
        input_ids, attention_mask = self.tokens.padded(rows, self.pad_token_id)            # (B, T) each
        targets = np.asarray(self.vectors[rows], dtype=np.float32)                          # (B, d_T)
        teacher = torch.from_numpy(targets)                                                  # (B, d_T)
        if self.pca is not None:
            teacher = self.pca.transform_tensor(teacher)                                    # (B, N)
        return {"input_ids": input_ids, "attention_mask": attention_mask, "teacher_vector": teacher}


class SRATrainer(Trainer):
    """Trainer whose loss is `objective` (a weighted sum of registered terms) between student and teacher
    sentence vectors; token-level terms get the teacher's token vectors, computed on each batch."""

    def __init__(self, *args, objective: WeightedSum, temperature: float,
                 token_teacher: torch.nn.Module | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.objective = objective
        self.temperature = temperature
        self.token_teacher = token_teacher   # the frozen teacher, run on each batch for token-level targets

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        input_ids, attention_mask = inputs["input_ids"], inputs["attention_mask"]
        outputs = model(input_ids=input_ids, attention_mask=attention_mask)
        terms = {"student": outputs.sentence_embedding.float(),                             # (B, d_T)
                 "teacher": inputs["teacher_vector"], "temperature": self.temperature}     # (B, d_T)
        if self.objective.needs("student_tokens"):
            terms.update(self.token_terms(model, outputs, input_ids, attention_mask))
        loss = self.objective(**terms)["loss"]
        return (loss, outputs) if return_outputs else loss

    def token_terms(self, model, outputs, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> dict:
        """Each position's BiLSTM state, projected, and the teacher's last-layer vector of that word piece
        (student and teacher share the tokenizer, so positions line up); recomputed on the fly, not cached."""
        self.token_teacher.to(input_ids.device)
        with torch.no_grad():
            teacher_tokens = self.token_teacher(input_ids=input_ids, attention_mask=attention_mask)
        student_tokens = model.token_projection(outputs.last_hidden_state)                  # (B, T, d_T)
        return {"student_tokens": student_tokens.float(),
                "teacher_tokens": teacher_tokens.last_hidden_state.float(), "mask": attention_mask}

    def prediction_step(self, model, inputs, prediction_loss_only, ignore_keys=None):
        inputs = self._prepare_inputs(inputs)
        with torch.no_grad():
            loss, outputs = self.compute_loss(model, inputs, return_outputs=True)
        return loss.detach(), outputs.sentence_embedding.float(), inputs["teacher_vector"]


def student_agreement(student: torch.nn.Module, rows: TableRows, collator: SentenceVectorCollator,
                      batch_size: int) -> dict[str, float]:
    """`vector_agreement` of the student as it is, on `rows`, in this process alone: before training, the start
    distillation is measured from; after it, the agreement per source. (Not `Trainer.evaluate`: before training,
    under a launcher, it would wrap the model for the evaluation and the training would then skip its own
    wrapping.)"""
    was_training, device = student.training, next(student.parameters()).device
    student.eval()
    predictions, targets = [], []
    with torch.no_grad():
        for start in range(0, len(rows), batch_size):
            batch = collator(rows.rows[start:start + batch_size])
            outputs = student(input_ids=batch["input_ids"].to(device), attention_mask=batch["attention_mask"].to(device))
            predictions.append(outputs.sentence_embedding.float().cpu().numpy())           # (B, d_T)
            targets.append(batch["teacher_vector"].numpy())                                # (B, d_T)
    student.train(was_training)
    return vector_agreement(EvalPrediction(predictions=np.concatenate(predictions), label_ids=np.concatenate(targets)))


def agreement_by_source(student: torch.nn.Module, rows: TableRows, sources: list[str], collator: SentenceVectorCollator,
                        batch_size: int) -> dict[str, dict[str, float]]:
    """The held-out cosine to the teacher of each source's sentences (`sources[i]` is row i's), by source name."""
    found = {}
    for name in sorted(set(sources)):
        indices = [index for index, source in enumerate(sources) if source == name]
        agreement = student_agreement(student, rows.select(indices), collator, batch_size)
        found[name] = {"sentences": len(indices), "cosine": agreement["cosine"]}
    return found


def vector_agreement(prediction: EvalPrediction) -> dict[str, float]:
    """Held-out agreement with the teacher: mean cosine and element-wise MSE."""
    student, teacher = np.asarray(prediction.predictions), np.asarray(prediction.label_ids)
    cosine = (student * teacher).sum(1) / (np.linalg.norm(student, axis=1) * np.linalg.norm(teacher, axis=1) + 1e-12)
    return {"cosine": float(cosine.mean()), "mse": float(((student - teacher) ** 2).mean())}

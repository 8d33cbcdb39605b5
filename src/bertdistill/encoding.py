"""Sentence encoders: a general student (BiLSTM or static), or any Hugging Face encoder used as a teacher.

    from bertdistill import encode
    vectors = encode("runs/general-student", ["A man plays a guitar.", "Someone plays music."])
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file
from tqdm.auto import tqdm

from bertdistill.errors import ModelError
from bertdistill.teachers.loading import load_config, load_tokenizer, load_weights, resolve_model_path
from bertdistill.teachers.sentence_vector import Representation, SentenceVectorTeacher

IDF_FILE = "idf.safetensors"
STUDENT_TYPES = ("bertdistill-bilstm", "model2vec")   # general students: the BiLSTM and the static student


class SentenceEncoder:
    """Texts -> vectors. A BiLSTM student gives its projected (teacher-space) vector by default,
    or its pooled vector with `output="pooled"`; other models give the `representation` vector
    (`idf_mean` takes `idf`, or the `idf.safetensors` a general student was saved with)."""

    def __init__(self, model: str, representation: Representation = "mean", output: str = "projected",
                 max_length: int = 128, device: str | None = None, idf: np.ndarray | None = None) -> None:
        from transformers import AutoModel

        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.tokenizer = load_tokenizer(model)
        self.max_length = max_length
        config = load_config(model)
        self.is_student = config.model_type in STUDENT_TYPES
        if self.is_student:
            if output not in ("projected", "pooled"):
                raise ModelError(f"output must be 'projected' or 'pooled', got {output!r}")
            self.output = output
            self.student = load_weights(AutoModel, model, config).eval()
            self.student.to(self.device)
        else:
            idf_path = Path(resolve_model_path(model)) / IDF_FILE
            if idf is None and idf_path.is_file():
                idf = load_file(idf_path)["idf"].numpy()
            self.teacher = SentenceVectorTeacher(model, representation, idf=idf, device=self.device)

    @torch.no_grad()
    def encode_ids(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """(B, T) -> (B, d) float32."""
        if not self.is_student:
            return self.teacher.encode_batch(input_ids, attention_mask)
        outputs = self.student(input_ids.to(self.device), attention_mask.to(self.device))
        vectors = outputs.sentence_embedding if self.output == "projected" else outputs.pooler_output
        return vectors.float()

    def encode(self, texts: Sequence[str], batch_size: int = 128, normalize: bool = False,
               progress: bool = False) -> np.ndarray:
        order = np.argsort([-len(text) for text in texts], kind="stable")  # long first: less padding
        chunks = []
        for start in tqdm(range(0, len(texts), batch_size), disable=not progress, desc="encoding"):
            batch = [texts[int(index)] for index in order[start : start + batch_size]]
            tokens = self.tokenizer(batch, padding=True, truncation=True, max_length=self.max_length,
                                    return_tensors="pt")
            chunks.append(self.encode_ids(tokens["input_ids"], tokens["attention_mask"]).cpu().numpy())
        vectors = np.concatenate(chunks) if chunks else np.zeros((0, 0), dtype=np.float32)
        restored = np.empty_like(vectors)
        restored[order] = vectors
        if normalize:
            restored /= np.linalg.norm(restored, axis=1, keepdims=True).clip(min=1e-12)
        return restored


def encode(model: str, texts: Sequence[str], batch_size: int = 128, normalize: bool = False,
           representation: Representation = "mean", max_length: int = 128) -> np.ndarray:
    """Encode `texts` with a general student folder or any encoder (name, folder or `minilm`): (N, d)."""
    return SentenceEncoder(model, representation=representation, max_length=max_length).encode(
        list(texts), batch_size=batch_size, normalize=normalize)

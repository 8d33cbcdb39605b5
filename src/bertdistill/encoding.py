"""Sentence encoders: a general student (BiLSTM or static), or any Hugging Face encoder used as a teacher.

    from bertdistill import encode
    vectors = encode("runs/general-student", ["A man plays a guitar.", "Someone plays music."])
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file
from tqdm.auto import tqdm

from bertdistill.devices import resolve_device
from bertdistill.errors import ModelError
from bertdistill.students import GENERAL_STUDENT_TYPES
from bertdistill.students.sentence_transformers_files import ENCODE_MAX_LENGTH
from bertdistill.teachers.loading import load_config, load_tokenizer, load_weights, resolve_model_path
from bertdistill.teachers.sentence_vector import Representation, SentenceVectorTeacher

IDF_FILE = "idf.safetensors"
ENCODE_BATCH_SIZE = 128   # texts per forward pass when encoding


class SentenceEncoder:
    """Texts -> vectors. A BiLSTM student gives its projected (teacher-space) vector by default,
    or its pooled vector with `output="pooled"`; other models give the `representation` vector
    (`idf_mean` takes `idf`, or the `idf.safetensors` a general student was saved with)."""

    def __init__(self, model: str | os.PathLike, representation: Representation = "mean", output: str = "projected",
                 max_length: int = ENCODE_MAX_LENGTH, device: str | None = None,
                 idf: np.ndarray | None = None) -> None:
        from transformers import AutoModel

        model = os.fspath(model)
        self.device = resolve_device(device)
        self.tokenizer = load_tokenizer(model)
        self.max_length = max_length
        config = load_config(model)
        self.is_student = config.model_type in GENERAL_STUDENT_TYPES
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

    @property
    def normalizes(self) -> bool:
        """The folder's own convention: a static student saved with `normalize` (model2vec's flag, and the
        Normalize module of its sentence-transformers form) gives unit vectors; everything else raw ones."""
        return self.is_student and bool(getattr(self.student.config, "normalize", False))

    def encode(self, sentences: str | Sequence[str], prompt_name: str | None = None, prompt: str | None = None,
               batch_size: int = ENCODE_BATCH_SIZE, show_progress_bar: bool | None = None,
               output_value: str | None = "sentence_embedding", precision: str = "float32",
               convert_to_numpy: bool = True, convert_to_tensor: bool = False, device: str | None = None,
               normalize_embeddings: bool | None = None, truncate_dim: int | None = None,
               **kwargs) -> np.ndarray | torch.Tensor:
        """`sentence_transformers.SentenceTransformer.encode`'s signature, so that MTEB and other code written
        for sentence-transformers models can call a bertdistill encoder: (N, d) for a list, (d,) for one string.

        `normalize_embeddings=None` follows the model (see `normalizes`); `prompt` is prepended to every text;
        keywords other tools pass along (`task_name`, `prompt_type`, ...) are accepted and ignored."""
        if prompt_name is not None:
            raise ModelError(f"prompt_name={prompt_name!r}: bertdistill encoders have no named prompts")
        if output_value not in ("sentence_embedding", None) or precision != "float32":
            raise ModelError("bertdistill encoders give float32 sentence embeddings only "
                             f"(output_value={output_value!r}, precision={precision!r})")
        if device is not None and torch.device(device).type != self.device.type:
            raise ModelError(f"device={device!r}: this encoder was loaded on {self.device}; pass device= when loading")
        single = isinstance(sentences, str)
        texts = [sentences] if single else list(sentences)
        if prompt:
            texts = [prompt + text for text in texts]
        normalize = self.normalizes if normalize_embeddings is None else normalize_embeddings
        vectors = self.encode_texts(texts, batch_size, normalize, bool(show_progress_bar))
        if truncate_dim is not None:
            vectors = vectors[:, :truncate_dim]
        if single:
            vectors = vectors[0]
        return torch.from_numpy(vectors) if convert_to_tensor else vectors

    def encode_texts(self, texts: list[str], batch_size: int = ENCODE_BATCH_SIZE, normalize: bool = False,
                     progress: bool = False) -> np.ndarray:
        """Texts -> (N, d) float32, in length-sorted batches (less padding), returned in input order."""
        if batch_size < 1:
            raise ModelError(f"batch_size must be >= 1, got {batch_size}")
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


def encode(model: str | os.PathLike, texts: Sequence[str], batch_size: int = ENCODE_BATCH_SIZE, normalize: bool | None = None,
           representation: Representation = "mean", max_length: int = ENCODE_MAX_LENGTH) -> np.ndarray:
    """Encode `texts` with a general student folder or any encoder (name, folder or `minilm`): (N, d).
    `normalize=None` follows the model (unit vectors from a static student saved with `normalize`)."""
    return SentenceEncoder(model, representation=representation, max_length=max_length).encode(
        list(texts), batch_size=batch_size, normalize_embeddings=normalize)


def read_texts(path: str | Path) -> list[str]:
    """One text per line (UTF-8; tabs kept); an empty line or an empty file is an error naming the file."""
    from bertdistill.data.readers import read_delimited_lines
    from bertdistill.errors import DataError

    texts = []
    for line, fields in read_delimited_lines(path):
        text = "\t".join(fields).strip()
        if not text:
            raise DataError(f"{path}, line {line}: empty line (one text per line)")
        texts.append(text)
    if not texts:
        raise DataError(f"{path}: no text to encode")
    return texts


def encode_file(encoder: SentenceEncoder, input_path: str | Path, output_path: str | Path, batch_size: int = ENCODE_BATCH_SIZE,
                normalize: bool | None = None, progress: bool = True) -> np.ndarray:
    """`input_path` (one text per line) -> `output_path` (.npy, (N, d) float32, written atomically)."""
    import io

    from bertdistill.io import atomic_write_bytes

    texts = read_texts(input_path)   # read and checked before the (slow) encoder runs or anything is written
    vectors = encoder.encode(texts, batch_size=batch_size, normalize_embeddings=normalize,
                             show_progress_bar=progress).astype(np.float32)
    buffer = io.BytesIO()
    np.save(buffer, vectors)
    atomic_write_bytes(output_path, buffer.getvalue())
    return vectors

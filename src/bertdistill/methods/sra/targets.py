"""What an SRA student learns from: the corpus, its span crops and the teacher's vectors of both, cached."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute
from datasets import Dataset, concatenate_datasets

from bertdistill.data.cache import cache_key, compute_vector_cache, texts_fingerprint
from bertdistill.data.corpus import prepare_corpus, source_names
from bertdistill.data.features import streamed_column
from bertdistill.data.span_crops import crop_batch
from bertdistill.data.target_pca import TargetPCA, fit_target_pca
from bertdistill.data.vector_file import StackedVectors, VectorFile
from bertdistill.methods.sra.config import SRAConfig
from bertdistill.students.general import pad_id
from bertdistill.teachers.loading import teacher_fingerprint
from bertdistill.teachers.sentence_vector import SentenceVectorTeacher, compute_idf

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class Targets:
    """What the student learns from: the tokenised corpus, which rows train, and the teacher's vectors."""

    token_ids: Any                  # datasets.Dataset with `text`, `input_ids`: the corpus, then its span crops
    train_rows: np.ndarray          # (N_train,) row numbers: corpus sentences and every span crop
    eval_rows: np.ndarray           # (N_eval,) held-out corpus sentences
    eval_sources: list[str]         # (N_eval,) the source (file stem, or hub name) of each held-out sentence
    teacher: SentenceVectorTeacher
    vectors: VectorFile | StackedVectors  # (N, d) teacher vectors, read from the cache(s) by rows
    idf: np.ndarray | None
    pca: TargetPCA | None
    corpus_stats: dict


def teacher_targets(config: SRAConfig, tokenizer, cache_root: Path) -> Targets:
    """Corpus -> token ids -> teacher vectors (cached on disk, computed once per teacher and corpus), plus the
    span crops of the training sentences when asked for (cached the same way)."""
    corpus, corpus_stats = prepare_corpus(config.corpus, cache_root / "corpora")  # bad corpus fails here
    held_out = min(config.eval_sentences, max(1, len(corpus) // 10))
    train_rows = np.arange(len(corpus) - held_out)
    eval_rows = np.arange(len(train_rows), len(corpus))
    names = source_names(sorted(pyarrow.compute.unique(corpus.data.column("source")).to_pylist()))
    eval_sources = [names[source] for source in corpus.select(eval_rows)["source"]]   # the held-out rows' only
    corpus = corpus.remove_columns(["source", "entry"])
    token_ids = tokenized(corpus, tokenizer, config.max_length)
    idf = (compute_idf(streamed_column(token_ids.select(train_rows), "input_ids"), len(tokenizer))
           if config.representation == "idf_mean" else None)
    teacher = SentenceVectorTeacher(config.teacher, config.representation, idf=idf)
    vectors = cached_teacher_vectors(config, teacher, corpus, token_ids, tokenizer, cache_root)
    pca = fit_target_pca(vectors, train_rows, config.target_pca) if config.target_pca else None
    targets = Targets(token_ids, train_rows, eval_rows, eval_sources, teacher, vectors, idf, pca,
                      {**corpus_stats, "span_crops": 0})
    return with_span_crops(targets, corpus, config, tokenizer, cache_root) if config.span_crops.per_sentence else targets


def tokenized(texts: Dataset, tokenizer, max_length: int) -> Dataset:
    def tokenize(batch: dict) -> dict:
        return {"input_ids": tokenizer(batch["text"], truncation=True, max_length=max_length)["input_ids"]}

    return texts.map(tokenize, batched=True, desc="tokenizing")


def cached_teacher_vectors(config: SRAConfig, teacher: SentenceVectorTeacher, texts: Dataset, token_ids: Dataset,
                           tokenizer, cache_root: Path) -> VectorFile:
    """The teacher's vector of every row of `texts`, from the cache named by what they depend on."""
    key = cache_key(teacher=teacher_fingerprint(config.teacher), corpus=texts_fingerprint(texts),
                    representation=config.representation, max_length=config.max_length)
    return compute_vector_cache(
        cache_root / "teacher-vectors" / key, token_ids, teacher.encode_batch, teacher.hidden_size, pad_id(tokenizer),
        description={"teacher": config.teacher, "representation": config.representation,
                     "max_length": config.max_length},
    )


def with_span_crops(targets: Targets, corpus: Dataset, config: SRAConfig, tokenizer, cache_root: Path) -> Targets:
    """The training sentences' span crops appended as extra training rows (held-out sentences give none), with
    their own teacher vectors; the target PCA stays the one fitted on whole sentences."""
    crops = corpus.select(targets.train_rows).map(
        crop_batch, batched=True, with_indices=True, fn_kwargs={"config": config.span_crops},
        remove_columns=corpus.column_names, desc="span crops")
    if len(crops) == 0:
        logger.warning("no span crops: every training sentence is shorter than %d words",
                       config.span_crops.min_words + 1)
        return targets
    crop_ids = tokenized(crops, tokenizer, config.max_length)
    crop_vectors = cached_teacher_vectors(config, targets.teacher, crops, crop_ids, tokenizer, cache_root)
    first_crop = len(targets.token_ids)
    logger.info("%d span crops of %d training sentences", len(crops), len(targets.train_rows))
    return dataclasses.replace(
        targets, token_ids=concatenate_datasets([targets.token_ids, crop_ids]),
        train_rows=np.concatenate([targets.train_rows, first_crop + np.arange(len(crops))]),
        vectors=StackedVectors([targets.vectors, crop_vectors]),
        corpus_stats={**targets.corpus_stats, "span_crops": len(crops)},
    )

"""What an SRA student learns from: the corpus, its span crops and the teacher's vectors of both, cached."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute
from datasets import Dataset, concatenate_datasets

from bertdistill.data.cache import WHOLE, Shard, compute_vector_cache, texts_fingerprint
from bertdistill.data.corpus import prepare_corpus, source_names
from bertdistill.data.features import streamed_column
from bertdistill.data.span_crops import crop_batch
from bertdistill.data.store import Store
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


@dataclasses.dataclass
class Inputs:
    """Everything before the teacher: the corpus, its span crops and their token ids, built once per run."""

    corpus: Dataset                 # `text`: the sampled corpus
    token_ids: Dataset              # `text`, `input_ids`: the corpus rows
    crops: Dataset | None           # `text`: the training sentences' span crops (None without crops)
    crop_ids: Dataset | None        # `text`, `input_ids`: the crops' rows
    train_rows: np.ndarray          # (N_train,) corpus rows that train
    eval_rows: np.ndarray           # (N_eval,) held-out corpus rows
    eval_sources: list[str]         # (N_eval,) the source of each held-out row
    idf: np.ndarray | None
    corpus_stats: dict


def teacher_targets(config: SRAConfig, tokenizer, cache_root: Path, shard: Shard = WHOLE) -> Targets:
    """Corpus -> token ids -> teacher vectors (cached on disk, computed once per teacher and corpus), plus the
    span crops of the training sentences when asked for (cached the same way)."""
    return targets_of(config, training_inputs(config, tokenizer, cache_root), tokenizer, cache_root, shard)


def training_inputs(config: SRAConfig, tokenizer, cache_root: Path) -> Inputs:
    """The corpus (bad input fails here), its held-out split and span crops, tokenised; no teacher yet."""
    corpus, corpus_stats = prepare_corpus(config.corpus, cache_root)
    held_out = min(config.eval_sentences, max(1, len(corpus) // 10))
    train_rows = np.arange(len(corpus) - held_out)
    eval_rows = np.arange(len(train_rows), len(corpus))
    names = source_names(sorted(pyarrow.compute.unique(corpus.data.column("source")).to_pylist()))
    eval_sources = [names[source] for source in corpus.select(eval_rows)["source"]]   # the held-out rows' only
    corpus = corpus.remove_columns(["source", "entry"])
    token_ids = tokenized(corpus, tokenizer, config.max_length)
    idf = (compute_idf(streamed_column(token_ids.select(train_rows), "input_ids"), len(tokenizer))
           if config.representation == "idf_mean" else None)
    crops = span_crops(corpus, train_rows, config) if config.span_crops.per_sentence else None
    crop_ids = tokenized(crops, tokenizer, config.max_length) if crops is not None else None
    return Inputs(corpus, token_ids, crops, crop_ids, train_rows, eval_rows, eval_sources, idf,
                  {**corpus_stats, "span_crops": len(crops) if crops is not None else 0})


def targets_of(config: SRAConfig, inputs: Inputs, tokenizer, cache_root: Path, shard: Shard = WHOLE) -> Targets:
    """The teacher's vectors of the corpus and of its crops (this process encodes `shard` of each when several
    share the work); the target PCA is fitted on whole sentences."""
    store = Store(cache_root)
    teacher = SentenceVectorTeacher(config.teacher, config.representation, idf=inputs.idf,
                                    runtime=config.teacher_runtime, store=store)
    vectors = cached_teacher_vectors(config, teacher, inputs.corpus, inputs.token_ids, tokenizer, store, shard)
    pca = fit_target_pca(vectors, inputs.train_rows, config.target_pca) if config.target_pca else None
    targets = Targets(inputs.token_ids, inputs.train_rows, inputs.eval_rows, inputs.eval_sources, teacher, vectors,
                      inputs.idf, pca, inputs.corpus_stats)
    if inputs.crops is None:
        return targets
    crop_vectors = cached_teacher_vectors(config, teacher, inputs.crops, inputs.crop_ids, tokenizer, store, shard)
    first_crop = len(inputs.token_ids)
    logger.info("%d span crops of %d training sentences", len(inputs.crops), len(inputs.train_rows))
    return dataclasses.replace(
        targets, token_ids=concatenate_datasets([inputs.token_ids, inputs.crop_ids]),
        train_rows=np.concatenate([inputs.train_rows, first_crop + np.arange(len(inputs.crops))]),
        vectors=StackedVectors([vectors, crop_vectors]),
    )


def tokenized(texts: Dataset, tokenizer, max_length: int) -> Dataset:
    def tokenize(batch: dict) -> dict:
        return {"input_ids": tokenizer(batch["text"], truncation=True, max_length=max_length)["input_ids"]}

    return texts.map(tokenize, batched=True, desc="tokenizing")


def cached_teacher_vectors(config: SRAConfig, teacher: SentenceVectorTeacher, texts: Dataset, token_ids: Dataset,
                           tokenizer, store: Store, shard: Shard) -> VectorFile:
    """The teacher's vector of every row of `texts`, from the store entry named by what they depend on."""
    entry = store.entry("teacher-vectors",
                        description={"teacher": config.teacher, "representation": config.representation,
                                     "max_length": config.max_length, "rows": len(texts)},
                        teacher=teacher_fingerprint(config.teacher), corpus=texts_fingerprint(texts),
                        representation=config.representation, max_length=config.max_length)
    return compute_vector_cache(entry, token_ids, teacher.encode_batch, teacher.hidden_size, pad_id(tokenizer),
                                batch_size=config.teacher_batch_size, shard=shard)


def span_crops(corpus: Dataset, train_rows: np.ndarray, config: SRAConfig) -> Dataset | None:
    """The training sentences' span crops (held-out sentences give none), or None when no sentence is long
    enough to crop."""
    crops = corpus.select(train_rows).map(
        crop_batch, batched=True, with_indices=True, fn_kwargs={"config": config.span_crops},
        remove_columns=corpus.column_names, desc="span crops")
    if len(crops) == 0:
        logger.warning("no span crops: every training sentence is shorter than %d words",
                       config.span_crops.min_words + 1)
        return None
    return crops

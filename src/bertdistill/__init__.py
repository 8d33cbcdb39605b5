"""bertdistill: distil BERT-family teachers into small, fast students."""

from bertdistill.errors import BertdistillError, ConfigError, DataError, TrainingError

__version__ = "0.1.0"

__all__ = ["BertdistillError", "ConfigError", "DataError", "TrainingError", "__version__"]

"""Students. Importing this package registers the BiLSTM student with the `transformers` Auto classes."""

from transformers import AutoConfig, AutoModel, AutoModelForSequenceClassification

from bertdistill.students.bilstm import BiLSTMModel, BiLSTMModelOutput
from bertdistill.students.configuration_bilstm import BiLSTMConfig
from bertdistill.students.heads import BiLSTMForSequenceClassification

AutoConfig.register(BiLSTMConfig.model_type, BiLSTMConfig, exist_ok=True)
AutoModel.register(BiLSTMConfig, BiLSTMModel, exist_ok=True)
AutoModelForSequenceClassification.register(BiLSTMConfig, BiLSTMForSequenceClassification, exist_ok=True)

__all__ = ["BiLSTMConfig", "BiLSTMForSequenceClassification", "BiLSTMModel", "BiLSTMModelOutput"]

"""Students. Importing this package registers the BiLSTM and static students with the `transformers` Auto classes."""

from transformers import AutoConfig, AutoModel, AutoModelForSequenceClassification

from bertdistill.students.bilstm import BiLSTMModel, BiLSTMModelOutput
from bertdistill.students.configuration_bilstm import BiLSTMConfig
from bertdistill.students.heads import BiLSTMForSequenceClassification
from bertdistill.students.static import StaticConfig, StaticForSequenceClassification, StaticModel

AutoConfig.register(BiLSTMConfig.model_type, BiLSTMConfig, exist_ok=True)
AutoModel.register(BiLSTMConfig, BiLSTMModel, exist_ok=True)
AutoModelForSequenceClassification.register(BiLSTMConfig, BiLSTMForSequenceClassification, exist_ok=True)
AutoConfig.register(StaticConfig.model_type, StaticConfig, exist_ok=True)
AutoModel.register(StaticConfig, StaticModel, exist_ok=True)
AutoModelForSequenceClassification.register(StaticConfig, StaticForSequenceClassification, exist_ok=True)

# model types of a general (task-agnostic) student folder: a sentence encoder until fine-tuned
GENERAL_STUDENT_TYPES = (BiLSTMConfig.model_type, StaticConfig.model_type)

__all__ = ["GENERAL_STUDENT_TYPES", "BiLSTMConfig", "BiLSTMForSequenceClassification", "BiLSTMModel", "BiLSTMModelOutput", "StaticConfig", "StaticForSequenceClassification", "StaticModel"]

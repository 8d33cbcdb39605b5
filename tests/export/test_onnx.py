"""ONNX export: the unpacked LSTM equals the packed one; every student type and head exports with
PyTorch parity; int8 export runs; the serving API gives the same predictions from PyTorch and ONNX."""

import pytest
import torch
from torch import nn
from transformers import BertTokenizer

from bertdistill.data.tasks import TaskSpec
from bertdistill.errors import ModelError
from bertdistill.export.onnx import export_onnx
from bertdistill.export.unpacked_lstm import UnpackedBiLSTM, reverse_within_length
from bertdistill.serving import Predictor
from bertdistill.students import BiLSTMForSequenceClassification
from bertdistill.students.factory import StudentShape, student_config
from bertdistill.teachers.loading import load_for_training, task_head_settings

SINGLE = TaskSpec("sentiment", ("neg", "pos"), False, ("accuracy",), "accuracy")
PAIR = TaskSpec("similar", None, True, ("pearson", "spearman"), "spearman", pair_column="text_pair")
TEXTS = ["the movie was great", "awful", "the plot was dull and the acting was bad , but the end was good"]
PAIRS = ["a great film", "the movie was awful and long", "good"]


def test_reverse_within_length_keeps_padding_in_place():
    values = torch.arange(8.0).view(2, 4, 1)
    reversed_ = reverse_within_length(values, torch.tensor([4, 2]))
    assert reversed_.squeeze(-1).tolist() == [[3, 2, 1, 0], [5, 4, 6, 7]]


@pytest.mark.parametrize("layers", [1, 2])
def test_unpacked_lstm_equals_the_packed_computation(layers):
    torch.manual_seed(0)
    lstm = nn.LSTM(6, 5, num_layers=layers, bidirectional=True, batch_first=True).eval()
    inputs, lengths = torch.randn(4, 9, 6), torch.tensor([9, 3, 1, 6])
    packed, (final, _) = lstm(nn.utils.rnn.pack_padded_sequence(inputs, lengths, batch_first=True,
                                                                enforce_sorted=False))
    states, _ = nn.utils.rnn.pad_packed_sequence(packed, batch_first=True, total_length=9)
    unpacked_states, unpacked_final = UnpackedBiLSTM(lstm)(inputs, lengths)
    real = (torch.arange(9)[None] < lengths[:, None]).unsqueeze(-1)
    torch.testing.assert_close(unpacked_states * real, states * real, atol=1e-6, rtol=0)
    torch.testing.assert_close(unpacked_final, final, atol=1e-6, rtol=0)


def save_bilstm(directory, tiny_bert, spec: TaskSpec, pooling: str, layers: int):
    tokenizer = BertTokenizer.from_pretrained(tiny_bert)
    settings = task_head_settings(spec)
    task = settings.pop("bertdistill_task")
    shape = StudentShape(embedding_dim=12, hidden_size=8, num_layers=layers, pooling=pooling, classifier_hidden_size=8,
                         residual_static=False)
    config = student_config(shape, torch.zeros(len(tokenizer), 1), len(tokenizer), 0, projection_dim=0, **settings)
    config.bertdistill_task = task
    torch.manual_seed(1)
    BiLSTMForSequenceClassification(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return str(directory)


def save_bert(directory, tiny_bert, spec: TaskSpec):
    torch.manual_seed(1)
    load_for_training(str(tiny_bert), spec).save_pretrained(directory)
    BertTokenizer.from_pretrained(tiny_bert).save_pretrained(directory)
    return str(directory)


@pytest.mark.parametrize("kind", ["bilstm-last", "bilstm-max-2-layers", "bilstm-pair", "bert", "bert-pair"])
def test_export_parity_and_serving(kind, tiny_bert, tmp_path):
    spec = PAIR if kind.endswith("pair") else SINGLE
    if kind.startswith("bilstm"):
        pooling, layers = ("max", 2) if "max" in kind else ("last", 1)
        model_dir = save_bilstm(tmp_path / "model", tiny_bert, spec, pooling, layers)
    else:
        model_dir = save_bert(tmp_path / "model", tiny_bert, spec)
    record = export_onnx(model_dir, tmp_path / "model.onnx", quantize="int8", max_length=32)
    assert record["max_abs_difference"] <= 1e-4
    assert record["bilstm_encoders_unpacked"] == (1 if kind.startswith("bilstm") else 0)
    assert (tmp_path / "model.int8.onnx").is_file() and record["int8_max_abs_difference"] < 0.5

    pairs = PAIRS if spec.is_pair else None
    from_torch = Predictor(model_dir).logits(TEXTS, pairs, batch_size=2)
    from_onnx = Predictor(model_dir, onnx=tmp_path / "model.onnx").logits(TEXTS, pairs, batch_size=2)
    torch.testing.assert_close(torch.from_numpy(from_onnx), torch.from_numpy(from_torch), atol=1e-4, rtol=0)
    predictions = Predictor(model_dir, onnx=tmp_path / "model.onnx").predict(TEXTS, pairs)
    if spec.is_regression:
        assert all(p.label is None and isinstance(p.score, float) for p in predictions)
    else:
        assert all(p.label in ("neg", "pos") and 0.5 <= p.confidence <= 1 for p in predictions)


def test_serving_rejects_bad_input(tiny_bert, tmp_path):
    model_dir = save_bilstm(tmp_path / "pair", tiny_bert, PAIR, "last", 1)
    predictor = Predictor(model_dir)
    with pytest.raises(Exception, match="pairs"):
        predictor.predict(["only one side"])
    with pytest.raises(Exception, match="empty"):
        predictor.predict(["fine", " "], pairs=["a", "b"])
    with pytest.raises(ModelError):
        Predictor(model_dir, onnx=tmp_path / "missing.onnx")


@pytest.mark.parametrize("kind", ["bilstm", "static"])
def test_general_student_exports_its_sentence_vector(kind, general_students, tmp_path, capsys):
    """A general student's graph returns `sentence_embedding`: the vectors `bertdistill encode` gives
    (before normalisation), run here by ONNX Runtime with the tokenizer's own numpy output."""
    import numpy as np

    from bertdistill.cli import main
    from bertdistill.encoding import SentenceEncoder
    from bertdistill.serving import onnx_session
    from bertdistill.teachers.loading import load_tokenizer

    folder = str(general_students[kind])
    assert main(["export", "onnx", "--model", folder, "--output", str(tmp_path / "encoder.onnx"),
                 "--quantize", "int8"]) == 0
    session = onnx_session(tmp_path / "encoder.onnx")
    assert [node.name for node in session.get_outputs()] == ["sentence_embedding"]
    batch = load_tokenizer(folder)(TEXTS, padding=True, return_tensors="np")
    served = session.run(None, {node.name: batch[node.name].astype(np.int64) for node in session.get_inputs()})[0]
    expected = SentenceEncoder(folder).encode(TEXTS, normalize_embeddings=False)
    assert served.shape == expected.shape and np.abs(served - expected).max() < 1e-5
    assert (tmp_path / "encoder.int8.onnx").is_file()

    # a general student has no task to score
    capsys.readouterr()
    assert main(["export", "onnx", "--model", folder, "--output", str(tmp_path / "other.onnx"),
                 "--task", "sst2"]) == 2
    assert "no task" in capsys.readouterr().err and not (tmp_path / "other.onnx").exists()

"""The teacher's faster runtimes: used only while they agree with PyTorch fp32, and recorded."""

import logging

import numpy as np
import pytest
import torch

from bertdistill.data.store import Store
from bertdistill.errors import ModelError
from bertdistill.teachers.fast_encoding import AGREEMENT, EncodingCheck, lowest_cosine, resolve_runtime
from bertdistill.teachers.sentence_vector import SentenceVectorTeacher


def batch(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    input_ids = torch.randint(5, 90, (6, 12), generator=generator)                     # (B, T)
    lengths = torch.tensor([12, 3, 7, 12, 1, 9])
    mask = (torch.arange(12) < lengths[:, None]).long()                               # (B, T)
    return input_ids * mask, mask


def test_the_default_runtime_by_device():
    assert resolve_runtime("auto", torch.device("cpu")) == "onnxruntime"
    assert resolve_runtime("auto", torch.device("cuda")) == "torch"       # autocast measured slower there
    assert resolve_runtime("autocast", torch.device("cuda")) == "autocast"
    assert resolve_runtime("torch", torch.device("cuda")) == "torch"
    with pytest.raises(ModelError, match="runs on the CPU"):
        resolve_runtime("onnxruntime", torch.device("cuda"))


@pytest.mark.parametrize("representation", ["mean", "cls", "pooler"])
def test_onnx_runtime_gives_pytorchs_vectors_and_is_exported_once(tiny_bert, tmp_path, representation):
    store = Store(tmp_path)
    exact = SentenceVectorTeacher(str(tiny_bert), representation, device="cpu")
    fast = SentenceVectorTeacher(str(tiny_bert), representation, device="cpu", runtime="auto", store=store)
    assert fast.check == EncodingCheck(asked="auto")   # nothing encoded yet
    for seed in range(3):   # the first batch runs the check; the later ones only ONNX Runtime
        ids, mask = batch(seed)
        torch.testing.assert_close(fast.encode_batch(ids, mask), exact.encode_batch(ids, mask), atol=1e-5, rtol=1e-4)
    assert fast.check.used == "onnxruntime" and fast.check.lowest_cosine >= 1 - AGREEMENT
    assert exact.check.used == "torch" and fast.fast is not None
    [entry] = [entry for entry in store.entries() if entry.kind == "teacher-onnx"]
    assert entry.status == "complete"
    modified = entry.modified
    again = SentenceVectorTeacher(str(tiny_bert), representation, device="cpu", runtime="onnxruntime", store=store)
    again.encode_batch(*batch())
    assert [entry.modified for entry in store.entries() if entry.kind == "teacher-onnx"] == [modified]   # reused


def test_a_runtime_that_disagrees_falls_back_to_pytorch(tiny_bert, tmp_path, monkeypatch, caplog):
    from bertdistill.teachers import sentence_vector

    def off_by_a_little(model, fingerprint, store):
        def forward(input_ids, attention_mask):
            outputs = model(input_ids=input_ids, attention_mask=attention_mask)
            hidden = outputs.last_hidden_state
            return hidden + 0.05 * torch.randn_like(hidden), None                      # a wrong export
        return forward

    monkeypatch.setattr(sentence_vector, "onnx_forward", off_by_a_little)
    exact = SentenceVectorTeacher(str(tiny_bert), "mean", device="cpu")
    teacher = SentenceVectorTeacher(str(tiny_bert), "mean", device="cpu", runtime="auto", store=Store(tmp_path))
    with caplog.at_level(logging.WARNING):
        first = teacher.encode_batch(*batch())
    assert "disagrees with PyTorch" in caplog.text
    torch.testing.assert_close(first, exact.encode_batch(*batch()))   # the batch itself from PyTorch
    assert teacher.check.used == "torch" and teacher.check.lowest_cosine < 1 - AGREEMENT
    torch.testing.assert_close(teacher.encode_batch(*batch(1)), exact.encode_batch(*batch(1)))


def test_autocast_is_kept_only_when_it_agrees(tiny_bert, tmp_path):
    """The GPU path (bf16 autocast), exercised on the CPU: kept exactly when its agreement passes."""
    teacher = SentenceVectorTeacher(str(tiny_bert), "mean", device="cpu", runtime="torch", store=Store(tmp_path))
    teacher.runtime = "autocast"
    vectors = teacher.encode_batch(*batch())
    agreed = teacher.check.lowest_cosine >= 1 - AGREEMENT
    assert teacher.check.used == ("autocast" if agreed else "torch") and (teacher.fast is not None) == agreed
    assert vectors.dtype == torch.float32 and torch.isfinite(vectors).all()


def test_lowest_cosine_is_the_worst_row():
    exact = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    assert lowest_cosine(torch.tensor([[1.0, 0.0], [1.0, 1.0]]), exact) == pytest.approx(np.sqrt(0.5))


def test_a_runtime_that_cannot_take_the_model_falls_back_to_pytorch(tiny_bert, tmp_path, monkeypatch, caplog):
    from bertdistill.teachers import sentence_vector

    def unsupported(model, fingerprint, store):
        raise RuntimeError("Exporting the operator 'aten::something' to ONNX opset 17 is not supported")

    monkeypatch.setattr(sentence_vector, "onnx_forward", unsupported)
    exact = SentenceVectorTeacher(str(tiny_bert), "mean", device="cpu")
    teacher = SentenceVectorTeacher(str(tiny_bert), "mean", device="cpu", runtime="auto", store=Store(tmp_path))
    with caplog.at_level(logging.WARNING):
        torch.testing.assert_close(teacher.encode_batch(*batch()), exact.encode_batch(*batch()))
    assert "cannot run through onnxruntime (RuntimeError: Exporting the operator" in caplog.text
    assert teacher.check == EncodingCheck(asked="auto", used="torch") and teacher.fast is None


def test_onnx_runtime_asked_for_on_a_gpu_is_refused_before_any_work(tiny_bert, corpus_file, tmp_path, monkeypatch,
                                                                    capsys):
    from bertdistill.cli import main
    from bertdistill.methods.sra import run

    monkeypatch.setattr(run, "resolve_device", lambda device: torch.device("cuda"))   # as on a GPU machine
    output = tmp_path / "out"
    assert main(["distill", "sra", "--teacher", str(tiny_bert), "--corpus", str(corpus_file), "--teacher-runtime",
                 "onnxruntime", "--cache-dir", str(tmp_path / "cache"), "--output-dir", str(output)]) == 2
    assert "--teacher-runtime onnxruntime runs on the CPU" in capsys.readouterr().err
    assert not output.exists() and not (tmp_path / "cache").exists()

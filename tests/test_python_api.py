"""The Python API and the ecosystem: Auto registration on `import bertdistill`, sentence-transformers and
model2vec loading of general students (in fresh interpreters), the sentence-transformers `encode` signature,
and `bertdistill export sentence-transformers`."""

from __future__ import annotations

import inspect
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch

from bertdistill.cli import main
from bertdistill.encoding import SentenceEncoder
from tests.conftest import GENERAL_TEXTS as TEXTS


def run_python(code: str, *args: str) -> str:
    """Run `code` in a fresh interpreter (nothing of this test process imported); returns its stdout."""
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


FRESH_INTERPRETER = """\
import sys, numpy
from sentence_transformers import SentenceTransformer
static, bilstm, output, *texts = sys.argv[1:]
numpy.save(output + "/static.npy", SentenceTransformer(static, device="cpu").encode(texts))
assert "bertdistill" not in sys.modules   # a static student needs nothing of bertdistill
import bertdistill
from bertdistill import encode, SentenceEncoder, Predictor, Prediction
from transformers import AutoConfig, AutoModel
for folder in (bilstm, static):
    print(type(AutoModel.from_pretrained(folder)).__name__, AutoConfig.from_pretrained(folder).model_type)
numpy.save(output + "/bilstm.npy", SentenceTransformer(bilstm, device="cpu").encode(texts))
"""


def test_a_fresh_interpreter_loads_general_students_as_bertdistill_encodes_them(general_students, tmp_path):
    """In one fresh interpreter: SentenceTransformer loads the static student with nothing of bertdistill
    imported; `import bertdistill` exports the API and registers the BiLSTM with the Auto classes; then
    SentenceTransformer loads the BiLSTM. Both give the vectors of `bertdistill encode`."""
    out = run_python(FRESH_INTERPRETER, str(general_students["static"]), str(general_students["bilstm"]),
                     str(tmp_path), *TEXTS)
    assert out.split("\n")[:2] == ["BiLSTMModel bertdistill-bilstm", "StaticModel model2vec"]
    (tmp_path / "texts.txt").write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    for kind, width in (("bilstm", 5), ("static", 3)):
        assert main(["encode", "--model", str(general_students[kind]), "--input", str(tmp_path / "texts.txt"),
                     "--output", str(tmp_path / f"cli-{kind}.npy")]) == 0
        by_cli, by_sentence_transformers = np.load(tmp_path / f"cli-{kind}.npy"), np.load(tmp_path / f"{kind}.npy")
        assert by_cli.shape == by_sentence_transformers.shape == (len(TEXTS), width)
        assert np.abs(by_cli - by_sentence_transformers).max() < 1e-5
    # the static student is saved with normalize (model2vec's convention): unit vectors everywhere
    np.testing.assert_allclose(np.linalg.norm(np.load(tmp_path / "cli-static.npy"), axis=1), 1.0, rtol=1e-5)


CORE_PARAMETERS = ("prompt_name", "prompt", "batch_size", "show_progress_bar", "output_value", "precision",
                   "convert_to_numpy", "convert_to_tensor", "device", "normalize_embeddings", "truncate_dim")


def test_encode_follows_the_sentence_transformers_signature(general_students):
    from sentence_transformers import SentenceTransformer

    ours = inspect.signature(SentenceEncoder.encode).parameters
    theirs = inspect.signature(SentenceTransformer.encode).parameters
    for name in CORE_PARAMETERS:
        assert name in ours and name in theirs, name
    assert any(parameter.kind is inspect.Parameter.VAR_KEYWORD for parameter in ours.values())

    encoder = SentenceEncoder(str(general_students["bilstm"]))
    reference = encoder.encode_texts(TEXTS)

    def call_like_mteb(model, sentences):   # how MTEB and similar tools call a sentence-transformers model
        return model.encode(sentences, batch_size=2, show_progress_bar=False, convert_to_tensor=False,
                            task_name="STS12", prompt_type=None)

    np.testing.assert_allclose(call_like_mteb(encoder, TEXTS), reference, atol=1e-6)
    single = encoder.encode(TEXTS[0])
    assert single.shape == (5,) and np.allclose(single, reference[0], atol=1e-6)
    tensor = encoder.encode(TEXTS, convert_to_tensor=True, normalize_embeddings=True, truncate_dim=3)
    assert isinstance(tensor, torch.Tensor) and tensor.shape == (len(TEXTS), 3)
    unit = reference / np.linalg.norm(reference, axis=1, keepdims=True)
    np.testing.assert_allclose(tensor.numpy(), unit[:, :3], atol=1e-6)
    np.testing.assert_allclose(encoder.encode(TEXTS[1:2], prompt="the movie was great ")[0],
                               encoder.encode_texts(["the movie was great " + TEXTS[1]])[0], atol=1e-6)


def test_encode_refuses_what_it_cannot_give(general_students):
    from bertdistill.errors import ModelError

    encoder = SentenceEncoder(str(general_students["bilstm"]))
    for keywords in ({"precision": "int8"}, {"output_value": "token_embeddings"}, {"prompt_name": "query"},
                     {"batch_size": 0}):
        with pytest.raises(ModelError):
            encoder.encode(TEXTS, **keywords)


def test_export_sentence_transformers_for_an_older_folder(general_students, tmp_path, capsys):
    from sentence_transformers import SentenceTransformer

    old = tmp_path / "old"
    shutil.copytree(general_students["bilstm"], old)
    (old / "modules.json").unlink()
    (old / "sentence_bert_config.json").unlink()
    (old / "checkpoints" / "checkpoint-1").mkdir(parents=True)   # training state stays behind
    exported = tmp_path / "exported"
    assert main(["export", "sentence-transformers", "--model", str(old), "--output", str(exported)]) == 0
    assert json.loads((exported / "modules.json").read_text())[0]["type"] == "sentence_transformers.models.Transformer"
    assert not (exported / "checkpoints").exists() and not list(tmp_path.glob(".exported*"))
    expected = SentenceEncoder(str(old)).encode(TEXTS)
    assert np.abs(SentenceTransformer(str(exported), device="cpu").encode(TEXTS) - expected).max() < 1e-5
    # in place
    assert main(["export", "sentence-transformers", "--model", str(old), "--output", str(old)]) == 0
    assert (old / "modules.json").is_file()


def test_export_sentence_transformers_refuses_bad_input_and_writes_nothing(general_students, tiny_bert, tmp_path, capsys):
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "keep.txt").write_text("mine")
    cases = [(str(tiny_bert), tmp_path / "a", "a Transformer encoder; this takes a general student"),
             ("minilm", tmp_path / "c", "--model minilm: a Transformer encoder; this takes a general student"),
             (str(tmp_path / "missing"), tmp_path / "b", "no such model folder"),
             (str(general_students["static"]), taken, "not an empty folder")]
    for model, output, message in cases:
        capsys.readouterr()
        assert main(["export", "sentence-transformers", "--model", model, "--output", str(output)]) == 2
        error = capsys.readouterr().err
        assert message in error and "Traceback" not in error
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    assert [path.name for path in taken.iterdir()] == ["keep.txt"]


def test_distill_and_finetune_from_python(tiny_bert, corpus_file, sentiment_files, tmp_path, no_hub):
    """The training API as the README shows it: settings by flag name, a trained model to pass on."""
    import bertdistill

    student = bertdistill.distill_sra(teacher=tiny_bert, corpus=corpus_file, output_dir=tmp_path / "general",
                                      epochs=1, batch_size=32, max_length=16, eval_sentences=20, embedding_dim=16,
                                      hidden_size=8, progress=False)
    assert isinstance(student, bertdistill.TrainedModel) and student.path == tmp_path / "general"
    assert student.metrics["held_out_cosine"] == json.loads((student.path / "metrics.json").read_text())[
        "held_out_cosine"]
    assert bertdistill.encode(student, ["the film was good"]).shape == (1, 32)
    import datasets

    assert not datasets.utils.logging.is_progress_bar_enabled()   # progress=False silences the libraries' bars too
    datasets.enable_progress_bars()

    train, dev = sentiment_files
    tuned = bertdistill.finetune(model=student, train_file=train, dev_file=dev, output_dir=tmp_path / "tuned",
                                 epochs=1, batch_size=16, progress=False)
    assert "accuracy" in tuned.metrics["metrics"]["dev"]
    assert bertdistill.Predictor(tuned).spec.num_labels == 2


def test_python_settings_are_checked_like_flags(tmp_path):
    import bertdistill
    from bertdistill.errors import ConfigError

    with pytest.raises(ConfigError, match="max_sentence .*did you mean max_sentences"):
        bertdistill.distill_sra(corpus="a.txt", output_dir=tmp_path / "x", max_sentence=10)
    with pytest.raises(ConfigError, match="--output-dir is required"):
        bertdistill.distill_kd(teacher="t", task="sst2")
    with pytest.raises(ConfigError, match="expected an integer"):
        bertdistill.distill_sra(corpus="a.txt", output_dir=tmp_path / "x", batch_size="big")
    with pytest.raises(ConfigError, match="--token-weight .*must be a finite number"):   # the bounds of the flags
        bertdistill.distill_sra(corpus="a.txt", output_dir=tmp_path / "x", token_weight=float("nan"))
    assert not (tmp_path / "x").exists()

"""End to end: raw text -> SRA general student -> reload -> encode -> fine-tune on tasks -> evaluate."""

import json

import numpy as np
import pytest
import torch
from transformers import AutoModel, AutoModelForSequenceClassification

from bertdistill.cli import main
from bertdistill.data.corpus import CorpusConfig
from bertdistill.encoding import encode
from bertdistill.errors import ModelError
from bertdistill.methods.sra import SRAConfig, StudentShape, distill_sra, sra_training_defaults
from bertdistill.students import BiLSTMModel
from bertdistill.teachers.loading import load_tokenizer
from tests.conftest import Interrupt, KillAtStep, make_tiny_bert, pair_rows, write_jsonl

SMALL_STUDENT = ["--embedding-dim", "16", "--hidden-size", "8", "--num-layers", "1"]


def test_sra_end_to_end(tiny_bert, corpus_file, sentiment_files, tmp_path, no_hub, capsys):
    general = tmp_path / "general"
    assert main(["distill", "sra", "--teacher", str(tiny_bert), "--corpus", str(corpus_file),
                 "--output-dir", str(general), "--epochs", "3", "--batch-size", "32", "--max-length", "16",
                 "--eval-sentences", "40", "--no-progress", *SMALL_STUDENT]) == 0
    assert "examples/s" not in capsys.readouterr().err  # --no-progress silences the datasets bars too
    metrics = json.loads((general / "metrics.json").read_text())
    assert metrics["span_crops"] > 0                # by default each training sentence adds one span crop
    assert (metrics["train_sentences"] + metrics["held_out_sentences"]
            == metrics["selected_sentences"] + metrics["span_crops"])
    assert metrics["held_out_sentences"] == 30  # at most a tenth of the corpus is held out
    # distillation helped: the student agrees with the teacher on held-out sentences far more than it did untrained
    assert metrics["held_out_cosine"] > metrics["held_out_cosine_untrained"] + 0.3   # seen: 0.92 against 0.02
    assert metrics["held_out_cosine"] > 0.7
    assert "skipped" in metrics["stsb_zero_shot"]
    assert (general / "config.yaml").is_file() and (general / "tokenizer.json").is_file()

    # the general student reloads through the Auto classes and encodes sentences
    student = AutoModel.from_pretrained(general)
    assert isinstance(student, BiLSTMModel) and student.config.projection_dim == 32
    vectors = encode(str(general), ["the film was good", "a dull story"])
    assert vectors.shape == (2, 32) and np.isfinite(vectors).all()
    # the folder is a sentence-transformers model too, giving the trained sentence vector
    from sentence_transformers import SentenceTransformer

    by_sentence_transformers = SentenceTransformer(str(general), device="cpu").encode(["the film was good",
                                                                                     "a dull story"])
    assert np.abs(by_sentence_transformers - vectors).max() < 1e-5

    # and is fine-tuned like BERT on a single-sentence task ...
    train, dev = sentiment_files
    single = tmp_path / "single"
    assert main(["finetune", "--model", str(general), "--train-file", str(train), "--dev-file", str(dev),
                 "--output-dir", str(single), "--epochs", "6", "--batch-size", "16", "--lr", "3e-3",
                 "--no-progress"]) == 0
    finetuned = json.loads((single / "metrics.json").read_text())
    assert finetuned["primary"] >= 0.8
    classifier = AutoModelForSequenceClassification.from_pretrained(single)
    torch.testing.assert_close(classifier.bilstm.encoder.embeddings.weight.shape, student.encoder.embeddings.weight.shape)
    assert main(["evaluate", "--model", str(single), "--dev-file", str(dev)]) == 0

    # ... and on a sentence-pair task with the siamese head
    pairs_train = write_jsonl(tmp_path / "pairs_train.jsonl", pair_rows(64, seed=1))
    pairs_dev = write_jsonl(tmp_path / "pairs_dev.jsonl", pair_rows(16, seed=2))
    pair = tmp_path / "pair"
    assert main(["finetune", "--model", str(general), "--train-file", str(pairs_train), "--dev-file",
                 str(pairs_dev), "--pair-column", "text_pair", "--output-dir", str(pair), "--epochs", "1",
                 "--no-progress"]) == 0
    assert "lr: 0.001" in (pair / "config.yaml").read_text()  # no --lr: the BiLSTM default learning rate
    pair_model = AutoModelForSequenceClassification.from_pretrained(pair)
    assert pair_model.is_pair and pair_model.classifier[0].in_features == 4 * 16
    capsys.readouterr()
    assert main(["predict", "--model", str(pair), "the film was good\tthe plot was nice"]) == 0
    assert capsys.readouterr().out.split("\t")[0] in ("same", "different")


def sra_config(teacher, corpus, output, **overrides) -> SRAConfig:
    training = sra_training_defaults()
    training.epochs, training.batch_size, training.eval_steps, training.progress_bar = 2, 32, 4, False
    values = dict(teacher=str(teacher), output_dir=str(output), corpus=CorpusConfig(paths=(str(corpus),)),
                  student=StudentShape(embedding_dim=16, hidden_size=8, num_layers=1), max_length=16,
                  eval_sentences=20, training=training)
    values.update(overrides)
    return SRAConfig(**values)


def test_sra_resume_matches_an_uninterrupted_run(tiny_bert, corpus_file, tmp_path, no_hub):
    straight = distill_sra(sra_config(tiny_bert, corpus_file, tmp_path / "straight"))
    with pytest.raises(Interrupt):
        distill_sra(sra_config(tiny_bert, corpus_file, tmp_path / "killed"), callbacks=(KillAtStep(6),))
    resumed = distill_sra(sra_config(tiny_bert, corpus_file, tmp_path / "killed", resume=True))
    assert resumed["resumed_from"].endswith("checkpoint-4")
    assert resumed["held_out_cosine"] == pytest.approx(straight["held_out_cosine"], abs=1e-6)
    first = AutoModel.from_pretrained(tmp_path / "straight").state_dict()
    second = AutoModel.from_pretrained(tmp_path / "killed").state_dict()
    for name, tensor in first.items():
        torch.testing.assert_close(second[name], tensor, atol=1e-6, rtol=0, msg=name)


@pytest.mark.parametrize("representation, loss, pooling, init",
                         [("cls", "cosine", "last", "random"), ("idf_mean", "mse+cosine", "attention", "teacher")])
def test_sra_options(tiny_bert, corpus_file, tmp_path, no_hub, representation, loss, pooling, init):
    config = sra_config(tiny_bert, corpus_file, tmp_path / "run", representation=representation, loss=loss,
                        student=StudentShape(embedding_dim=16, hidden_size=8, num_layers=1, pooling=pooling,
                                             embedding_init=init))
    config.training.epochs = 1
    record = distill_sra(config)
    assert record["representation"] == representation
    assert (tmp_path / "run" / "idf.safetensors").is_file() == (representation == "idf_mean")


def test_init_student_with_another_vocabulary_is_refused(tiny_bert, corpus_file, tmp_path, no_hub):
    first = tmp_path / "first"
    distill_sra(sra_config(tiny_bert, corpus_file, first, training=_one_epoch()))
    other_teacher = make_tiny_bert(tmp_path / "other-teacher")
    vocab = (other_teacher / "vocab.txt").read_text().splitlines()
    (other_teacher / "vocab.txt").write_text("\n".join(vocab[:5] + list(reversed(vocab[5:]))) + "\n")
    from transformers import BertTokenizer

    BertTokenizer(vocab=str(other_teacher / "vocab.txt")).save_pretrained(other_teacher)
    with pytest.raises(ModelError, match="tokenise differently"):
        distill_sra(sra_config(other_teacher, corpus_file, tmp_path / "second", init_student=str(first),
                               training=_one_epoch()))


def test_bilstm_started_from_a_static_student(tiny_bert, corpus_file, tmp_path, no_hub, monkeypatch):
    """distill sra --student static, then a residual BiLSTM with --init-student on it: before training the
    BiLSTM encodes like the static student (same target PCA: the basis change is the identity); it trains,
    saves, reloads and records where it started."""
    from bertdistill.methods.sra import teacher_targets
    from bertdistill.methods.sra.run import build_student

    static = tmp_path / "static"
    pca_run = {"loss": "cosine", "target_pca": 8, "training": _one_epoch()}
    static_record = distill_sra(sra_config(tiny_bert, corpus_file, static, student_type="static",
                                           student=StudentShape(embedding_dim=16, embedding_init="contextual"),
                                           **pca_run))
    config = sra_config(tiny_bert, corpus_file, tmp_path / "bilstm", init_student=str(static), **pca_run,
                        student=StudentShape(embedding_dim=16, hidden_size=8, num_layers=1, residual_static=True))
    tokenizer = load_tokenizer(str(tiny_bert))
    targets = teacher_targets(config, tokenizer, tmp_path / "cache")
    start = build_student(config, targets.teacher, tokenizer, 8, tmp_path / "cache", targets.pca).eval()
    batch = tokenizer(["the film was good", "a dull story , badly told"], padding=True, return_tensors="pt")
    expected = encode(str(static), ["the film was good", "a dull story , badly told"])  # L2-normalised
    out = start(batch["input_ids"], batch["attention_mask"]).sentence_embedding.detach().numpy()
    np.testing.assert_allclose(out / np.linalg.norm(out, axis=1, keepdims=True), expected, atol=1e-4)

    import bertdistill.students.general as general_students

    def no_table(*args, **kwargs):
        raise AssertionError("a started student needs no model2vec table")

    monkeypatch.setattr(general_students, "model2vec_baseline", no_table)
    record = distill_sra(config)
    reloaded = AutoModel.from_pretrained(tmp_path / "bilstm")
    assert isinstance(reloaded, BiLSTMModel)
    assert reloaded.config.bertdistill_general["init_student"] == str(static)
    assert record["held_out_cosine"] > static_record["held_out_cosine"]   # it adds to where it started


def test_static_start_without_the_residual_path_is_refused(tiny_bert, corpus_file, tmp_path, no_hub):
    from bertdistill.errors import ConfigError

    static = tmp_path / "static"
    distill_sra(sra_config(tiny_bert, corpus_file, static, student_type="static", training=_one_epoch()))
    with pytest.raises(ConfigError, match="residual static path"):
        distill_sra(sra_config(tiny_bert, corpus_file, tmp_path / "bilstm", init_student=str(static),
                               training=_one_epoch(), student=StudentShape(embedding_dim=16, hidden_size=8,
                                                                           residual_static=False)))
    assert not (tmp_path / "bilstm").exists()


def _one_epoch():
    training = sra_training_defaults()
    training.epochs, training.batch_size, training.progress_bar = 1, 64, False
    return training


def test_empty_corpus_fails_before_writing(tiny_bert, tmp_path, no_hub, capsys):
    corpus = tmp_path / "empty.txt"
    corpus.write_text("\n\n  \nok.\n")
    output = tmp_path / "never"
    assert main(["distill", "sra", "--teacher", str(tiny_bert), "--corpus", str(corpus), "--output-dir",
                 str(output)]) == 2
    assert "no usable line" in capsys.readouterr().err
    assert not output.exists()


def test_encode_command(tiny_bert, tmp_path, capsys):
    sentences = tmp_path / "sentences.txt"
    sentences.write_text("the film was good\na dull story\n")
    output = tmp_path / "vectors.npy"
    assert main(["encode", "--model", str(tiny_bert), "--input", str(sentences), "--output", str(output),
                 "--normalize"]) == 0
    vectors = np.load(output)
    assert vectors.shape == (2, 32)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


def test_init_student_command(tiny_bert, tmp_path, sentiment_files):
    output = tmp_path / "scratch"
    assert main(["init-student", "--teacher", str(tiny_bert), "--output-dir", str(output), "--embedding-init",
                 "random", "--embedding-dim", "16", "--hidden-size", "8", "--num-layers", "1"]) == 0
    student = AutoModel.from_pretrained(output)
    assert student.config.bertdistill_general["untrained"] is True
    assert student.config.vocab_size == 97 and student.config.projection_dim == 32
    train, dev = sentiment_files
    assert main(["finetune", "--model", str(output), "--train-file", str(train), "--dev-file", str(dev),
                 "--output-dir", str(tmp_path / "ft"), "--epochs", "1", "--no-progress"]) == 0
    assert main(["init-student", "--teacher", str(tiny_bert), "--output-dir", str(output)]) == 2  # never clobbers


def test_nan_loss_in_sra_names_the_step_and_keeps_the_checkpoint(tiny_bert, corpus_file, tmp_path, no_hub):
    from transformers import TrainerCallback

    from bertdistill.errors import TrainingError

    class PoisonProjection(TrainerCallback):
        def on_step_end(self, args, state, control, model=None, **kwargs):
            if state.global_step == 5:
                with torch.no_grad():
                    model.projection.weight.fill_(float("nan"))

    output = tmp_path / "nan"
    with pytest.raises(TrainingError, match=r"became nan at step 6.*checkpoint-4"):
        distill_sra(sra_config(tiny_bert, corpus_file, output), callbacks=(PoisonProjection(),))
    assert (output / "checkpoints" / "checkpoint-4" / "COMPLETE").is_file()


def test_static_sra_resume_matches_an_uninterrupted_run(tiny_bert, corpus_file, tmp_path, no_hub):
    """A killed static-student run, resumed, ends with the same folded table as an uninterrupted one."""
    static = {"student_type": "static", "loss": "cosine", "target_pca": 8,
              "student": StudentShape(embedding_dim=16, embedding_init="contextual")}
    distill_sra(sra_config(tiny_bert, corpus_file, tmp_path / "straight", **static))
    with pytest.raises(Interrupt):
        distill_sra(sra_config(tiny_bert, corpus_file, tmp_path / "killed", **static), callbacks=(KillAtStep(6),))
    resumed = distill_sra(sra_config(tiny_bert, corpus_file, tmp_path / "killed", resume=True, **static))
    assert resumed["resumed_from"].endswith("checkpoint-4")
    first = AutoModel.from_pretrained(tmp_path / "straight").embeddings
    second = AutoModel.from_pretrained(tmp_path / "killed").embeddings
    assert first.shape == (len(load_tokenizer(str(tiny_bert))), 8)
    torch.testing.assert_close(second, first, rtol=0, atol=1e-6)


def test_similarity_weight_adds_the_relational_loss_to_every_step(tiny_bert, corpus_file, tmp_path, no_hub,
                                                                 monkeypatch):
    from bertdistill.losses.registry import LOSSES

    calls = []
    original = LOSSES["similarity"]

    def spy(student, teacher):
        value = original(student, teacher)
        calls.append((tuple(student.shape), value.item()))
        return value

    monkeypatch.setitem(LOSSES, "similarity", spy)   # the registered term the objective calls by name
    config = sra_config(tiny_bert, corpus_file, tmp_path / "run", similarity_weight=0.5)
    config.training.epochs = 1
    record = distill_sra(config)
    assert record["similarity_weight"] == 0.5
    assert len(calls) >= record["global_steps"] and all(value >= 0 for _, value in calls)
    assert calls[0][0][1] == 32                                   # the teacher's width: no target PCA here

    calls.clear()
    distill_sra(sra_config(tiny_bert, corpus_file, tmp_path / "plain"))
    assert calls == []                                            # off by default


def test_negative_similarity_weight_is_refused(tiny_bert, corpus_file, tmp_path):
    from bertdistill.errors import ConfigError

    with pytest.raises(ConfigError, match=r"--similarity-weight \(SRAConfig.similarity_weight\) must be at least 0"):
        sra_config(tiny_bert, corpus_file, tmp_path / "run", similarity_weight=-1.0)
    assert not (tmp_path / "run").exists()


def test_corpus_seed_keeps_the_sentences_while_the_seed_changes_the_student(tiny_bert, corpus_file, tmp_path, no_hub):
    def run(name: str, *seeds: str) -> dict:
        assert main(["distill", "sra", "--teacher", str(tiny_bert), "--corpus", str(corpus_file), "--output-dir",
                     str(tmp_path / name), "--max-sentences", "200", "--max-length", "16", "--epochs", "1",
                     "--batch-size", "32", "--eval-sentences", "20", "--no-progress", *SMALL_STUDENT, *seeds]) == 0
        return json.loads((tmp_path / name / "metrics.json").read_text())

    vector_folders = lambda: sorted((tmp_path / "cache" / "teacher-vectors").iterdir())  # noqa: E731
    run("seed-1", "--seed", "1", "--corpus-seed", "42")
    shared = vector_folders()
    second = run("seed-2", "--seed", "2", "--corpus-seed", "42")
    assert vector_folders() == shared and len(shared) == 2          # the same sentences: one cache, one of crops
    first_weights = AutoModel.from_pretrained(tmp_path / "seed-1").state_dict()
    second_weights = AutoModel.from_pretrained(tmp_path / "seed-2").state_dict()
    assert not torch.equal(first_weights["projection.weight"], second_weights["projection.weight"])
    run("seed-3", "--seed", "3")                                      # without it, --seed draws other sentences
    assert len(vector_folders()) == 4
    assert second["selected_sentences"] == 200


def test_span_crops_add_training_rows_paired_with_their_own_teacher_vectors(tiny_bert, corpus_file, tmp_path,
                                                                            no_hub):
    from bertdistill.data.span_crops import SpanCropConfig, sentence_crops
    from bertdistill.methods.sra import teacher_targets

    assert main(["distill", "sra", "--teacher", str(tiny_bert), "--corpus", str(corpus_file), "--output-dir",
                 str(tmp_path / "run"), "--max-length", "16", "--epochs", "1", "--batch-size", "32",
                 "--eval-sentences", "20", "--no-progress", "--span-crops", "2", "--crop-min-words", "3", "--crop-max-words", "6",
                 *SMALL_STUDENT]) == 0
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    sentences = metrics["selected_sentences"] - metrics["held_out_sentences"]
    assert sentences < metrics["span_crops"] <= 2 * sentences         # most 4-10-word lines give two crops
    assert metrics["train_sentences"] == sentences + metrics["span_crops"]
    assert len(list((tmp_path / "cache" / "teacher-vectors").iterdir())) == 2   # sentences and crops cached apart

    # the recorded config rebuilds the same targets from the caches: every crop row is a span of a training
    # sentence, and its cached vector is the teacher's vector of that very crop
    config = sra_config(tiny_bert, corpus_file, tmp_path / "unused", eval_sentences=20,
                        span_crops=SpanCropConfig(per_sentence=2, min_words=3, max_words=6, seed=42))
    tokenizer = load_tokenizer(str(tiny_bert))
    targets = teacher_targets(config, tokenizer, tmp_path / "cache")
    crop_rows = targets.train_rows[sentences:]
    assert len(crop_rows) == metrics["span_crops"] and not set(crop_rows) & set(targets.eval_rows)
    texts = targets.token_ids["text"]
    expected = [crop for row in range(sentences) for crop in sentence_crops(texts[row], row, config.span_crops)]
    assert [texts[row] for row in crop_rows] == expected
    checked = crop_rows[[0, len(crop_rows) // 2, -1]]
    batch = tokenizer([texts[row] for row in checked], padding=True, truncation=True, max_length=16,
                      return_tensors="pt")
    fresh = targets.teacher.encode_batch(batch["input_ids"], batch["attention_mask"]).numpy()
    np.testing.assert_allclose(targets.vectors[checked].astype(np.float32), fresh, atol=2e-3, rtol=1e-2)


def test_the_default_bilstm_is_the_measured_recipe(monkeypatch):
    """`distill sra` with only the corpus flags resolves to the config of the committed 200k run that scored
    75.7 (results/sra_runs/crops): a change of default must come with a new measured run."""
    from pathlib import Path

    import bertdistill.methods.sra as sra

    captured = []
    record = {"held_out_cosine": 0.0, "held_out_sentences": 0, "stsb_zero_shot": {"skipped": "not run"}}
    monkeypatch.setattr(sra, "distill_sra", lambda config, command=None: captured.append(config) or record)
    committed = SRAConfig.load(Path(__file__).parents[1] / "results" / "sra_runs" / "crops"
                               / "bilstm-200k-dim384-raw-crops1_config.yaml")
    assert main(["distill", "sra", "--corpus", *committed.corpus.paths,
                 "--max-sentences", "200000", "--output-dir", committed.output_dir,
                 "--data-dir", committed.sts_data_dir, "--no-progress"]) == 0
    assert captured[0].to_dict() == committed.to_dict()


def test_a_mixed_corpus_is_recorded_and_scored_per_source(tiny_bert, corpus_file, tmp_path, no_hub, capsys):
    lines = corpus_file.read_text().splitlines()
    (tmp_path / "mixed").mkdir()
    (tmp_path / "mixed" / "reviews.txt").write_text("\n".join(lines[:150]) + "\n")
    (tmp_path / "mixed" / "forum.txt").write_text("\n".join(lines[150:]) + "\n")
    wiki = tmp_path / "wiki.txt"
    words = ("good", "bad", "dull", "nice", "grim", "lovely", "sad", "happy")
    wiki.write_text("".join(f"the {first} story was very {second} and the ending {third}\n"
                            for first in words for second in words for third in words[:2]))
    assert main(["distill", "sra", "--teacher", str(tiny_bert), "--corpus", f"{wiki}:0.25",
                 f"{tmp_path / 'mixed' / '*.txt'}:0.75", "--max-sentences", "160", "--output-dir",
                 str(tmp_path / "run"), "--max-length", "16", "--epochs", "1", "--batch-size", "32",
                 "--eval-sentences", "16", "--no-progress", *SMALL_STUDENT]) == 0
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert [entry["selected_sentences"] for entry in metrics["corpus_entries"]] == [40, 120]
    by_source = metrics["held_out_cosine_by_source"]
    assert set(by_source) == {"wiki", "reviews", "forum"}
    assert sum(agreement["sentences"] for agreement in by_source.values()) == metrics["held_out_sentences"] == 16
    # the per-source cosines average, weighted by sentences, to the run's held-out cosine
    weighted = sum(agreement["cosine"] * agreement["sentences"] for agreement in by_source.values()) / 16
    assert weighted == pytest.approx(metrics["held_out_cosine"], abs=1e-4)
    assert "  wiki: " in capsys.readouterr().out
    recorded = (tmp_path / "run" / "config.yaml").read_text()
    assert f"{wiki}:0.25" in recorded


def test_a_continued_bilstm_records_its_own_shape_and_refuses_another(tiny_bert, corpus_file, tmp_path, no_hub,
                                                                      capsys):
    short = ["--max-length", "16", "--epochs", "1", "--batch-size", "32", "--eval-sentences", "20", "--no-progress"]
    first = tmp_path / "first"
    assert main(["distill", "sra", "--teacher", str(tiny_bert), "--corpus", str(corpus_file), "--output-dir",
                 str(first), *SMALL_STUDENT, *short]) == 0
    again = tmp_path / "again"
    assert main(["distill", "sra", "--teacher", str(tiny_bert), "--corpus", str(corpus_file), "--output-dir",
                 str(again), "--init-student", str(first), *short]) == 0
    recorded = SRAConfig.load(again / "config.yaml").student
    assert (recorded.embedding_dim, recorded.hidden_size, recorded.num_layers) == (16, 8, 1)   # not the defaults
    shape = json.loads((again / "metrics.json").read_text())["student_shape"]
    assert (shape["model_type"], shape["embedding_dim"], shape["hidden_size"]) == ("bertdistill-bilstm", 16, 8)
    capsys.readouterr()
    assert main(["distill", "sra", "--teacher", str(tiny_bert), "--corpus", str(corpus_file), "--output-dir",
                 str(tmp_path / "third"), "--init-student", str(first), "--hidden-size", "32", *short]) == 2
    assert "drop --hidden-size 32 (it has 8)" in capsys.readouterr().err
    assert not (tmp_path / "third").exists()

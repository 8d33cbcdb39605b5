"""TinyBERT end to end on tiny models: raw text -> general stage -> task stage (augmented step 1, step 2)
-> saved student loaded by plain transformers -> evaluated; pairs and regression; resume; bad input."""

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from transformers import AutoModel, AutoModelForSequenceClassification, DistilBertConfig, DistilBertModel

from bertdistill.cli import main
from bertdistill.data.corpus import CorpusConfig
from bertdistill.errors import ConfigError
from bertdistill.methods.tinybert import TinyBertConfig, distill_tinybert
from tests.conftest import Interrupt, KillAtStep, pair_rows, sentiment_rows, sentiment_sentence, write_csv, write_jsonl

FAST = ["--batch-size", "16", "--max-length", "16", "--no-progress"]


def run_cli(*arguments) -> int:
    return main([str(argument) for argument in arguments])


@pytest.fixture(scope="module")
def setting(tiny_bert, tmp_path_factory) -> dict[str, Path]:
    """Train/dev files, a corpus and a teacher fine-tuned on the task."""
    root = tmp_path_factory.mktemp("tinybert")
    rng = random.Random(0)
    corpus = root / "corpus.txt"
    corpus.write_text("".join(sentiment_sentence(rng, rng.random() < 0.5) + "\n" for _ in range(240)))
    train = write_csv(root / "train.csv", sentiment_rows(160, seed=1))
    dev = write_csv(root / "dev.csv", sentiment_rows(60, seed=2))
    teacher = root / "teacher"
    assert run_cli("finetune", "--model", tiny_bert, "--train-file", train, "--dev-file", dev, "--output-dir",
                   teacher, "--epochs", "6", "--lr", "2e-3", *FAST) == 0
    return {"corpus": corpus, "train": train, "dev": dev, "teacher": teacher, "bert": tiny_bert, "root": root}


@pytest.fixture(scope="module")
def general(setting) -> Path:
    output = setting["root"] / "general"
    assert run_cli("distill", "tinybert", "--stage", "general", "--teacher", setting["bert"], "--corpus",
                   setting["corpus"], "--output-dir", output, "--epochs", "2", "--lr", "1e-3", "--eval-sentences", "40",
                   "--cache-dir", setting["root"] / "cache", *FAST) == 0
    return output


def task_arguments(setting, output: Path, *extra) -> list:
    return ["distill", "tinybert", "--stage", "task", "--teacher", setting["teacher"], "--train-file",
            setting["train"], "--dev-file", setting["dev"], "--output-dir", output, "--epochs", "3", "--lr", "1e-3",
            "--intermediate-epochs", "1", "--intermediate-lr", "1e-3", "--n-samples", "2",
            "--cache-dir", setting["root"] / "cache", *extra, *FAST]


def test_general_stage_writes_a_plain_bert_and_projections_apart(general):
    for name in ("config.json", "model.safetensors", "tokenizer.json", "projections.safetensors", "metrics.json",
                 "config.yaml"):
        assert (general / name).is_file(), name
    metrics = json.loads((general / "metrics.json").read_text())
    assert metrics["layers"] == 1 and metrics["hidden"] == 32 and metrics["layer_map"] == "0:1"
    assert metrics["init"] == "teacher-layers" and metrics["train_sentences"] + metrics["held_out_sentences"] == 240
    assert metrics["held_out_loss"] > 0
    encoder = AutoModel.from_pretrained(general)
    assert encoder.config.model_type == "bert" and encoder.config.num_hidden_layers == 1
    assert TinyBertConfig.load(general / "config.yaml").corpus.paths[0].endswith("corpus.txt")


def test_task_stage_end_to_end_and_plain_transformers_loads_it(setting, general, tmp_path, capsys):
    output = tmp_path / "task"
    assert run_cli(*task_arguments(setting, output, "--student", general)) == 0
    for name in ("config.json", "model.safetensors", "tokenizer.json", "projections.safetensors", "metrics.json",
                 "predictions_dev.tsv", "step1/student/config.json", "step1/student/projections.safetensors"):
        assert (output / name).is_file(), name
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["method"] == "tinybert" and metrics["original_examples"] == 160
    assert 160 < metrics["augmented_examples"] <= 320 and metrics["augmentation"]["candidates"].startswith("embedding")
    assert metrics["primary"] >= 0.75 and metrics["step2"]["loss"] == "soft-ce"

    # plain transformers, nothing of bertdistill imported, predicts what our evaluation scored
    script = (f"import sys, torch; from transformers import AutoModelForSequenceClassification, AutoTokenizer\n"
              f"model = AutoModelForSequenceClassification.from_pretrained({str(output)!r}).eval()\n"
              f"tokenizer = AutoTokenizer.from_pretrained({str(output)!r})\n"
              f"batch = tokenizer(['the movie was great', 'the plot was awful'], return_tensors='pt', padding=True)\n"
              f"print(model.config.model_type, model(**batch).logits.argmax(-1).tolist())\n"
              f"assert 'bertdistill' not in sys.modules")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    model_type, predictions = result.stdout.split(" ", 1)
    assert model_type == "bert"
    labels = AutoModelForSequenceClassification.from_pretrained(output).config.id2label
    assert [labels[index] for index in json.loads(predictions)] == ["pos", "neg"]

    capsys.readouterr()
    assert run_cli("evaluate", "--model", output, "--dev-file", setting["dev"]) == 0
    evaluated = json.loads((output / "eval-custom-dev" / "metrics.json").read_text())
    assert evaluated["primary"] == pytest.approx(metrics["primary"])

    # the ablation without the general stage reuses the cached augmented data; step 2 on Tang et al.'s logit MSE
    again = tmp_path / "no-general"
    assert run_cli(*task_arguments(setting, again, "--prediction-loss", "mse")) == 0
    other = json.loads((again / "metrics.json").read_text())
    assert other["init"] == "teacher-layers" and other["augmentation"]["path"] == metrics["augmentation"]["path"]
    assert other["augmented_examples"] == metrics["augmented_examples"]
    assert other["step2"]["loss"] == "mse" and TinyBertConfig.load(again / "config.yaml").prediction_loss == "mse"


def test_pair_regression_random_narrow_student_without_augmentation(setting, tmp_path):
    rows = pair_rows(120, seed=3, regression=True)
    train, dev = write_jsonl(tmp_path / "train.jsonl", rows[:96]), write_jsonl(tmp_path / "dev.jsonl", rows[96:])
    teacher = tmp_path / "teacher"
    pair = ["--pair-column", "text_pair", "--regression"]
    assert run_cli("finetune", "--model", setting["bert"], "--train-file", train, "--dev-file", dev, *pair,
                   "--output-dir", teacher, "--epochs", "2", "--lr", "2e-3", *FAST) == 0
    output = tmp_path / "student"
    assert run_cli("distill", "tinybert", "--stage", "task", "--teacher", teacher, "--train-file", train,
                   "--dev-file", dev, *pair, "--output-dir", output, "--student-hidden", "16", "--student-heads", "4",
                   "--student-intermediate", "24", "--init", "random", "--projection", "shared", "--no-augment",
                   "--epochs", "1", "--intermediate-epochs", "1", "--alpha", "0.5", "--cache-dir", tmp_path / "cache",
                   *FAST) == 0
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["hidden"] == 16 and metrics["init"] == "random" and metrics["augmented_examples"] == 0
    assert metrics["step2"]["loss"] == "mse" and metrics["step2"]["alpha"] == 0.5
    assert "spearman" in metrics["metrics"]["dev"]
    student = AutoModelForSequenceClassification.from_pretrained(output)
    assert student.config.num_labels == 1 and student.config.hidden_size == 16


def config(setting, output: Path, stage: str, resume: bool, student: str | None = None) -> TinyBertConfig:
    from bertdistill.data.loading import DataConfig
    from bertdistill.training.arguments import TrainingConfig

    # the general stage, or task step 2: 2 epochs; task step 1: 1 epoch at the same batch size and rate
    training = TrainingConfig(epochs=2, batch_size=16, lr=1e-3, eval_steps=5, progress_bar=False)
    return TinyBertConfig(
        stage=stage, teacher=str(setting["bert"] if stage == "general" else setting["teacher"]),
        output_dir=str(output), corpus=CorpusConfig(paths=(str(setting["corpus"]),)) if stage == "general" else None,
        data=DataConfig(train_file=str(setting["train"]), dev_file=str(setting["dev"]), max_length=16)
        if stage == "task" else None,
        student=student, augment=False, max_length=16, eval_sentences=40, training=training,
        intermediate_epochs=1, intermediate_lr=1e-3, cache_dir=str(setting["root"] / "cache"), resume=resume,
    )


def test_killed_general_stage_resumes_from_its_checkpoint(setting, tmp_path):
    with pytest.raises(Interrupt):
        distill_tinybert(config(setting, tmp_path / "run", "general", False), callbacks=(KillAtStep(7),))
    record = distill_tinybert(config(setting, tmp_path / "run", "general", True))
    assert record["resumed_from"].endswith("checkpoint-5")
    train_sentences = 240 - min(40, 240 // 10)
    assert record["train_sentences"] == train_sentences and record["global_steps"] == 2 * -(-train_sentences // 16)
    from safetensors.torch import load_file

    distill_tinybert(config(setting, tmp_path / "solo", "general", False))   # uninterrupted: the same weights
    resumed, solo = (load_file(tmp_path / name / "model.safetensors") for name in ("run", "solo"))
    assert resumed.keys() == solo.keys()
    for name, tensor in solo.items():
        torch.testing.assert_close(resumed[name], tensor, rtol=0, atol=1e-6, msg=name)


def test_killed_task_stage_skips_a_finished_step_one_and_resumes_step_two(setting, general, tmp_path):
    output = tmp_path / "run"
    with pytest.raises(Interrupt):
        distill_tinybert(config(setting, output, "task", False, str(general)), callbacks=(KillAtStep(12),))
    assert (output / "step1" / "student" / "config.json").is_file()  # step 1 (10 steps) finished
    record = distill_tinybert(config(setting, output, "task", True, str(general)))
    assert record["step1"] == {"resumed": "step 1 already done"}
    assert record["step2"]["resumed_from"].endswith("checkpoint-10")  # step 2's first epoch
    assert (output / "model.safetensors").is_file() and record["step2"]["global_steps"] == 20


def test_bad_input_gets_clear_errors_and_writes_nothing(setting, general, tmp_path, capsys):
    def fails(message: str, *arguments) -> None:
        capsys.readouterr()
        output = tmp_path / "out"
        assert run_cli(*arguments, "--output-dir", output) == 2
        assert message in capsys.readouterr().err
        assert not output.exists()

    base = ["distill", "tinybert", "--stage", "general", "--teacher", setting["bert"], "--corpus", setting["corpus"],
            *FAST]
    fails("the teacher has layers 0..1", *base, "--layer-map", "0:2")
    fails("through a learned projection", *base, "--projection", "none", "--student-hidden", "16")
    fails("--attention-heads mean", *base, "--student-heads", "2")
    fails("needs a student of the teacher's width", *base, "--student-hidden", "16", "--init", "teacher-layers")
    fails("alpha must be in [0, 1]", *base, "--alpha", "1.5")
    fails("--transfer-set is for the task stage", *base, "--transfer-set", setting["train"])
    fails("needs a corpus", "distill", "tinybert", "--stage", "general", "--teacher", setting["bert"], *FAST)
    with pytest.raises(ConfigError, match="prediction_loss must be one of"):
        TinyBertConfig(stage="general", teacher="t", output_dir=str(tmp_path / "out"),
                       corpus=CorpusConfig(paths=("c.txt",)), prediction_loss="kl")

    distil = tmp_path / "distilbert"
    DistilBertModel(DistilBertConfig(vocab_size=100, dim=32, n_layers=1, n_heads=4, hidden_dim=37)).save_pretrained(distil)
    fails("exposes no BERT-style attention", "distill", "tinybert", "--stage", "general", "--teacher", distil,
          "--corpus", setting["corpus"], *FAST)
    fails("not a fine-tuned bertdistill model", "distill", "tinybert", "--stage", "task", "--teacher", setting["bert"],
          "--train-file", setting["train"], "--dev-file", setting["dev"], *FAST)

    # different head counts work when scores are compared head-averaged
    output = tmp_path / "mean-heads"
    assert run_cli(*base, "--student-heads", "2", "--attention-heads", "mean", "--epochs", "1",
                   "--output-dir", output) == 0
    assert json.loads((output / "metrics.json").read_text())["heads"] == 2


def test_masked_lm_augmenter_through_the_task_stage(setting, tmp_path):
    """--augmenter: candidates from a masked LM (here a tiny random one), cached like the default."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForMaskedLM

    from bertdistill.methods.tinybert.task import candidate_source

    masked_lm = tmp_path / "mlm"
    torch.manual_seed(0)
    BertForMaskedLM(BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=1, num_attention_heads=4,
                               intermediate_size=37, max_position_embeddings=64)).save_pretrained(masked_lm)
    AutoTokenizer.from_pretrained(setting["bert"]).save_pretrained(masked_lm)
    output = tmp_path / "task"
    assert run_cli(*task_arguments(setting, output, "--augmenter", masked_lm, "--max-train-samples", "40")) == 0
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["augmentation"]["candidates"].startswith("masked-lm:") and metrics["augmented_examples"] > 0

    # a teacher whose folder has an MLM head is its own augmenter
    teacher_config = TinyBertConfig.load(output / "config.yaml")
    teacher_config.teacher, teacher_config.augmentation.augmenter = str(masked_lm), None
    teacher = BertForMaskedLM.from_pretrained(masked_lm)
    source = candidate_source(teacher_config, teacher, AutoTokenizer.from_pretrained(masked_lm), 16)
    assert source.name.startswith("masked-lm:")


def test_transfer_set_from_augment_replaces_word_replacement(setting, tmp_path, capsys):
    """--transfer-set: Tang et al.'s transfer set from `bertdistill augment` (or any unlabeled in-domain text)
    is what the teacher labels for both steps; a bad file is an error before anything is written."""
    transfer = tmp_path / "transfer.jsonl"
    assert run_cli("augment", "--train-file", setting["train"], "--n-iter", "2", "--output", transfer) == 0
    lines = len(transfer.read_text(encoding="utf-8").splitlines())
    output = tmp_path / "task"
    assert run_cli(*task_arguments(setting, output, "--transfer-set", transfer, "--max-train-samples", "40")) == 0
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["augmented_examples"] == lines > 0
    assert metrics["augmentation"] == {"transfer_set": str(transfer), "examples": lines}
    assert TinyBertConfig.load(output / "config.yaml").transfer_set == str(transfer)

    bad = write_jsonl(tmp_path / "bad.jsonl", [{"sentence": "no text column here"}])
    for path, message in ((bad, "line 1: no `text` field"), (tmp_path / "missing.jsonl", "no such file")):
        capsys.readouterr()
        failed = tmp_path / "failed"
        assert run_cli(*task_arguments(setting, failed, "--transfer-set", path)) == 2
        assert message in capsys.readouterr().err and not failed.exists()

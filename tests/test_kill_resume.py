"""Every training command survives a real SIGKILL: the CLI runs in a child process that kills itself with
SIGKILL (no exception, no cleanup) after a training step; `--resume` then ends with the same weights as a run
that was never interrupted."""

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from bertdistill.cli import main
from tests.conftest import sentiment_rows, sentiment_sentence, write_jsonl

pytestmark = pytest.mark.slow

FAST = ["--batch-size", "16", "--max-length", "16", "--no-progress", "--eval-steps", "4"]

# the CLI in a child process whose training phase number PHASE kills the process with SIGKILL after step STEP
KILLED_RUN = """
import os, signal, sys
from transformers import TrainerCallback
from bertdistill.cli import main
from bertdistill.training import run

phase_to_kill, step = int(sys.argv[1]), int(sys.argv[2])
phases = []
callbacks = run.Phase.callbacks


class SigKill(TrainerCallback):
    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == step:
            os.kill(os.getpid(), signal.SIGKILL)


def armed_callbacks(self, extra=()):
    phases.append(self)
    return callbacks(self, (*extra, *([SigKill()] if len(phases) == phase_to_kill else [])))


run.Phase.callbacks = armed_callbacks
sys.exit(main(sys.argv[3:]))
"""


@pytest.fixture(scope="module")
def setting(tiny_bert, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("kill")
    rng = random.Random(0)
    corpus = root / "corpus.txt"
    corpus.write_text("".join(sentiment_sentence(rng, rng.random() < 0.5) + "\n" for _ in range(240)))
    train = write_jsonl(root / "train.jsonl", sentiment_rows(96, seed=1))
    dev = write_jsonl(root / "dev.jsonl", sentiment_rows(40, seed=2))
    teacher = root / "teacher"
    assert main(["finetune", "--model", str(tiny_bert), "--train-file", str(train), "--dev-file", str(dev),
                 "--output-dir", str(teacher), "--epochs", "2", "--lr", "2e-3", *FAST]) == 0
    return {"root": root, "bert": tiny_bert, "corpus": corpus, "train": train, "dev": dev, "teacher": teacher}


def command(setting, name: str) -> tuple[list[str], int]:
    """The command line of each training command, and which of its training phases is killed."""
    s = {key: str(value) for key, value in setting.items()}
    task = ["--train-file", s["train"], "--dev-file", s["dev"]]
    corpus = ["--corpus", s["corpus"], "--eval-sentences", "24", "--cache-dir", str(setting["root"] / "cache")]
    student = ["--embedding-dim", "16", "--hidden-size", "16"]
    commands = {
        "finetune": (["finetune", "--model", s["bert"], *task, "--epochs", "2", "--lr", "2e-3"], 1),
        "sra-bilstm": (["distill", "sra", "--teacher", s["bert"], *corpus, *student, "--epochs", "1",
                        "--embedding-init", "random"], 1),
        "sra-static": (["distill", "sra", "--teacher", s["bert"], *corpus, "--student", "static", "--embedding-dim",
                        "16", "--epochs", "1", "--embedding-init", "random", "--target-pca", "8"], 1),
        "kd": (["distill", "kd", "--teacher", s["teacher"], *task, *student, "--n-iter", "1", "--epochs", "2",
                "--lr", "3e-3", "--cache-dir", str(setting["root"] / "cache")], 1),
        "tinybert-general": (["distill", "tinybert", "--stage", "general", "--teacher", s["bert"], *corpus,
                              "--epochs", "1", "--lr", "1e-3"], 1),
        # killed in step 2 (prediction-layer distillation), after step 1 has finished
        "tinybert-task": (["distill", "tinybert", "--stage", "task", "--teacher", s["teacher"], *task, "--no-augment",
                           "--epochs", "2", "--lr", "1e-3", "--intermediate-epochs", "1", "--intermediate-lr", "1e-3",
                           "--cache-dir", str(setting["root"] / "cache")], 2),
    }
    arguments, phase = commands[name]
    return [*arguments, *FAST], phase


@pytest.mark.parametrize("name", ["finetune", "sra-bilstm", "sra-static", "kd", "tinybert-general", "tinybert-task"])
def test_sigkill_then_resume_ends_with_the_weights_of_an_uninterrupted_run(setting, tmp_path, name):
    arguments, phase = command(setting, name)
    killed, straight = tmp_path / "killed", tmp_path / "straight"
    child = subprocess.run([sys.executable, "-c", KILLED_RUN, str(phase), "6", *arguments, "--output-dir",
                            str(killed)], capture_output=True, text=True, timeout=600,
                           cwd=Path(__file__).resolve().parents[1])
    assert child.returncode == -9, child.stderr[-2000:]            # killed by SIGKILL, not an error exit
    assert not (killed / "metrics.json").exists() and not (killed / "model.safetensors").exists()

    assert main([*arguments, "--output-dir", str(killed), "--resume"]) == 0
    assert main([*arguments, "--output-dir", str(straight)]) == 0
    record = json.loads((killed / "metrics.json").read_text())
    resumed_from = record["step2"]["resumed_from"] if name == "tinybert-task" else record["resumed_from"]
    assert resumed_from.endswith("checkpoint-4")
    resumed, uninterrupted = (load_file(folder / "model.safetensors") for folder in (killed, straight))
    assert resumed.keys() == uninterrupted.keys()
    for key, tensor in uninterrupted.items():
        torch.testing.assert_close(resumed[key], tensor, rtol=0, atol=1e-6, msg=key)

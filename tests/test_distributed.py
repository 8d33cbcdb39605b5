"""Multi-process runs: `torchrun` with 2 CPU processes (gloo) gives the same student as one process.

--batch-size is the global batch, split across the processes, so with dropout off and a training set that fills
every batch the two runs take the same steps on the same examples: the weights agree to float rounding. The
main process alone writes (one TensorBoard log, one metrics.json that records 2 processes); the other reads the
caches and the transfer set it wrote.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from safetensors.torch import load_file

from bertdistill.cli import main
from tests.conftest import make_tiny_bert, sentiment_rows, write_jsonl

TRAINING = ["--epochs", "2", "--batch-size", "16", "--max-length", "16", "--no-progress"]
NO_DROPOUT = ["--dropout", "0"]
STUDENT = ["--embedding-dim", "16", "--hidden-size", "16", *NO_DROPOUT]


def without_dropout(bert: Path) -> Path:
    config = json.loads((bert / "config.json").read_text())
    config.update(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    (bert / "config.json").write_text(json.dumps(config))
    return bert


@pytest.fixture(scope="module")
def setting(tmp_path_factory) -> dict[str, Path]:
    """A tiny BERT without dropout, 96 training rows (6 full batches of 16), 40 dev rows and a corpus."""
    root = tmp_path_factory.mktemp("distributed")
    bert = without_dropout(make_tiny_bert(root / "bert"))
    train, dev = sentiment_rows(96, 0), sentiment_rows(40, 1)
    corpus = root / "corpus.txt"
    corpus.write_text("".join(f"{row['text']} {suffix}.\n" for suffix in ("then", "now") for row in train + dev))
    return {"root": root, "bert": bert, "train": write_jsonl(root / "train.jsonl", train),
            "dev": write_jsonl(root / "dev.jsonl", dev), "corpus": corpus}


def environment(root: Path) -> dict[str, str]:
    return {**os.environ, "BERTDISTILL_CACHE": str(root / "cache"), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
            "OMP_NUM_THREADS": "1", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}


def run_both(setting: dict[str, Path], name: str, arguments: list[str],
             fresh_cache: Path | None = None) -> tuple[Path, Path]:
    """The same command in one process (in this interpreter) and under torchrun with 2 processes; with
    `fresh_cache`, the 2 processes build their teacher caches there themselves instead of reading the one the
    single process built."""
    root = setting["root"]
    single, double = root / f"{name}-1", root / f"{name}-2"
    os.environ.update({"BERTDISTILL_CACHE": str(root / "cache"), "HF_HUB_OFFLINE": "1"})
    assert main([*arguments, "--output-dir", str(single)]) == 0
    cache = ["--cache-dir", str(fresh_cache)] if fresh_cache else []
    launched = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
                               "-m", "bertdistill.cli", *arguments, *cache, "--output-dir", str(double)],
                              env=environment(root), capture_output=True, text=True, timeout=600, cwd=root)
    assert launched.returncode == 0, launched.stderr[-3000:]
    return single, double


def assert_same_student(single: Path, double: Path, tolerance: float = 5e-5, logs: str = "logs") -> None:
    """The same weights up to float summation order: two processes all-reduce their halves of each batch's
    gradient, and Adam's per-weight normalisation lifts those last-bit differences to ~1e-5 after a few
    dozen steps (1.3e-5 seen for KD's embeddings); a different batch or step would differ by far more."""
    one, two = load_file(single / "model.safetensors"), load_file(double / "model.safetensors")
    assert one.keys() == two.keys()
    for key in one:
        assert (one[key] - two[key]).abs().max().item() < tolerance, key
    assert len(list((double / logs).glob("events.out.tfevents.*"))) == 1   # the main process's log only
    recorded = json.loads((double / "metrics.json").read_text())
    assert recorded["environment"]["processes"] == 2
    assert json.loads((single / "metrics.json").read_text())["environment"]["processes"] == 1


def share_apart(single: Path, double: Path, by: float) -> float:
    """The share of all weights that differ by more than `by` between the two students."""
    one, two = load_file(single / "model.safetensors"), load_file(double / "model.safetensors")
    apart = sum(int(((one[key] - two[key]).abs() > by).sum()) for key in one)
    return apart / sum(value.numel() for value in one.values())


@pytest.fixture(scope="module")
def teacher(setting) -> Path:
    """A fine-tuned tiny teacher (one process), and the check that 2 processes fine-tune it identically."""
    single, double = run_both(setting, "finetune", ["finetune", "--model", str(setting["bert"]), "--train-file",
                                                    str(setting["train"]), "--dev-file", str(setting["dev"]),
                                                    "--lr", "1e-3", *TRAINING])
    assert_same_student(single, double)
    one, two = (json.loads((folder / "metrics.json").read_text())["metrics"] for folder in (single, double))
    assert one == two
    return single


def test_finetune_on_two_processes_equals_one(teacher):
    assert (teacher / "model.safetensors").is_file()


def test_distill_sra_on_two_processes_equals_one_sharing_the_teacher_encoding(setting):
    """With no cache yet, each process encodes its own share of the teacher vectors (the main process builds
    the corpus) into one cache; the student is the one a single process trains from its own cache."""
    # 160 sentences, 16 held out (at most a tenth): 144 train, each 6 words long, so each gives exactly one span
    # crop of 2-3 words: 288 training rows, 18 full batches of 16
    fresh = setting["root"] / "fresh-cache"
    single, double = run_both(setting, "sra", ["distill", "sra", "--teacher", str(setting["bert"]), "--corpus",
                                               str(setting["corpus"]), "--max-sentences", "160", "--eval-sentences",
                                               "16", "--embedding-init", "random", "--span-crops", "1",
                                               "--crop-min-words", "2", "--crop-max-words", "3",
                                               "--teacher-batch-size", "32", *STUDENT, *TRAINING], fresh_cache=fresh)
    assert_same_student(single, double)
    one, two = (json.loads((folder / "metrics.json").read_text()) for folder in (single, double))
    assert one["span_crops"] == two["span_crops"] == 144
    assert one["train_sentences"] == 288
    assert one["held_out_cosine"] == pytest.approx(two["held_out_cosine"], abs=1e-5)
    manifests = [json.loads(path.read_text()) for path in (fresh / "teacher-vectors").glob("*/manifest.json")]
    assert len(manifests) == 2 and all(manifest["complete"] for manifest in manifests)   # sentences and crops
    corpus = next(manifest for manifest in manifests if manifest["description"]["rows"] == 160)
    assert corpus["state"]["chunks_by_process"] == [3, 2]   # 160 rows in 5 batches of 32: 0, 2, 4 and 1, 3
    assert all(min(manifest["state"]["chunks_by_process"]) > 0 for manifest in manifests)


def test_two_nodes_on_one_machine_share_the_teacher_encoding(setting):
    """Two `torchrun` launches of one process each, joined as 2 nodes by c10d rendezvous (the multi-node
    command of docs/design.md on one machine): the same cache sharing and the same student as one process."""
    import socket

    arguments = ["distill", "sra", "--teacher", str(setting["bert"]), "--corpus", str(setting["corpus"]),
                 "--max-sentences", "160", "--eval-sentences", "16", "--embedding-init", "random", "--span-crops",
                 "0", *STUDENT, *TRAINING, "--teacher-batch-size", "32"]
    single, output = setting["root"] / "sra-nodes-1", setting["root"] / "sra-nodes-2"
    assert main([*arguments, "--cache-dir", str(setting["root"] / "cache"), "--output-dir", str(single)]) == 0
    with socket.socket() as probe:   # a free port for the rendezvous
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    nodes = [subprocess.Popen([sys.executable, "-m", "torch.distributed.run", "--nnodes", "2", "--nproc_per_node",
                               "1", "--node_rank", str(node), "--rdzv-backend", "c10d", "--rdzv-endpoint",
                               f"127.0.0.1:{port}", "--rdzv-id", "bertdistill-test", "-m", "bertdistill.cli",
                               *arguments, "--cache-dir", str(setting["root"] / "nodes-cache"),
                               "--output-dir", str(output)],
                              env=environment(setting["root"]), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, cwd=setting["root"]) for node in range(2)]
    errors = [node.communicate(timeout=600)[1] for node in nodes]
    assert [node.returncode for node in nodes] == [0, 0], errors[0][-3000:] + errors[1][-3000:]
    assert_same_student(single, output)
    [manifest] = [json.loads(path.read_text())
                  for path in (setting["root"] / "nodes-cache" / "teacher-vectors").glob("*/manifest.json")]
    assert manifest["state"]["chunks_by_process"] == [3, 2]


def test_distill_kd_on_two_processes_equals_one_sharing_the_teacher_logits(setting, teacher):
    """With no logit cache yet, each process computes the teacher's logits of its own examples (by key) into
    the one cache; the student is the one a single process trains."""
    # 96 originals + 32 given transfer examples: 8 full batches of 16
    transfer = write_jsonl(setting["root"] / "transfer.jsonl",
                           [{"text": row["text"] + " so"} for row in sentiment_rows(32, 7)])
    fresh = setting["root"] / "fresh-logits"
    single, double = run_both(setting, "kd", ["distill", "kd", "--teacher", str(teacher), "--train-file",
                                              str(setting["train"]), "--dev-file", str(setting["dev"]),
                                              "--transfer-set", str(transfer), "--lr", "3e-3", *STUDENT, *TRAINING],
                              fresh_cache=fresh)
    assert_same_student(single, double)
    one, two = (json.loads((folder / "metrics.json").read_text())["metrics"] for folder in (single, double))
    assert one == two
    [manifest] = [json.loads(path.read_text()) for path in (fresh / "teacher-logits").glob("*/manifest.json")]
    assert len(manifest["files"]) == 2   # one chunk from each process


def test_a_batch_that_does_not_split_evenly_is_refused(setting, capsys, monkeypatch):
    """--batch-size is the global batch: 2 processes cannot share 15 examples equally. Refused while the flags
    are read, before the process group or any work (so one process of the 2 a launcher would start shows it)."""
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setenv("LOCAL_RANK", "0")
    assert main(["finetune", "--model", str(setting["bert"]), "--train-file", str(setting["train"]), "--dev-file",
                 str(setting["dev"]), "--batch-size", "15", "--output-dir", str(setting["root"] / "odd")]) != 0
    error = capsys.readouterr().err
    assert "--batch-size 15 must be a multiple of the 2 processes" in error
    assert "Traceback" not in error and "tokenizing" not in error
    assert not (setting["root"] / "odd").exists()


def test_distill_tinybert_both_stages_on_two_processes_equal_one(setting, teacher):
    """The general stage (the main process builds the corpus) and the task stage (step 1, then step 2 on the
    teacher's logits, each process computing its share into the one cache) give one process's students."""
    student = without_dropout(make_tiny_bert(setting["root"] / "tinybert-student", seed=1))   # a new BERT has 0.1
    general = ["distill", "tinybert", "--stage", "general", "--teacher", str(setting["bert"]), "--student",
               str(student), "--corpus", str(setting["corpus"]), "--max-sentences", "160", "--eval-sentences", "16",
               "--intermediate-epochs", "2", "--batch-size", "16", "--max-length", "16", "--no-progress"]
    single_general, double_general = run_both(setting, "tinybert-general", general)
    # Adam at TinyBERT's lr 5e-5 turns last-bit gradient differences of near-zero gradients into whole steps:
    # seen, 56 of 19,914 weights more than 1e-5 apart, one 6.1e-5; a different batch moves thousands by far more
    assert_same_student(single_general, double_general, tolerance=2e-4)
    assert share_apart(single_general, double_general, 1e-5) < 0.01
    one, two = (json.loads((folder / "metrics.json").read_text()) for folder in (single_general, double_general))
    assert one["train_sentences"] == two["train_sentences"] == 144   # 9 full batches of 16
    assert one["held_out_loss"] == pytest.approx(two["held_out_loss"], rel=1e-4)

    task = ["distill", "tinybert", "--stage", "task", "--teacher", str(teacher), "--student", str(single_general),
            "--train-file", str(setting["train"]), "--dev-file", str(setting["dev"]), "--no-augment",
            "--intermediate-epochs", "1", "--epochs", "2", "--batch-size", "16", "--max-length", "16",
            "--cache-dir", str(setting["root"] / "tinybert-cache"), "--no-progress"]
    single_task, double_task = run_both(setting, "tinybert-task", task)
    assert_same_student(single_task, double_task, tolerance=2e-4, logs="step2/logs")
    assert share_apart(single_task, double_task, 1e-5) < 0.01
    for name in ("step1/student/model.safetensors", "projections.safetensors"):
        assert (double_task / name).is_file()
    one, two = (json.loads((folder / "metrics.json").read_text())["metrics"] for folder in (single_task, double_task))
    assert one == two

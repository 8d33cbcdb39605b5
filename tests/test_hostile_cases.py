"""The hostile cases of issue 16 not covered elsewhere, one per row: a careless user's command line, the line of
error it must give (exit status 2, no traceback) and the rule that nothing appears on disk."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bertdistill.cli import main
from tests.conftest import sentiment_rows, write_beir_set, write_csv


@pytest.fixture(scope="module")
def world(tiny_bert, general_students, tmp_path_factory) -> dict[str, Path]:
    """Task files, a fine-tuned teacher, general students, and damaged copies of a model."""
    root = tmp_path_factory.mktemp("hostile")
    train = write_csv(root / "train.csv", sentiment_rows(32, seed=1))
    dev = write_csv(root / "dev.csv", sentiment_rows(8, seed=2))
    teacher = root / "teacher"
    assert main(["finetune", "--model", str(tiny_bert), "--train-file", str(train), "--dev-file", str(dev),
                 "--output-dir", str(teacher), "--epochs", "1", "--max-length", "16", "--no-progress"]) == 0
    damaged = {}
    for name, source in (("teacher", teacher), ("bilstm", general_students["bilstm"])):
        copy = root / f"damaged-{name}"
        shutil.copytree(source, copy)
        weights = copy / "model.safetensors"
        weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
        damaged[name] = copy
    (root / "texts.txt").write_text("a good film\nthe plot was dull\n")
    (root / "empty.jsonl").write_text("")
    (root / "malformed.jsonl").write_text('{"text": "a fine film"}\n{"text": \n')
    (root / "corpus.txt").write_text("".join(f"{row['text']} indeed.\n" for row in sentiment_rows(60, seed=3)))
    (root / "a-folder").mkdir()
    write_beir_set(root / "beir", {"d1": ("", "a good film")}, {"q1": "good film"}, [("q1", "d1", 1)])
    import json
    import random

    rng = random.Random(5)
    noise = ["".join(chr(rng.randint(33, 126)) for _ in range(rng.randint(30, 90))) for _ in range(80)]
    (root / "noise.txt").write_text("\n".join(noise) + "\n")
    write_csv(root / "noise.csv", [{"text": line, "label": "pos" if index % 2 else "neg"}
                                   for index, line in enumerate(noise)])
    (root / "noise.jsonl").write_text("".join(json.dumps({"text": line, "source": 0}) + "\n" for line in noise))
    return {"root": root, "bert": tiny_bert, "train": train, "dev": dev, "teacher": teacher,
            "bilstm": general_students["bilstm"], "static": general_students["static"], "damaged-teacher": damaged["teacher"],
            "damaged-bilstm": damaged["bilstm"]}


DATA = ["--train-file", "{train}", "--dev-file", "{dev}"]
SMALL = ["--max-length", "16", "--no-progress", "--epochs", "1"]

# name: (arguments with {placeholders}, the message, the output that must not appear)
SRA = ["distill", "sra", "--teacher", "{bert}", "--corpus", "{corpus}", "--output-dir", "{out}",
       "--cache-dir", "{root}/cache"]

CASES = {
    "predict, damaged weights": (["predict", "--model", "{damaged-teacher}", "a good film"],
                                 "{damaged-teacher}: its safetensors weights are damaged or truncated", None),
    "evaluate, damaged weights": (["evaluate", "--model", "{damaged-teacher}", "--dev-file", "{dev}",
                                   "--output-dir", "{out}"], "damaged or truncated", "{out}"),
    "finetune, damaged weights": (["finetune", "--model", "{damaged-bilstm}", *DATA, "--output-dir", "{out}", *SMALL],
                                  "damaged or truncated", "{out}"),
    "distill kd, damaged student": (["distill", "kd", "--teacher", "{teacher}", "--student", "{damaged-bilstm}", *DATA,
                                     "--output-dir", "{out}", "--no-augment", *SMALL], "damaged or truncated", "{out}"),
    "distill kd, damaged teacher": (["distill", "kd", "--teacher", "{damaged-teacher}", *DATA, "--output-dir",
                                     "{out}", "--no-augment", *SMALL], "damaged or truncated", "{out}"),
    "distill sra, damaged --init-student": (["distill", "sra", "--teacher", "{bert}", "--corpus", "{corpus}",
                                             "--init-student", "{damaged-bilstm}", "--output-dir", "{out}",
                                             "--cache-dir", "{root}/cache", *SMALL], "damaged or truncated", "{out}"),
    "distill sra, --init-student not a model": (["distill", "sra", "--teacher", "{bert}", "--corpus", "{corpus}",
                                                 "--init-student", "{a-folder}", "--output-dir", "{out}",
                                                 "--cache-dir", "{root}/cache", *SMALL], "{a-folder}", "{out}"),
    "evaluate, --batch-size 0": (["evaluate", "--model", "{teacher}", "--dev-file", "{dev}", "--batch-size", "0",
                                  "--output-dir", "{out}"], "--batch-size: must be at least 1", "{out}"),
    "encode, --batch-size 0": (["encode", "--model", "{bilstm}", "--input", "{texts}", "--output", "{out}",
                                "--batch-size", "0"], "--batch-size: must be at least 1", "{out}"),
    "init-student, --embedding-dim 0": (["init-student", "--teacher", "{bert}", "--output-dir", "{out}",
                                         "--embedding-dim", "0"], "--embedding-dim: must be at least 1", "{out}"),
    "distill kd, --dropout 1": (["distill", "kd", "--teacher", "{teacher}", *DATA, "--output-dir", "{out}",
                                 "--dropout", "1", *SMALL], "--dropout: must be in [0, 1)", "{out}"),
    "distill kd, --residual-static on a new student": (["distill", "kd", "--teacher", "{teacher}", *DATA,
                                                        "--output-dir", "{out}", "--residual-static", *SMALL],
                                                       "--residual-static belongs to SRA general students", "{out}"),
    "augment, --output a folder": (["augment", *DATA, "--output", "{a-folder}", "--n-iter", "1"],
                                   "--output {a-folder}: is a folder", None),
    "distill kd, empty --transfer-set": (["distill", "kd", "--teacher", "{teacher}", *DATA, "--transfer-set",
                                          "{empty}", "--output-dir", "{out}", *SMALL], "{empty}", "{out}"),
    "distill kd, malformed --transfer-set": (["distill", "kd", "--teacher", "{teacher}", *DATA, "--transfer-set",
                                              "{malformed}", "--output-dir", "{out}", *SMALL], "line 2", "{out}"),
    "finetune, --max-length 0": (["finetune", "--model", "{bert}", *DATA, "--output-dir", "{out}",
                                  "--max-length", "0"], "--max-length: must be at least 1", "{out}"),
    "evaluate, --max-length 0": (["evaluate", "--model", "{teacher}", "--dev-file", "{dev}", "--max-length", "0",
                                  "--output-dir", "{out}"], "--max-length: must be at least 1", "{out}"),
    # a model judged by what it is: --init-student takes a general student only
    "distill sra, --init-student a fine-tuned classifier": (SRA + ["--init-student", "{teacher}"],
                                                            "--init-student {teacher}: a fine-tuned classifier; this takes a general student",
                                                            "{out}"),
    "distill sra, --init-student a plain Transformer": (SRA + ["--init-student", "{bert}"], "a Transformer encoder; this takes",
                                                        "{out}"),
    "distill sra, --teacher a general student": (SRA[:3] + ["{bilstm}"] + SRA[4:], "--teacher {bilstm}: a general "
                                                 "student (a sentence encoder from distill sra); this takes", "{out}"),
    "encode, a fine-tuned classifier": (["encode", "--model", "{teacher}", "--input", "{texts}", "--output",
                                         "{out}"], "--model {teacher}: a fine-tuned classifier; this takes", "{out}"),
    "evaluate-encoder, a fine-tuned classifier": (["evaluate-encoder", "--model", "{teacher}", "--tasks", "retrieval",
                                                   "--retrieval-dir", "{root}/beir", "--json", "{out}"],
                                                  "--model {teacher}: a fine-tuned classifier; this takes", "{out}"),
    "export sentence-transformers, the embedded teacher": (["export", "sentence-transformers", "--model", "minilm",
                                                            "--output", "{out}"],
                                                           "--model minilm: a Transformer encoder; this takes a "
                                                           "general student", "{out}"),
    # flags that cannot apply to the model are refused, not dropped
    "encode, --representation on a general student": (["encode", "--model", "{bilstm}", "--input", "{texts}",
                                                       "--output", "{out}", "--representation", "cls"],
                                                      "is a general student with its own sentence vector", "{out}"),
    "encode, --vector pooled on a static student": (["encode", "--model", "{static}", "--input", "{texts}",
                                                     "--output", "{out}", "--vector", "pooled"],
                                                    "is a static student", "{out}"),
    "encode, --vector on a Transformer": (["encode", "--model", "{bert}", "--input", "{texts}", "--output", "{out}",
                                           "--vector", "pooled"], "is a Transformer encoder; --vector", "{out}"),
    "export onnx, --tolerance nan": (["export", "onnx", "--model", "{teacher}", "--output", "{out}",
                                      "--tolerance", "nan"], "--tolerance: must be a finite number", "{out}"),
    "finetune, --max-length beyond the positions": (["finetune", "--model", "{bert}", *DATA, "--output-dir", "{out}",
                                                     "--max-length", "100000", *SMALL[2:]],
                                                    "--max-length 100000: {bert} reads at most", "{out}"),
    "benchmark, --seq-lengths beyond the positions": (["benchmark", "{teacher}", "--seq-lengths", "100000",
                                                       "--json", "{out}"], "--seq-lengths 100000: {teacher} reads at most",
                                                      "{out}"),
    "evaluate-encoder, nothing to score": (["evaluate-encoder", "--baseline", "--tasks", "retrieval", "--retrieval-dir",
                                            "{root}/beir", "--json", "{out}"], "nothing to score", "{out}"),
    # text that is not text, refused by what it holds
    "distill sra, a corpus of random characters": (SRA[:5] + ["{root}/noise.txt"] + SRA[6:],
                                                   "do not look like text", "{out}"),
    "finetune, a train file of random characters": (["finetune", "--model", "{bert}", "--train-file",
                                                     "{root}/noise.csv", "--dev-file", "{dev}", "--output-dir", "{out}",
                                                     *SMALL], "column 'text': 100% of its first lines do not look like text",
                                                    "{out}"),
    "distill kd, a transfer set of random characters": (["distill", "kd", "--teacher", "{teacher}", *DATA,
                                                         "--transfer-set", "{root}/noise.jsonl", "--output-dir", "{out}",
                                                         *SMALL], "noise.jsonl: 100% of its first lines", "{out}"),
    # a local path that does not exist is named as such (no hub lookup)
    "finetune, a missing local model": (["finetune", "--model", "{root}/no-such-model", *DATA, "--output-dir",
                                         "{out}", *SMALL], "{root}/no-such-model: no such model folder", "{out}"),
    # numbers: finite and in range, refused when parsed (one rule for every generated flag)
    "distill sra, --token-weight nan": (SRA + ["--token-weight", "nan"], "--token-weight: must be a finite", "{out}"),
    "distill sra, --similarity-weight -1": (SRA + ["--similarity-weight", "-1"],
                                            "--similarity-weight: must be at least 0", "{out}"),
    "distill sra, --temperature 0": (SRA + ["--temperature", "0"], "--temperature: must be above 0", "{out}"),
    "distill sra, --seed -1": (SRA + ["--seed", "-1"], "--seed: must be at least 0", "{out}"),
    "distill sra, --corpus-seed -1": (SRA + ["--corpus-seed", "-1"], "--corpus-seed: must be at least 0", "{out}"),
    "distill sra, --lr inf": (SRA + ["--lr", "inf"], "--lr: must be a finite number", "{out}"),
    "distill sra, contrastive with --batch-size 1": (SRA + ["--loss", "contrastive", "--batch-size", "1"],
                                                     "needs --batch-size 2 or more", "{out}"),
    "distill kd, --temperature nan": (["distill", "kd", "--teacher", "{teacher}", *DATA, "--output-dir", "{out}",
                                       "--temperature", "nan", *SMALL], "--temperature: must be a finite", "{out}"),
    "distill tinybert, --attention-weight -2": (["distill", "tinybert", "--stage", "general", "--teacher", "{bert}",
                                                 "--corpus", "{corpus}", "--output-dir", "{out}",
                                                 "--attention-weight", "-2"], "--attention-weight: must be at least 0",
                                                "{out}"),
}


def filled(text: str, world: dict[str, Path], out: Path) -> str:
    names = {**{key: str(value) for key, value in world.items()}, "out": str(out),
             "texts": str(world["root"] / "texts.txt"), "empty": str(world["root"] / "empty.jsonl"),
             "malformed": str(world["root"] / "malformed.jsonl"), "corpus": str(world["root"] / "corpus.txt"),
             "a-folder": str(world["root"] / "a-folder")}
    return text.format(**names)


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_case_is_one_clear_line_and_writes_nothing(world, tmp_path, capsys, case):
    arguments, message, output = CASES[case]
    out = tmp_path / "out"
    capsys.readouterr()
    try:
        code = main([filled(argument, world, out) for argument in arguments])
    except SystemExit as stop:   # argparse's own refusals exit with status 2 too
        code = stop.code
    error = capsys.readouterr().err
    assert code == 2, error
    assert filled(message, world, out) in error and "Traceback" not in error, error
    assert len([line for line in error.splitlines() if "error:" in line]) == 1, error   # one line of error
    if output is not None:
        assert not Path(filled(output, world, out)).exists()


@pytest.fixture(scope="module")
def read_only(tmp_path_factory):
    """A folder nothing can be written in: mode 0555 for a normal user; for root (who ignores modes), a read-only
    tmpfs mounted over it (skipped where mounting is not allowed)."""
    import os
    import subprocess

    folder = tmp_path_factory.mktemp("read-only")
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot make a read-only folder as root here: {mounted.stderr.decode().strip()}")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


# every command that writes, told to write in a read-only folder: refused before any work, in one line
WRITERS = {
    "finetune": ["finetune", "--model", "{bert}", *DATA, "--output-dir", "{ro}/out", *SMALL],
    "evaluate": ["evaluate", "--model", "{teacher}", "--dev-file", "{dev}", "--output-dir", "{ro}/out"],
    "predict": ["predict", "--model", "{teacher}", "--input", "{texts}", "--output", "{ro}/out.tsv"],
    "distill sra": ["distill", "sra", "--teacher", "{bert}", "--corpus", "{corpus}", "--output-dir", "{ro}/out"],
    "distill kd": ["distill", "kd", "--teacher", "{teacher}", *DATA, "--output-dir", "{ro}/out", "--no-augment"],
    "distill tinybert": ["distill", "tinybert", "--stage", "general", "--teacher", "{bert}", "--corpus", "{corpus}",
                         "--output-dir", "{ro}/out"],
    "init-student": ["init-student", "--teacher", "{bert}", "--output-dir", "{ro}/out"],
    "encode": ["encode", "--model", "{bilstm}", "--input", "{texts}", "--output", "{ro}/out.npy"],
    "augment": ["augment", *DATA, "--output", "{ro}/out.jsonl", "--n-iter", "1"],
    "export onnx": ["export", "onnx", "--model", "{teacher}", "--output", "{ro}/out.onnx"],
    "export sentence-transformers": ["export", "sentence-transformers", "--model", "{bilstm}", "--output", "{ro}/out"],
    "benchmark": ["benchmark", "{teacher}", "--json", "{ro}/out.json"],
    "report": ["report", "--run", "{teacher}", "--output", "{ro}/out.md", "--no-plot"],
    "evaluate-encoder": ["evaluate-encoder", "--model", "{bilstm}", "--json", "{ro}/out.json"],
    "run": ["run", "{recipe}", "--output-dir", "{ro}/out"],
}


@pytest.mark.parametrize("command", list(WRITERS))
def test_a_read_only_location_is_refused_before_any_work(world, read_only, tmp_path, capsys, command):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(f"steps:\n  - name: student\n    command: init-student\n    args: [--teacher, {world['bert']}, "
                      "--output-dir, '{output}/student']\n")
    names = {**{key: str(value) for key, value in world.items()}, "ro": str(read_only), "recipe": str(recipe),
             "texts": str(world["root"] / "texts.txt"), "corpus": str(world["root"] / "corpus.txt")}
    capsys.readouterr()
    code = main([argument.format(**names) for argument in WRITERS[command]])
    error = capsys.readouterr().err
    assert code == 2, error
    assert f"cannot write in {read_only}" in error and "Traceback" not in error, error
    assert len([line for line in error.splitlines() if "error:" in line]) == 1, error
    assert not any(read_only.iterdir())

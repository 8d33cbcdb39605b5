"""Every Python example in README.md runs as written, on tiny models saved under the names it uses.

A snippet that imports no torch-based library (bertdistill, transformers, sentence_transformers, torch)
runs in a fresh interpreter where `import torch` fails: serving without torch is a claim, so it is checked.
A snippet preceded by an HTML comment starting with "not run in tests" is skipped (it needs data from the hub).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
SNIPPET = re.compile(r"(<!-- not run in tests[^>]*-->\s*)?```python\n(.*?)```", re.DOTALL)
TORCH_LIBRARIES = re.compile(r"^\s*(?:import|from)\s+(bertdistill|transformers|sentence_transformers|torch)\b", re.M)
BLOCK_TORCH = "import sys\nsys.modules['torch'] = None  # any import of torch now fails\n"


def snippets() -> list[str]:
    return [code for skipped, code in SNIPPET.findall(README.read_text(encoding="utf-8")) if not skipped]


def skipped_snippets() -> list[str]:
    return [code for skipped, code in SNIPPET.findall(README.read_text(encoding="utf-8")) if skipped]


@pytest.fixture(scope="module")
def readme_folder(general_students, tiny_bert, tmp_path_factory) -> Path:
    """runs/general-bilstm, runs/general-static, runs/kd-sst2 (fine-tuned), exported/general-bilstm.onnx and
    exported/kd-sst2.int8.onnx, as the README names them."""
    from bertdistill.cli import main
    from tests.conftest import sentiment_rows, write_csv

    root = tmp_path_factory.mktemp("readme")
    shutil.copytree(general_students["bilstm"], root / "runs" / "general-bilstm")
    shutil.copytree(general_students["static"], root / "runs" / "general-static")
    train = write_csv(root / "train.csv", sentiment_rows(64, seed=1))
    dev = write_csv(root / "dev.csv", sentiment_rows(16, seed=2))
    assert main(["finetune", "--model", str(root / "runs" / "general-bilstm"), "--train-file", str(train),
                 "--dev-file", str(dev), "--output-dir", str(root / "runs" / "kd-sst2"), "--epochs", "1",
                 "--no-progress"]) == 0
    assert main(["export", "onnx", "--model", str(root / "runs" / "general-bilstm"), "--output",
                 str(root / "exported" / "general-bilstm.onnx")]) == 0
    assert main(["export", "onnx", "--model", str(root / "runs" / "kd-sst2"), "--output",
                 str(root / "exported" / "kd-sst2.onnx"), "--quantize", "int8"]) == 0
    return root


def test_the_readme_has_python_examples():
    assert len(snippets()) >= 5 and len(skipped_snippets()) == 1


@pytest.mark.parametrize("index", range(len(snippets())))
def test_readme_python_example_runs(index, readme_folder, monkeypatch):
    code = snippets()[index]
    if TORCH_LIBRARIES.search(code):
        monkeypatch.chdir(readme_folder)
        exec(compile(code, f"README.md python example {index + 1}", "exec"), {"__name__": "__readme__"})
        return
    done = subprocess.run([sys.executable, "-c", BLOCK_TORCH + code], cwd=readme_folder, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]

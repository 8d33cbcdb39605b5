"""The SRA result tables in results/sra.md and results/sra.json are what research/experiments/sra_results.py makes from the
committed encoder-benchmark files: a number edited by hand, or a raw file changed without its table, fails here."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_experiment(name: str):
    """A script of research/experiments/ (not a package) as a module."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "research" / "experiments" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sra_results():
    return load_experiment("sra_results")


@pytest.mark.parametrize("table", ["encoder", "scaling", "seeds", "grid 100k", "grid 30k-bilstm",
                                   "grid 30k-levers"])
def test_sra_markdown_tables_are_the_scripts(sra_results, table):
    kind, _, grid = table.partition(" ")
    if grid:
        markdown = sra_results.grid_markdown(sra_results.grid_rows(grid), sra_results.GRID_HEADINGS[grid])
    else:
        rows = {"encoder": sra_results.encoder_rows, "scaling": sra_results.scaling_rows,
                "seeds": sra_results.seed_rows}[kind]()
        markdown = getattr(sra_results, f"{kind}_markdown")(rows)
    assert markdown in (ROOT / "results" / "sra.md").read_text(encoding="utf-8")


def test_sra_json_is_up_to_date(sra_results, tmp_path, monkeypatch):
    fresh = tmp_path / "sra.json"
    monkeypatch.setattr("sys.argv", ["sra_results.py", "--json", str(fresh)])
    sra_results.main()
    assert json.loads(fresh.read_text()) == json.loads((ROOT / "results" / "sra.json").read_text())


def test_percent_of_teacher_is_the_ratio_of_averages(sra_results):
    teacher = sra_results.teacher_average()
    for row in sra_results.encoder_rows() + sra_results.scaling_rows():
        assert row["percent_of_teacher"] == pytest.approx(100 * row["average"] / teacher)
    assert 79 < teacher < 80  # the reference figure of ../shared/data/transfer/README.md: 79.5


@pytest.fixture(scope="module")
def domain_gap():
    return load_experiment("sra_domain_gap")


def test_domain_gap_table_and_summary_are_the_scripts(domain_gap):
    result = json.loads((ROOT / "results" / "sra_runs" / "domain_gap.json").read_text())
    for model in result["models"].values():
        assert domain_gap.summary(model["domains"]) == pytest.approx(model["summary"])
    assert domain_gap.domain_markdown(result) in (ROOT / "results" / "sra.md").read_text(encoding="utf-8")


def test_mean_cosine_is_the_row_mean_of_cosines(domain_gap):
    student = np.array([[1.0, 0.0], [3.0, 4.0]])
    teacher = np.array([[2.0, 0.0], [4.0, -3.0]])   # cosines 1 and 0
    assert domain_gap.mean_cosine(student, teacher) == pytest.approx(0.5)


@pytest.mark.parametrize(("has_target_pca", "extra", "message"), [
    (False, [], "no target_pca.safetensors"),
    (True, ["--scores", "elsewhere=missing.json"], "expected MODEL=FILE"),
])
def test_domain_gap_refuses_bad_input_before_any_work(domain_gap, tmp_path, monkeypatch, capsys,
                                                       has_target_pca, extra, message):
    student = tmp_path / "student"
    student.mkdir()
    if has_target_pca:
        (student / "target_pca.safetensors").write_bytes(b"")
    output = tmp_path / "gap.json"
    monkeypatch.setattr("sys.argv", ["sra_domain_gap.py", "--model", str(student), "--corpus", "c.txt",
                                     "--skip-sentences", "0", "--transfer-dir", "t", "--json", str(output), *extra])
    monkeypatch.setattr(domain_gap, "unseen_corpus_sentences", lambda *args: pytest.fail("work started"))
    with pytest.raises(SystemExit) as stop:
        domain_gap.main()
    assert stop.value.code == 2 and not output.exists()
    assert message in capsys.readouterr().err


def test_rare_shares_count_occurrences_of_tokens_the_corpus_rarely_shows():
    import collections

    coverage = load_experiment("sra_token_coverage")
    corpus = collections.Counter({1: 100, 2: 3})              # token 3 never occurs in the corpus
    domain = collections.Counter({1: 6, 2: 3, 3: 1})          # 10 occurrences
    shares = coverage.rare_shares(domain, corpus)
    assert shares == pytest.approx({"below_1": 0.1, "below_5": 0.4, "below_20": 0.4})


def test_token_coverage_file_has_every_transfer_domain():
    result = json.loads((ROOT / "results" / "sra_runs" / "token_coverage.json").read_text())
    domains = result["domains"]
    assert {"mr", "subj", "sts16/answer-answer", "stsb/sts-test"} <= set(domains)
    for row in domains.values():
        assert 0 <= row["below_1"] <= row["below_5"] <= row["below_20"] <= 1


def test_domains_curve_table_is_the_script():
    curve = load_experiment("domains_curve")
    rows = curve.curve_rows(ROOT / "results")
    assert curve.curve_table(rows) in (ROOT / "results" / "sra.md").read_text(encoding="utf-8")
    for row in rows:   # "short of the bar" is the bar's share of the teacher's average, less the student's
        assert row["bar"] == pytest.approx(curve.BARS[row["student"]] * row["transfer"] / row["transfer_share"])


def test_retrieval_gap_rows_are_in_the_table():
    result = json.loads((ROOT / "results" / "domains_200k" / "retrieval_gap.json").read_text())
    text = (ROOT / "results" / "sra.md").read_text(encoding="utf-8")
    for name, row in result["students"].items():
        label = "static" if "static" in name else "BiLSTM"
        cells = [f"{row['held_out_cosine']:.3f}", f"{row['cosine_queries']:.3f}", f"{row['cosine_first_sentences']:.3f}",
                 f"{row['cosine_documents']:.3f}", f"{row['ndcg@10']:.1f}", f"{row['ndcg@10_teacher_queries']:.1f}",
                 f"{row['ndcg@10_teacher_documents']:.1f}"]
        assert f"| {label} | " + " | ".join(cells) + " |" in text


def test_static_levers_table_is_the_script():
    curve = load_experiment("domains_curve")
    assert curve.levers_table(ROOT / "results") in (ROOT / "results" / "sra.md").read_text(encoding="utf-8")

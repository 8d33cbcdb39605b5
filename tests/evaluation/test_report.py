"""The report on fixture result files: table cells, README splicing, the plot and the Pareto front."""

import json

import pytest

from bertdistill.cli import main
from bertdistill.errors import DataError
from bertdistill.evaluation.report import collect_entries, markdown_table, pareto_front, write_report


def entry(method, task, score, teacher, speed=None, parameters=1_000_000, label=None):
    return {"method": method, "label": label or method, "task": task, "metric": "accuracy", "score": score,
            "teacher_score": teacher, "parameters": parameters, "speedup_vs_teacher": speed}


@pytest.fixture
def results(tmp_path):
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "kd.json").write_text(json.dumps({"entries": [
        entry("kd", "sst2", 0.80, 0.90, 20.0, label="KD"), entry("kd", "rte", 0.55, 0.60, 20.0, label="KD"),
        entry("sra", "sst2", 0.85, 0.90, 5.0, 13_000_000, label="SRA")]}))
    (folder / "other.json").write_text(json.dumps({"rows": []}))  # no entries: ignored
    return folder


def test_pareto_front_keeps_only_undominated_points():
    points = [(1, 100), (5, 95), (4, 90), (20, 89), (20, 80), (30, 70)]
    assert pareto_front(points) == [(1, 100), (5, 95), (20, 89), (30, 70)]


def test_table_cells_are_scores_and_percent_of_teacher(results):
    table = markdown_table(collect_entries(results))
    assert "| KD | 80.0 (89%) | 55.0 (92%) | 1.0M | 20.0x |" in table
    assert "| SRA | 85.0 (94%) | – | 13.0M | 5.0x |" in table
    assert "| teacher | 90.0 | 60.0 | | 1.0x |" in table


def test_report_replaces_the_readme_section_and_draws_the_plot(results, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# title\n<!-- report:start -->\nold\n<!-- report:end -->\ntail\n")
    plot = tmp_path / "plot.png"
    assert main(["report", "--results", str(results), "--output", str(readme), "--plot", str(plot)]) == 0
    text = readme.read_text()
    assert text.startswith("# title\n<!-- report:start -->\n| method |") and text.endswith("<!-- report:end -->\ntail\n")
    assert "old" not in text and "![quality against speed]" in text
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    write_report(results, tmp_path / "alone.md")
    assert (tmp_path / "alone.md").read_text().startswith("| method |")


def test_bad_result_files_are_named(tmp_path):
    (tmp_path / "bad.json").write_text(json.dumps({"entries": [{"method": "kd"}]}))
    with pytest.raises(DataError, match="bad.json: entry 0 lacks"):
        collect_entries(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match="no result file"):
        collect_entries(empty)


@pytest.mark.parametrize("key", ["score", "teacher_score", "speedup_vs_teacher"])
def test_a_nan_in_a_result_file_is_named_not_printed(tmp_path, key):
    entry = {"method": "kd", "task": "sst2", "metric": "accuracy", "score": 0.8, "teacher_score": 0.9,
             "speedup_vs_teacher": 3.0, key: float("nan")}
    (tmp_path / "nan.json").write_text(json.dumps({"entries": [entry]}))   # json writes NaN; json reads it back
    with pytest.raises(DataError, match=f"nan.json: entry 0: {key} is nan, not a finite number"):
        collect_entries(tmp_path)

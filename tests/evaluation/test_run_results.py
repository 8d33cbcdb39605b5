"""Report rows read straight from run folders (fixture folders in the metrics.json layout of each method),
and the report's refusals: nothing is written when an input or a target is wrong."""

import json

import numpy as np
import pytest
from safetensors.numpy import save_file

from bertdistill.cli import main
from bertdistill.evaluation.report import collect_entries, markdown_table
from bertdistill.evaluation.run_results import entries_from_runs


def run_folder(root, name, record, weights=None):
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "metrics.json").write_text(json.dumps(record))
    if weights is not None:
        save_file(weights, str(folder / "model.safetensors"))
    return folder


@pytest.fixture
def runs(tmp_path):
    """A fine-tuned teacher, a plain fine-tuned student, a KD run and a TinyBERT task run (SST-2)."""
    base = {"task": "sst2", "primary_metric": "accuracy"}
    return {
        "teacher": run_folder(tmp_path, "teacher-sst2", {**base, "primary": 0.90, "metrics": {"dev": {"accuracy": 0.90}}}),
        "student": run_folder(tmp_path, "student-sst2", {**base, "primary": 0.81, "metrics": {"dev": {"accuracy": 0.81}}},
                              {"a": np.zeros((3, 4), np.float32), "b": np.zeros(5, np.float32)}),
        "kd": run_folder(tmp_path, "kd-aug", {**base, "method": "kd", "primary": 0.85, "parameters": 2_000_000,
                                              "teacher_metrics": {"dev": {"accuracy": 0.88}}}),
        "tinybert": run_folder(tmp_path, "tinybert-full", {**base, "method": "tinybert", "primary": 0.87,
                                                           "parameters": 14_000_000,
                                                           "teacher_metrics": {"dev": {"accuracy": 0.88}}}),
        "general": run_folder(tmp_path, "general-bilstm", {"method": "sra", "held_out_cosine": 0.9}),
    }


def test_each_method_gives_its_row(runs):
    collected = entries_from_runs([str(runs["kd"]), str(runs["tinybert"])])
    kd, tinybert = collected["entries"]
    assert (kd["method"], kd["label"], kd["score"], kd["teacher_score"], kd["parameters"]) == \
        ("kd:kd-aug", "kd-aug", 0.85, 0.88, 2_000_000)
    assert (tinybert["method"], tinybert["teacher_score"]) == ("tinybert:tinybert-full", 0.88)
    student = entries_from_runs([str(runs["student"])], teacher_runs=[str(runs["teacher"])])["entries"][0]
    assert (student["method"], student["teacher_score"], student["parameters"]) == ("finetune:student-sst2", 0.90, 17)


def test_report_from_runs_gives_the_table_of_a_result_file(runs, tmp_path):
    """The same rows through a committed result file and straight from the run folders: the same table."""
    arguments = ["--run", str(runs["kd"]), "--run", str(runs["tinybert"]), "--no-plot"]
    assert main(["report", *arguments, "--json", str(tmp_path / "rows.json"), "--output", str(tmp_path / "a.md")]) == 0
    results = tmp_path / "results"
    results.mkdir()
    (results / "rows.json").write_text((tmp_path / "rows.json").read_text())
    from_file = markdown_table(collect_entries(results))
    assert (tmp_path / "a.md").read_text().startswith(from_file)
    assert "| kd-aug | 85.0 (97%) | 2.0M | – |" in from_file


@pytest.mark.parametrize("case, message", [
    ("missing", "no metrics.json"),
    ("general", "evaluate-encoder"),
    ("no-teacher", "--teacher-run"),
    ("wrong-teacher", "for task 'sst2' (--teacher-run)"),
    ("speed-without-teacher", "--teacher-run"),
    ("two-teachers", "two teacher runs for task 'sst2'"),
])
def test_bad_run_folders_are_named_and_nothing_is_written(runs, tmp_path, capsys, case, message):
    other = run_folder(tmp_path, "teacher-rte", {"task": "rte", "primary_metric": "accuracy", "primary": 0.6})
    arguments = {
        "missing": ["--run", str(tmp_path / "nowhere")],
        "general": ["--run", str(runs["general"])],
        "no-teacher": ["--run", str(runs["student"])],
        "wrong-teacher": ["--run", str(runs["student"]), "--teacher-run", str(other)],
        "speed-without-teacher": ["--run", str(runs["kd"]), "--speed"],
        "two-teachers": ["--run", str(runs["kd"]), "--teacher-run", str(runs["teacher"]), "--teacher-run",
                         str(runs["student"])],
    }[case]
    capsys.readouterr()
    assert main(["report", *arguments, "--output", str(tmp_path / "out.md"), "--json", str(tmp_path / "o.json")]) == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error
    assert not (tmp_path / "out.md").exists() and not (tmp_path / "o.json").exists()


def test_report_never_replaces_what_it_did_not_write(runs, tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text("# my project\nhand-written text\n")
    assert main(["report", "--run", str(runs["kd"]), "--output", str(readme), "--no-plot"]) == 2
    assert "report:start" in capsys.readouterr().err and readme.read_text() == "# my project\nhand-written text\n"
    # a file the report wrote whole before is its own: a rerun replaces it
    table = tmp_path / "table.md"
    for run in ("kd", "tinybert"):
        assert main(["report", "--run", str(runs[run]), "--output", str(table), "--no-plot"]) == 0
    assert "tinybert-full" in table.read_text() and "kd-aug" not in table.read_text()


def test_the_plot_goes_next_to_the_results_not_into_the_working_folder(runs, tmp_path, monkeypatch):
    results = tmp_path / "elsewhere"
    results.mkdir()
    (results / "kd.json").write_text(json.dumps(entries_from_runs([str(runs["kd"])])))
    monkeypatch.chdir(tmp_path)
    assert main(["report", "--results", str(results), "--output", str(tmp_path / "table.md")]) == 0
    assert (results / "quality_speed.png").is_file() and not (tmp_path / "results").exists()


def test_entries_with_text_scores_or_a_zero_teacher_are_refused(tmp_path, capsys):
    results = tmp_path / "results"
    results.mkdir()
    for bad in ({"score": "high"}, {"teacher_score": 0}):
        entry = {"method": "kd", "task": "sst2", "metric": "accuracy", "score": 0.8, "teacher_score": 0.9, **bad}
        (results / "r.json").write_text(json.dumps({"entries": [entry]}))
        capsys.readouterr()
        assert main(["report", "--results", str(results), "--output", str(tmp_path / "t.md")]) == 2
        assert "r.json: entry 0" in capsys.readouterr().err and not (tmp_path / "t.md").exists()


def test_labels_name_the_rows_in_order(runs):
    from bertdistill.errors import DataError

    rows = entries_from_runs([str(runs["kd"]), str(runs["tinybert"])], labels=["KD + aug", "TinyBERT"])["entries"]
    assert [row["label"] for row in rows] == ["KD + aug", "TinyBERT"]
    with pytest.raises(DataError, match="one --label per --run"):
        entries_from_runs([str(runs["kd"])], labels=["a", "b"])


def test_runs_table_regenerates_the_readme_teachers_section(tmp_path):
    """The committed teacher records as run folders: `--table runs --markers teachers` writes the README's
    teachers section as it stands (it was made by the collector this replaced)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    readme = (root / "docs" / "results.md").read_text(encoding="utf-8")
    start, end = "<!-- teachers:start -->\n", "<!-- teachers:end -->"
    committed = readme.split(start, 1)[1].split(end, 1)[0]
    arguments = []
    for record in json.loads((root / "results" / "teachers.json").read_text()):
        arguments += ["--run", str(run_folder(tmp_path, record["task"], record))]
    copy = tmp_path / "README.md"
    copy.write_text(readme, encoding="utf-8")
    assert main(["report", "--table", "runs", *arguments, "--markers", "teachers", "--output", str(copy),
                 "--json", str(tmp_path / "teachers.json")]) == 0
    assert copy.read_text(encoding="utf-8") == readme
    assert committed.startswith("| task | dev metrics |")
    assert json.loads((tmp_path / "teachers.json").read_text()) == json.loads((root / "results" / "teachers.json").read_text())

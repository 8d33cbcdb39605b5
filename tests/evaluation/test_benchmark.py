"""The benchmark on tiny models: output schema, interleaved runs, and the ratio arithmetic."""

import json

import pytest

from bertdistill.cli import main
from bertdistill.evaluation.benchmark import BenchmarkConfig, add_ratios, benchmark, markdown
from tests.conftest import sentiment_rows, write_csv


def test_ratios_are_throughput_over_the_teachers_at_the_same_shape():
    rows = [{"model": "t", "backend": "torch", "seq_length": 32, "batch_size": 1, "throughput": 10.0},
            {"model": "s", "backend": "torch", "seq_length": 32, "batch_size": 1, "throughput": 45.0},
            {"model": "s", "backend": "onnx", "seq_length": 32, "batch_size": 1, "throughput": 90.0},
            {"model": "t", "backend": "torch", "seq_length": 128, "batch_size": 1, "throughput": 2.0},
            {"model": "s", "backend": "torch", "seq_length": 128, "batch_size": 1, "throughput": 5.0}]
    add_ratios(rows, "t")
    assert [row["speedup_vs_teacher"] for row in rows] == [1.0, 4.5, 9.0, 1.0, 2.5]
    add_ratios(rows, None)
    assert all(row["speedup_vs_teacher"] is None for row in rows)


@pytest.fixture(scope="module")
def two_models(tiny_bert, tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    train = write_csv(root / "train.csv", sentiment_rows(40, seed=1))
    common = ["--train-file", str(train), "--dev-file", str(train), "--epochs", "1", "--max-length", "16",
              "--no-progress"]
    assert main(["finetune", "--model", str(tiny_bert), "--output-dir", str(root / "teacher"), *common]) == 0
    assert main(["distill", "kd", "--teacher", str(root / "teacher"), "--output-dir", str(root / "student"),
                 "--no-augment", "--embedding-dim", "8", "--hidden-size", "8", "--cache-dir", str(root / "cache"),
                 *common]) == 0
    return str(root / "teacher"), str(root / "student")


def test_benchmark_schema_on_tiny_models(two_models):
    teacher, student = two_models
    result = benchmark(BenchmarkConfig(models=(student,), teacher=teacher, batch_sizes=(1, 4), seq_lengths=(8,),
                                       backend="all", repeats=2, examples_per_pass=4, bert_base=False,
                                       cpu_memory=False))
    backends = {(m["model"], m["backend"]) for m in result["models"]}
    assert backends == {(name, backend) for name in (teacher, student) for backend in ("torch", "onnx", "onnx-int8")}
    assert len(result["rows"]) == 6 * 2  # six candidates x two batch sizes
    for row in result["rows"]:
        assert row["latency_ms"] > 0 and row["throughput"] > 0
        expected = row["throughput"] / next(r["throughput"] for r in result["rows"] if r["model"] == teacher
                                             and r["backend"] == "torch" and r["batch_size"] == row["batch_size"])
        assert row["speedup_vs_teacher"] == pytest.approx(expected, rel=0.01, abs=0.006)  # stored to 2 decimals
    student_row = next(m for m in result["models"] if m["model"] == student and m["backend"] == "torch")
    assert student_row["parameters"] > student_row["parameters_without_embeddings"] > 0
    assert "| model | backend |" in markdown(result) and result["models"][0]["peak_cpu_memory_mb"] is None


def test_benchmark_command_writes_json_with_the_bert_base_row(two_models, tmp_path):
    teacher, student = two_models
    output = tmp_path / "bench.json"
    assert main(["benchmark", student, "--teacher", teacher, "--batch-sizes", "2", "--seq-lengths", "8",
                 "--repeats", "1", "--json", str(output)]) == 0
    result = json.loads(output.read_text())
    memory = {row["model"]: row["peak_cpu_memory_mb"] for row in result["models"]}
    assert memory["bert-base (random weights)"] > memory[student] > 0  # 110M parameters vs a tiny BiLSTM
    assert {row["model"] for row in result["rows"]} == {teacher, student, "bert-base (random weights)"}
    assert result["command"].startswith("bertdistill benchmark")


def test_export_command_reports_metrics_for_fp32_and_int8(two_models, tmp_path):
    _, student = two_models
    dev = write_csv(tmp_path / "dev.csv", sentiment_rows(20, seed=3))
    output = tmp_path / "student.onnx"
    assert main(["export", "onnx", "--model", student, "--output", str(output), "--quantize", "int8",
                 "--train-file", str(dev), "--dev-file", str(dev)]) == 0
    record = json.loads((tmp_path / "student.onnx.json").read_text())
    assert set(record["metrics"]) == {"pytorch", "onnx", "onnx-int8"}
    assert record["metrics"]["onnx"]["accuracy"] == pytest.approx(record["metrics"]["pytorch"]["accuracy"])
    assert (tmp_path / "student.int8.onnx").is_file()


def test_benchmark_times_general_students_against_the_bare_teacher(tiny_bert, tmp_path):
    """A general student (static or BiLSTM) beside the teacher it came from, not a fine-tuned one."""
    from bertdistill.students import BiLSTMConfig, BiLSTMModel, StaticConfig, StaticModel
    from bertdistill.students.static import save_static
    from bertdistill.teachers.loading import load_tokenizer

    tokenizer = load_tokenizer(str(tiny_bert))
    save_static(StaticModel(StaticConfig(vocab_size=len(tokenizer), hidden_dim=8, projection_dim=4,
                                         token_weights=True, ignored_token_ids=tokenizer.all_special_ids)),
                tokenizer, tmp_path / "static")
    BiLSTMModel(BiLSTMConfig(vocab_size=len(tokenizer), embedding_dim=8, hidden_size=4, num_layers=1,
                             projection_dim=32)).save_pretrained(tmp_path / "bilstm")
    models = (str(tmp_path / "static"), str(tmp_path / "bilstm"))
    result = benchmark(BenchmarkConfig(models=models, teacher=str(tiny_bert), batch_sizes=(2,), seq_lengths=(8,),
                                       repeats=1, examples_per_pass=2, bert_base=False, cpu_memory=False))
    assert {row["model"] for row in result["rows"]} == {str(tiny_bert), *models}
    assert all(row["speedup_vs_teacher"] is not None for row in result["rows"])
    assert main(["benchmark", models[0], "--teacher", str(tiny_bert), "--backend", "onnx", "--batch-sizes", "2",
                 "--seq-lengths", "8"]) == 2

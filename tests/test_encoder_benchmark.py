"""End to end: raw text -> static and BiLSTM general students (SRA) -> reload -> `evaluate-encoder` beside the
teacher, the model2vec baseline, TF-IDF and (on retrieval) BM25; and the command's clear errors."""

import json
import random

from bertdistill.cli import main
from tests.conftest import sentiment_sentence

SHARED = ["--max-length", "16", "--eval-sentences", "40", "--no-progress", "--epochs", "2", "--batch-size", "32"]


def test_general_students_to_encoder_table(tiny_bert, corpus_file, transfer_dir, retrieval_dir, tmp_path, no_hub,
                                           capsys):  # noqa: F811
    static, bilstm = tmp_path / "static", tmp_path / "bilstm"
    assert main(["distill", "sra", "--teacher", str(tiny_bert), "--corpus", str(corpus_file), "--output-dir",
                 str(static), "--student", "static", "--embedding-dim", "16", "--embedding-init", "contextual",
                 "--target-pca", "8", "--loss", "contrastive", *SHARED]) == 0
    assert main(["distill", "sra", "--teacher", str(tiny_bert), "--corpus", str(corpus_file), "--output-dir",
                 str(bilstm), "--embedding-dim", "16", "--hidden-size", "8", "--num-layers", "1",
                 "--embedding-init", "contextual", "--residual-static", "--loss", "cosine", "--token-weight", "0.5",
                 "--similarity-weight", "0.5",
                 *SHARED]) == 0
    assert json.loads((static / "metrics.json").read_text())["student_type"] == "static"
    assert (static / "modules.json").is_file() and (static / "target_pca.safetensors").is_file()
    assert json.loads((bilstm / "metrics.json").read_text())["token_weight"] == 0.5
    assert json.loads((bilstm / "metrics.json").read_text())["similarity_weight"] == 0.5
    assert json.loads((bilstm / "config.json").read_text())["token_projection_dim"] == 32   # the teacher's width

    # the BiLSTM general student still fine-tunes like BERT
    sentiment_train = tmp_path / "train.jsonl"
    rows = [{"text": sentiment_sentence(random.Random(i), i % 2 == 0), "label": "pos" if i % 2 == 0 else "neg"}
            for i in range(64)]
    sentiment_train.write_text("".join(json.dumps(row) + "\n" for row in rows))
    assert main(["finetune", "--model", str(bilstm), "--train-file", str(sentiment_train), "--dev-file",
                 str(sentiment_train), "--text-column", "text", "--label-column", "label", "--output-dir",
                 str(tmp_path / "tuned"), "--epochs", "1", "--max-length", "16", "--no-progress"]) == 0
    assert json.loads((tmp_path / "tuned" / "config.json").read_text())["residual_static"]
    assert main(["export", "onnx", "--model", str(tmp_path / "tuned"), "--output", str(tmp_path / "m.onnx")]) == 0

    result_json, table = tmp_path / "encoders.json", tmp_path / "encoders.md"
    assert main(["evaluate-encoder", "--model", str(static), "--model", str(bilstm), "--teacher", str(tiny_bert),
                 "--transfer-dir", str(transfer_dir), "--retrieval-dir", str(retrieval_dir),
                 "--json", str(result_json), "--markdown", str(table),
                 "--repeats", "1", "--no-progress", "--cache-dir", str(tmp_path / "cache")]) == 0
    result = json.loads(result_json.read_text())
    names = [row["model"] for row in result["results"]]
    assert names == [f"teacher ({tiny_bert})", "model2vec distill (no data)", "static", "bilstm",
                     "TF-IDF 1-2 grams (probes only)", "BM25 (bm25s, retrieval only)",
                     f"teacher ({tiny_bert}), ONNX int8"]
    assert result["retrieval_tasks"] == ["toy"] and "toy" not in result["tasks"]
    for row in result["results"][:4]:
        assert set(row["scores"]) == {"sts12", "sts13", "sts14", "sts15", "sts16", "stsb", "mr", "subj", "toy"}
        assert row["average"] is not None and -100 <= row["average"] <= 100
        assert 0 < row["scores"]["toy"]["ndcg@10"] <= 1 and row["scores"]["toy"]["recall@100"] == 1.0  # 6 documents
        assert row["retrieval_average"] == row["scores"]["toy"]["score"]
    assert set(result["results"][4]["scores"]) == {"mr", "subj"}
    bm25 = result["results"][5]
    assert set(bm25["scores"]) == {"toy"} and bm25["average"] is None and bm25["retrieval_average"] > 80
    names.remove(bm25["model"])
    teacher_rows = [row for row in result["speed"] if row["model"] == names[0]]
    assert teacher_rows and all(row["speedup_vs_teacher"] == 1.0 for row in teacher_rows)
    served = [row for row in result["speed"] if row["model"] == names[5]]   # the int8 ONNX teacher: timed only
    assert len(served) == len(teacher_rows) and all(row["speedup_vs_teacher"] > 0 for row in served)
    assert result["results"][-1]["scores"] == {} and result["results"][-1]["kind"] == "onnx-int8"
    transfer = [entry for entry in result["entries"] if entry["task"] == "transfer"]
    assert {entry["label"] for entry in transfer} == set(names[1:4])   # the teacher is their reference
    retrieval = [entry for entry in result["entries"] if entry["task"] == "retrieval"]
    assert {entry["label"] for entry in retrieval} == {*names[1:4], bm25["model"]}
    assert "| static |" in table.read_text() and "toy nDCG@10 | retrieval % of teacher" in table.read_text()


def test_evaluate_encoder_errors_name_the_problem(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("BERTDISTILL_TRANSFER_DIR", raising=False)
    assert main(["evaluate-encoder", "--baseline", "tfidf"]) == 2
    assert "--transfer-dir" in capsys.readouterr().err
    assert main(["evaluate-encoder", "--transfer-dir", str(tmp_path), "--tasks", "sts99"]) == 2
    assert "unknown task" in capsys.readouterr().err
    assert main(["evaluate-encoder", "--transfer-dir", str(tmp_path), "--baseline", "tfidf", "--tasks", "mr"]) == 2
    assert "rt-polarity.neg: transfer-task file not found" in capsys.readouterr().err
    assert main(["evaluate-encoder", "--transfer-dir", str(tmp_path), "--json", str(tmp_path / "no" / "x.json")]) == 2
    assert "does not exist" in capsys.readouterr().err
    monkeypatch.delenv("BERTDISTILL_RETRIEVAL_DIR", raising=False)
    assert main(["evaluate-encoder", "--tasks", "retrieval", "--baseline", "bm25"]) == 2
    assert "--tasks names retrieval but there is no retrieval data" in capsys.readouterr().err
    assert main(["evaluate-encoder", "--tasks", "retrieval", "--retrieval-dir", str(tmp_path)]) == 2
    assert "no BEIR-format set in it" in capsys.readouterr().err


def test_token_targets_need_a_bilstm(tiny_bert, corpus_file, tmp_path, no_hub, capsys):  # noqa: F811
    assert main(["distill", "sra", "--teacher", str(tiny_bert), "--corpus", str(corpus_file), "--output-dir",
                 str(tmp_path / "out"), "--student", "static", "--token-weight", "1", *SHARED]) == 2
    assert "token-level targets need a BiLSTM" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_token_targets_need_a_token_projection_to_continue(tiny_bert, corpus_file, tmp_path, no_hub, capsys):  # noqa: F811
    assert main(["init-student", "--teacher", str(tiny_bert), "--output-dir", str(tmp_path / "plain"),
                 "--embedding-dim", "16", "--hidden-size", "8", "--num-layers", "1"]) == 0
    assert main(["distill", "sra", "--teacher", str(tiny_bert), "--corpus", str(corpus_file), "--output-dir",
                 str(tmp_path / "out"), "--init-student", str(tmp_path / "plain"), "--token-weight", "1",
                 *SHARED]) == 2
    assert "has no token projection" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()

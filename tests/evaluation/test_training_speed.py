"""`benchmark-training` end to end on a tiny teacher: every part measured, in one table and one JSON."""

import json
import math
from pathlib import Path

from bertdistill.cli import main
from bertdistill.evaluation.training_speed import NullStudent, steps_per_second


def test_steps_per_second_skips_the_warmup():
    assert steps_per_second([0.0, 5.0, 6.0, 6.5, 7.0], warmup=1) == 3 / 2   # 3 steps in 2 s after the first
    assert math.isnan(steps_per_second([0.0, 1.0], warmup=1))


def test_the_null_student_is_a_masked_mean_and_one_layer():
    import torch

    student = NullStudent(vocab_size=10, target_width=4)
    ids = torch.tensor([[1, 2, 0], [3, 0, 0]])
    mask = torch.tensor([[1, 1, 0], [1, 0, 0]])
    out = student(ids, mask)
    assert out.sentence_embedding.shape == (2, 4)
    torch.testing.assert_close(out.pooler_output[1], student.embeddings.weight[3])   # padding ignored


def test_benchmark_training_reports_every_part(tiny_bert, corpus_file, tmp_path, no_hub, capsys):
    output = tmp_path / "speed.json"
    assert main(["benchmark-training", "--teacher", str(tiny_bert), "--corpus", str(corpus_file), "--max-length", "16",
                 "--batch-size", "16", "--span-crops", "0", "--embedding-dim", "16", "--hidden-size", "8",
                 "--steps", "6", "--warmup", "2", "--teacher-sentences", "64", "--json", str(output)]) == 0
    result = json.loads(output.read_text())
    rates = [result["input_path"]["rows_per_second"], result["input_path"]["batches_per_second"],
             result["null_student"]["steps_per_second"], result["student"]["rows_per_second"],
             result["teacher"]["runtimes"]["torch"], result["teacher"]["runtimes"]["onnxruntime"],
             result["teacher"]["sentence_transformers"]]
    assert all(math.isfinite(rate) and rate > 0 for rate in rates)
    assert result["null_student"]["rows_per_second"] == result["null_student"]["steps_per_second"] * 16
    assert result["student"]["type"] == "bilstm" and result["teacher"]["sentences"] == 64
    assert result["teacher"]["check"]["used"] == "onnxruntime" and result["teacher"]["check"]["lowest_cosine"] > 0.9999
    table = capsys.readouterr().out
    assert "| input path alone" in table and "x of the null student" in table and "x of sentence-transformers" in table
    assert "the cache's way (onnxruntime)" in table and "x of torch" in table
    assert not Path("(not written)").exists()   # the run folder a benchmark never makes


def test_batches_prepared_in_worker_processes_train_the_same(tiny_bert, corpus_file, tmp_path, no_hub):
    """--dataloader-workers 1: the input path runs in a worker process (the vector file reopened there)."""
    from bertdistill.methods.sra import SRAConfig, distill_sra

    def run(workers: int) -> dict:
        config = SRAConfig.from_dict({"teacher": str(tiny_bert), "output_dir": str(tmp_path / f"w{workers}"),
                                      "corpus": {"paths": [str(corpus_file)]}, "max_length": 16, "eval_sentences": 20,
                                      "span_crops": {"per_sentence": 0}, "vectors_in_memory": 0.0,
                                      "student": {"embedding_dim": 16, "hidden_size": 8},
                                      "training": {"epochs": 1, "batch_size": 32, "dataloader_workers": workers,
                                                   "progress_bar": False}})
        return distill_sra(config)

    assert run(1)["held_out_cosine"] == run(0)["held_out_cosine"]

"""The main job's closing table: dev metric, size and CPU speed of the student beside its teacher.

    python scripts/main_job_report.py runs/main-job

Reads OUTPUT/{teacher-sst2,student-sst2,scratch-sst2,general-bilstm}/metrics.json, measures the
fine-tuned models side by side on SST-2 dev sentences (batch 32, interleaved repeats), prints a markdown table
and writes OUTPUT/report.md and OUTPUT/report.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import torch

from bertdistill.evaluation.speed import compare_throughput, count_parameters, make_batches
from bertdistill.teachers.loading import load_fine_tuned, load_tokenizer


def dev_sentences(run_dir: Path, limit: int) -> list[str]:
    with (run_dir / "predictions_dev.tsv").open(encoding="utf-8") as stream:
        rows = csv.DictReader(stream, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [row["text"] for _, row in zip(range(limit), rows)]


METHODS = {"SRA general student, fine-tuned": ("sra-finetune", "SRA student, fine-tuned (SST-2 8k)"),
           "same BiLSTM from scratch (no distillation)": ("sra-shape-scratch", "same BiLSTM from scratch (SST-2 8k)")}


def report_entries(rows: list[dict]) -> list[dict]:
    """Rows for `bertdistill report`: each student against the teacher of this run."""
    teacher = rows[0]
    return [{"method": METHODS[row["model"]][0], "label": METHODS[row["model"]][1], "task": "sst2",
             "metric": "accuracy", "score": row["sst2_dev_accuracy"], "teacher_score": teacher["sst2_dev_accuracy"],
             "parameters": row["parameters"], "speedup_vs_teacher": round(row["speedup"], 2)}
            for row in rows[1:] if row["model"] in METHODS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", type=Path)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--sentences", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    runs = {"teacher (all-MiniLM-L6-v2, fine-tuned)": args.output / "teacher-sst2",
            "SRA general student, fine-tuned": args.output / "student-sst2",
            "same BiLSTM from scratch (no distillation)": args.output / "scratch-sst2"}
    metrics = {name: json.loads((path / "metrics.json").read_text()) for name, path in runs.items()}
    models = {name: load_fine_tuned(str(path))[0] for name, path in runs.items()}
    teacher_name = next(iter(runs))
    tokenizer = load_tokenizer(str(runs[teacher_name]))
    texts = dev_sentences(runs[teacher_name], args.sentences)
    batches = make_batches(tokenizer, texts, args.batch_size, metrics[teacher_name]["max_length"])
    speed = compare_throughput(models, batches, repeats=args.repeats)
    general = json.loads((args.output / "general-bilstm" / "metrics.json").read_text())

    rows = []
    for name in runs:
        sizes = count_parameters(models[name])
        rows.append({"model": name, "sst2_dev_accuracy": metrics[name]["primary"], **sizes,
                     "sentences_per_second": speed[name], "speedup": speed[name] / speed[teacher_name],
                     "train_examples": metrics[name]["train_examples"]})
    lines = ["| model | SST-2 dev acc. | % of teacher | parameters | without embeddings | CPU sentences/s "
             f"(batch {args.batch_size}) | speed-up |", "|---|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['model']} | {100 * row['sst2_dev_accuracy']:.1f} | "
                     f"{100 * row['sst2_dev_accuracy'] / rows[0]['sst2_dev_accuracy']:.1f} | "
                     f"{row['parameters'] / 1e6:.1f}M | {row['parameters_without_embeddings'] / 1e6:.2f}M | "
                     f"{row['sentences_per_second']:.0f} | {row['speedup']:.1f}x |")
    sts = general.get("stsb_zero_shot", {})
    notes = [f"General student: {general['train_sentences']:,} sentences, held-out cosine to the teacher "
             f"{general['held_out_cosine']:.3f}."]
    if "spearman_student" in sts:
        notes.append(f"Zero-shot STS-B dev Spearman: student {sts['spearman_student']:.3f}, "
                     f"teacher {sts['spearman_teacher']:.3f}.")
    notes.append(f"Speed: {len(texts)} SST-2 dev sentences, {torch.get_num_threads()} CPU threads, median of "
                 f"{args.repeats} interleaved repeats; compare ratios, not absolute numbers, across machines.")
    table = "\n".join(lines) + "\n\n" + "\n".join(notes) + "\n"
    (args.output / "report.md").write_text(table)
    (args.output / "report.json").write_text(json.dumps({"entries": report_entries(rows), "rows": rows, "general_student": {
        key: general[key] for key in ("train_sentences", "held_out_cosine", "stsb_zero_shot")}}, indent=2))
    sys.stdout.write(table)


if __name__ == "__main__":
    main()

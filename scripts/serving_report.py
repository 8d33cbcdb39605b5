"""Serving table for SST-2: dev accuracy of each student in PyTorch, ONNX fp32 and ONNX int8 (from the
`export onnx` records) beside its CPU throughput relative to the teacher's PyTorch throughput (from
`bertdistill benchmark`), and the issue's acceptance check for the int8 BiLSTM.

    python scripts/serving_report.py results/benchmark_sst2.json runs/exported --markdown results/serving.md \\
        --json results/serving.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

LABELS = {"kd-aug": "Tang BiLSTM, KD + augmentation", "sra-kd-aug": "SRA student + KD + augmentation"}
BACKEND_METRIC = {"torch": "pytorch", "onnx": "onnx", "onnx-int8": "onnx-int8"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("benchmark", type=Path)
    parser.add_argument("exported", type=Path)
    parser.add_argument("--markdown", type=Path, required=True)
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args()
    bench = json.loads(args.benchmark.read_text())
    teacher = bench["teacher"]
    teacher_accuracy = json.loads((Path(teacher) / "metrics.json").read_text())["primary"]
    exports = {variant: json.loads((args.exported / f"sst2-{variant}.onnx.json").read_text()) for variant in LABELS}
    memory = {(m["model"], m["backend"]): m for m in bench["models"]}
    lines = ["| model | backend | dev accuracy | size (MB) | peak CPU memory (MB) | "
             + " | ".join(f"x teacher, len {length} batch {batch}" for length in bench["config"]["seq_lengths"]
                          for batch in bench["config"]["batch_sizes"]) + " |",
             "|---" * (5 + len(bench["config"]["seq_lengths"]) * len(bench["config"]["batch_sizes"])) + "|"]
    entries, checks = [], {}
    for model, backend in memory:
        variant = next((v for v in LABELS if model.endswith(f"sst2/{v}")), None)
        if model == teacher:
            accuracy, label = teacher_accuracy if backend == "torch" else None, "teacher (all-MiniLM-L6-v2)"
        elif variant is None:
            accuracy, label = None, model
        else:
            accuracy, label = exports[variant]["metrics"][BACKEND_METRIC[backend]]["accuracy"], LABELS[variant]
        ratios = {(row["seq_length"], row["batch_size"]): row["speedup_vs_teacher"] for row in bench["rows"]
                  if row["model"] == model and row["backend"] == backend}
        cells = [f"{ratios[key]:.1f}x" if ratios.get(key) else "–" for key in sorted(ratios)]
        size = memory[(model, backend)]["size_mb"]
        peak = memory[(model, backend)].get("peak_cpu_memory_mb")
        lines.append(f"| {label} | {backend} | {'–' if accuracy is None else f'{100 * accuracy:.2f}'} | "
                     f"{size or '–'} | {peak if peak is not None else '–'} | " + " | ".join(cells) + " |")
        if variant is not None and backend != "torch":
            entries.append({"method": f"{variant}-{backend}", "label": f"{LABELS[variant]} ({backend})", "task": "sst2",
                            "metric": "accuracy", "score": accuracy, "teacher_score": teacher_accuracy,
                            "parameters": memory[(model, backend)]["parameters"],
                            "speedup_vs_teacher": ratios.get((32, 32))})
        if variant == "kd-aug" and backend == "onnx-int8":
            fp32 = exports[variant]["metrics"]["pytorch"]["accuracy"]
            checks = {"int8_bilstm_speedup_batch32": {f"len {length}": ratios.get((length, 32))
                                                       for length in bench["config"]["seq_lengths"]},
                      "int8_bilstm_accuracy": accuracy, "pytorch_bilstm_accuracy": fp32,
                      "accuracy_drop_points": round(100 * (fp32 - accuracy), 2)}
    text = "\n".join(lines) + "\n\n```json\n" + json.dumps(checks, indent=2) + "\n```\n"
    print(text)
    args.markdown.write_text(text, encoding="utf-8")
    args.json.write_text(json.dumps({"entries": entries, "acceptance": checks, "benchmark": str(args.benchmark),
                                     "exports": exports}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""Peak memory of `bertdistill distill sra` as the corpus grows (issue 16: streaming corpora).

Runs `distill sra` (static student, target PCA, one epoch) on the first N sentences of a corpus for each N
and records, per run, the peak resident set (the kernel's `ru_maxrss` of the child process) and the peak of its
anonymous memory (`RssAnon` in /proc, sampled every 50 ms: what the process itself allocated, without the
pages of memory-mapped files, which the kernel can drop at any time).

The teacher is the real tokenizer with a one-layer, 384-wide BERT of random weights, built here: the pipeline
(corpus, tokenisation, teacher-vector cache, PCA, training data) is what grows with the corpus, and a real
teacher would add the same constant at every size while taking an hour of CPU per 400k sentences.

    python research/experiments/sra_memory.py --corpus ../shared/data/corpus/wikipedia_en_slice.txt \
        --sentences 50000 400000 --json results/sra_memory.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


def small_teacher(folder: Path) -> Path:
    """The default teacher's tokenizer over a random one-layer BERT of the same width (384)."""
    from transformers import BertConfig, BertModel, set_seed

    from bertdistill.teachers.loading import load_tokenizer

    if (folder / "model.safetensors").is_file():
        return folder
    set_seed(0)
    tokenizer = load_tokenizer("minilm")
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=384, num_hidden_layers=1, num_attention_heads=6,
                        intermediate_size=384, max_position_embeddings=512)
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def anonymous_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def measured_run(command: list[str], log: Path, environment: dict[str, str]) -> dict:
    """Run `command`; its peak RSS (ru_maxrss) and sampled peak anonymous RSS, in MiB, and its wall time."""
    start = time.perf_counter()
    with open(log, "w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=environment)
        peak_anonymous = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak_anonymous
            while not stop.is_set():
                peak_anonymous = max(peak_anonymous, anonymous_kib(process.pid))
                stop.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        stop.set()
        sampler.join()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed; see {log}")
    return {"peak_rss_mib": round(usage.ru_maxrss / 1024, 1), "peak_anonymous_mib": round(peak_anonymous / 1024, 1),
            "seconds": round(time.perf_counter() - start, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--sentences", type=int, nargs="+", default=[50_000, 400_000])
    parser.add_argument("--work", help="folder for the teacher, caches and students (default: a temporary one)")
    parser.add_argument("--json")
    args = parser.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="sra-memory-"))
    work.mkdir(parents=True, exist_ok=True)
    teacher = small_teacher(work / "teacher")
    # offline: the zero-shot STS-B check after training is skipped the same way in every run (no hub retries)
    environment = {**os.environ, "BERTDISTILL_CACHE": str(work / "cache"), "HF_HUB_OFFLINE": "1",
                   "HF_DATASETS_OFFLINE": "1"}
    results = []
    for count in args.sentences:
        output = work / f"student-{count}"
        command = [sys.executable, "-m", "bertdistill.cli", "distill", "sra", "--teacher", str(teacher),
                   "--corpus", args.corpus, "--max-sentences", str(count), "--student", "static",
                   "--embedding-dim", "256", "--embedding-init", "random", "--target-pca", "256", "--loss", "cosine",
                   "--span-crops", "0", "--epochs", "1", "--batch-size", "256", "--max-length", "64", "--no-progress",
                   "--output-dir", str(output)]
        # the first run at a size builds its teacher vectors; the second reuses them (the training run)
        for phase in ("cache build + training", "cached: training"):
            shutil.rmtree(output, ignore_errors=True)
            row = {"sentences": count, "run": phase, **measured_run(command, work / f"log-{count}.txt", environment)}
            print(row, flush=True)
            results.append(row)
    print("| sentences | run | peak RSS (MiB) | peak anonymous RSS (MiB) | wall (s) |\n|---|---|---|---|---|")
    for row in results:
        print(f"| {row['sentences']:,} | {row['run']} | {row['peak_rss_mib']} | {row['peak_anonymous_mib']} | "
              f"{row['seconds']} |")
    if args.json:
        sizes = " ".join(map(str, args.sentences))
        command = f"python research/experiments/sra_memory.py --corpus {args.corpus} --sentences {sizes} --json {args.json}"
        Path(args.json).write_text(json.dumps({"results": results, "command": command}, indent=2) + "\n")


if __name__ == "__main__":
    main()

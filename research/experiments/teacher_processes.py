"""The SRA teacher cache built by one process and by several sharing it (torchrun), timed on a fresh cache each.

    python research/experiments/teacher_processes.py --corpus ../shared/data/corpus/wikipedia_en_slice.txt \
        --sentences 8192 --processes 1 2 --runtime torch onnxruntime --json results/teacher_processes.json

Each measurement builds the teacher vectors of the same sentences into a new, empty cache folder: one process
with all of the machine's threads, or N processes under `torchrun` with threads split between them (each
encodes its own share of the length-sorted batches straight into the one file). The time is the wall time of
the cache build alone (the corpus and its token ids are prepared first, and ONNX Runtime's export of the
teacher made, untimed). The caches of every setting
must hold the same vectors; the script checks it (largest difference of any fp16 value).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bertdistill.data.corpus import CorpusConfig
from bertdistill.data.store import Store
from bertdistill.data.vector_file import VectorFile
from bertdistill.io import atomic_write_json


def build(corpus: str, sentences: int, runtime: str, cache: Path, result: Path) -> None:
    """One process's part (the whole of it without a launcher): prepare the inputs, then time the cache."""
    import torch

    from bertdistill.data.span_crops import SpanCropConfig
    from bertdistill.data.token_table import TokenTable
    from bertdistill.methods.sra import SRAConfig
    from bertdistill.methods.sra.targets import targets_of, training_inputs
    from bertdistill.teachers.loading import load_tokenizer
    from bertdistill.teachers.sentence_vector import SentenceVectorTeacher
    from bertdistill.training.run import this_shard

    config = SRAConfig(corpus=CorpusConfig(paths=(corpus,), max_sentences=sentences), output_dir="(not written)",
                       span_crops=SpanCropConfig(per_sentence=0), teacher_runtime=runtime)
    tokenizer = load_tokenizer(config.teacher)
    inputs = training_inputs(config, tokenizer, cache)
    warm = SentenceVectorTeacher(config.teacher, config.representation, runtime=runtime, store=Store(cache))
    warm.encode_batch(*TokenTable.of(inputs.token_ids.select(range(8))).padded(np.arange(8), 0))   # exports once
    if torch.distributed.is_available() and "WORLD_SIZE" in os.environ:
        torch.distributed.init_process_group("gloo")
        torch.distributed.barrier()
    start = time.perf_counter()
    targets_of(config, inputs, tokenizer, cache, this_shard())
    seconds = time.perf_counter() - start
    if os.environ.get("RANK", "0") == "0":
        result.write_text(json.dumps({"seconds": seconds, "sentences": len(inputs.token_ids),
                                      "threads": torch.get_num_threads()}))


def measure(corpus: str, sentences: int, runtime: str, processes: int) -> tuple[dict, np.ndarray]:
    with tempfile.TemporaryDirectory() as folder:
        cache, result = Path(folder) / "cache", Path(folder) / "result.json"
        threads = max(1, (os.cpu_count() or 1) // processes)
        command = [sys.executable, __file__, "--build", "--corpus", corpus, "--sentences", str(sentences),
                   "--runtime", runtime, "--cache", str(cache), "--result", str(result)]
        if processes > 1:
            command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(processes), *command[1:]]
        subprocess.run(command, check=True, env={**os.environ, "OMP_NUM_THREADS": str(threads)})
        record = {**json.loads(result.read_text()), "processes": processes, "runtime": runtime}
        [entry] = [entry for entry in Store(cache).entries() if entry.kind == "teacher-vectors"]
        vectors = np.asarray(VectorFile(entry.path / "vectors.npy")[:], dtype=np.float32)
    record["sentences_per_second"] = round(record["sentences"] / record["seconds"], 1)
    return record, vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--sentences", type=int, default=8192)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--runtime", nargs="+", default=["torch", "onnxruntime"])
    parser.add_argument("--json")
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build(args.corpus, args.sentences, args.runtime[0], Path(args.cache), Path(args.result))
        return
    records, first = [], None
    for runtime in args.runtime:
        for processes in args.processes:
            record, vectors = measure(args.corpus, args.sentences, runtime, processes)
            first = vectors if first is None else first
            record["largest_difference_to_the_first"] = float(np.abs(vectors - first).max())
            records.append(record)
            print(json.dumps(record))
    if args.json:
        atomic_write_json(args.json, {"command": "python research/experiments/teacher_processes.py " + " ".join(
            sys.argv[1:]), "cpus": os.cpu_count(), "results": records})


if __name__ == "__main__":
    main()

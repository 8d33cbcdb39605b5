"""Write cost of the teacher-logit cache as it grows: bytes written and seconds per added row at 10k and 100k
rows (chunks of 8,192 rows, 2 outputs). An append-only cache writes each row once (linear total cost); the
earlier layout rewrote both arrays on every chunk (quadratic), shown beside it as the bytes it would write.

    python research/experiments/logit_cache_cost.py --rows 10000 100000 --json results/logit_cache_cost.json
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from bertdistill.data.logit_cache import CHUNK, LogitCache, example_key


def measure(rows: int, outputs: int = 2) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        cache = LogitCache(folder, outputs)
        written, rewrite_layout, start = 0, 0, time.perf_counter()
        for first in range(0, rows, CHUNK):
            keys = [example_key(f"example {index}") for index in range(first, min(rows, first + CHUNK))]
            before = {path: path.stat().st_size for path in Path(folder).iterdir() if path.is_file()}
            cache.add(keys, np.zeros((len(keys), outputs), dtype=np.float32))
            after = {path: path.stat().st_size for path in Path(folder).iterdir() if path.is_file()}
            written += sum(size for path, size in after.items() if before.get(path) != size)
            rewrite_layout += (first + len(keys)) * (16 + 4 * outputs)   # keys.npy + logits.npy, rewritten whole
        seconds = time.perf_counter() - start
    return {"rows": rows, "bytes_written": written, "bytes_per_row": round(written / rows, 1),
            "seconds": round(seconds, 3), "microseconds_per_row": round(1e6 * seconds / rows, 2),
            "earlier_layout_bytes": rewrite_layout}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--json")
    args = parser.parse_args()
    results = [measure(rows) for rows in args.rows]
    print("| rows | bytes written | bytes/row | s | us/row | earlier layout would write |\n|---|---|---|---|---|---|")
    for row in results:
        print(f"| {row['rows']:,} | {row['bytes_written']:,} | {row['bytes_per_row']} | {row['seconds']} | "
              f"{row['microseconds_per_row']} | {row['earlier_layout_bytes']:,} |")
    if args.json:
        rows = " ".join(map(str, args.rows))
        command = f"python research/experiments/logit_cache_cost.py --rows {rows} --json {args.json}"
        Path(args.json).write_text(json.dumps({"results": results, "command": command}, indent=2) + "\n")


if __name__ == "__main__":
    main()

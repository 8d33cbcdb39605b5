"""Sentence splitters on the Wikipedia slice: bertdistill's regex, blingfire and pysbd, side by side.

    python research/experiments/sentence_splitters.py ../shared/data/corpus/wikipedia_en_slice.txt --lines 20000 \
        --json results/sentence_splitters.json --markdown results/sentence_splitters.md

Each splitter runs over the same first N non-empty lines, interleaved in rounds (so machine noise hits all
alike); reported: lines/s, sentences found, and how often two splitters agree on a line's split.
Needs `pip install blingfire pysbd` (not dependencies of bertdistill).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def splitters() -> dict:
    import blingfire
    import pysbd

    from bertdistill.data.corpus import split_sentences

    segmenter = pysbd.Segmenter(language="en", clean=False)
    return {
        "regex (bertdistill)": split_sentences,
        "blingfire": lambda text: [piece.strip() for piece in blingfire.text_to_sentences(text).split("\n")
                                   if piece.strip()],
        "pysbd": lambda text: [piece.strip() for piece in segmenter.segment(text) if piece.strip()],
    }


def measure(lines: list[str], rounds: int) -> dict:
    functions = splitters()
    seconds = dict.fromkeys(functions, 0.0)
    outputs = {}
    chunk = -(-len(lines) // rounds)
    for start in range(0, len(lines), chunk):
        for name, function in functions.items():
            began = time.perf_counter()
            split = [function(line) for line in lines[start : start + chunk]]
            seconds[name] += time.perf_counter() - began
            outputs.setdefault(name, []).extend(split)
    regex = outputs["regex (bertdistill)"]
    return {name: {"lines_per_second": round(len(lines) / seconds[name]),
                   "seconds": round(seconds[name], 2),
                   "sentences": sum(len(split) for split in outputs[name]),
                   "same_split_as_regex": round(sum(a == b for a, b in zip(outputs[name], regex)) / len(lines), 4)}
            for name in functions}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus")
    parser.add_argument("--lines", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json")
    parser.add_argument("--markdown")
    args = parser.parse_args()
    with open(args.corpus, encoding="utf-8", errors="replace") as stream:
        lines = [line.strip() for line in stream if line.strip()][: args.lines]
    result = {"corpus": args.corpus, "lines": len(lines), "splitters": measure(lines, args.rounds)}
    regex_speed = result["splitters"]["regex (bertdistill)"]["lines_per_second"]
    rows = ["| splitter | lines/s | speed vs regex | sentences | same split as regex |", "|---|---|---|---|---|"]
    rows += [f"| {name} | {row['lines_per_second']} | {row['lines_per_second'] / regex_speed:.2f}x | "
             f"{row['sentences']} | {row['same_split_as_regex']:.1%} |" for name, row in result["splitters"].items()]
    table = "\n".join(rows)
    print(table)
    command = (f"python research/experiments/sentence_splitters.py {args.corpus} --lines {args.lines} --rounds {args.rounds}"
               + (f" --json {args.json}" if args.json else "")
               + (f" --markdown {args.markdown}" if args.markdown else ""))
    if args.json:
        Path(args.json).write_text(json.dumps({**result, "command": command}, indent=2) + "\n", encoding="utf-8")
    if args.markdown:
        Path(args.markdown).write_text(f"# Sentence splitters on the Wikipedia slice\n\n{len(lines)} lines, 2 CPU "
                                       f"cores, interleaved in {args.rounds} rounds.\n\n```\n{command}\n```\n\n"
                                       f"{table}\n", encoding="utf-8")


if __name__ == "__main__":
    main()

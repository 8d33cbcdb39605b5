"""Where a general SRA student stops agreeing with its teacher: mean student-teacher cosine per text domain.

The student is trained to reproduce the teacher's (PCA'd) sentence vector on Wikipedia sentences; its held-out
agreement there is high (0.89 at 200k), but the transfer average stops rising from 100k sentences on. This
measures the agreement, in the student's own target space, on Wikipedia sentences it never saw (the corpus rows
after its training selection) and on the sentences of every transfer subset (STS subsets by source, MR, SUBJ);
for each STS subset also how well the student ranks its pairs as the teacher does (Spearman of the student's pair
cosines against the teacher's); each next to the subset's score gap to the teacher from a committed
`evaluate-encoder` file.

    python research/experiments/sra_domain_gap.py --print results/sra_runs/domain_gap.json   # the table again
    python research/experiments/sra_domain_gap.py --model runs/scale/static-200k --model runs/scale/bilstm-200k \
        --corpus ../shared/data/corpus/wikipedia_en_slice.txt --skip-sentences 200000 \
        --transfer-dir ../shared/data/transfer --json results/sra_runs/domain_gap.json
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import datasets
import numpy as np
from scipy.stats import spearmanr

from bertdistill.data.cache import default_cache_root
from bertdistill.data.corpus import CorpusConfig, prepare_corpus
from bertdistill.data.target_pca import TARGET_PCA_FILE, load_target_pca
from bertdistill.encoding import SentenceEncoder
from bertdistill.evaluation.transfer import PairSet, cosine_spearman, load_task

TASKS = ("sts12", "sts13", "sts14", "sts15", "sts16", "stsb", "mr", "subj")


def domain_sentences(tasks: dict, per_domain: int, seed: int) -> dict[str, list[str]]:
    """`task/subset` -> up to `per_domain` distinct sentences of it, sampled with a fixed seed."""
    domains = {}
    for task, data in tasks.items():
        groups = ([(f"{task}/{subset.name}", subset.first + subset.second) for subset in data]
                  if isinstance(data, list) else [(task, data.texts)])
        for name, texts in groups:
            distinct = sorted({text.strip() for text in texts if text.strip()})
            domains[name] = random.Random(seed).sample(distinct, min(per_domain, len(distinct)))
    return domains


def sts_subsets(tasks: dict) -> dict[str, PairSet]:
    """`task/subset` -> every scored pair of that STS subset."""
    return {f"{task}/{subset.name}": subset for task, data in tasks.items() if isinstance(data, list)
            for subset in data}


def unseen_corpus_sentences(corpus: str, skip: int, count: int, seed: int) -> list[str]:
    """Sentences of the SRA corpus after its first `skip` shuffled rows: the ones a run on `skip` never saw
    (the same cleaning, deduplication and shuffle as `distill sra`, whose selection is the first rows)."""
    sentences, stats = prepare_corpus(CorpusConfig(paths=(corpus,), seed=seed), default_cache_root())
    if stats["usable_sentences"] < skip + count:
        sys.exit(f"the corpus has {stats['usable_sentences']} usable sentences; need {skip} + {count}")
    return sentences.select(range(skip, skip + count))["text"]


def subset_spearman_gaps(path: Path, teacher: str, student: str) -> dict[str, float]:
    """`task/subset` (or probe task) -> teacher score minus student score, from an evaluate-encoder JSON."""
    rows = {row["model"]: row["scores"] for row in json.loads(path.read_text())["results"]}
    gaps = {}
    for task, score in rows[teacher].items():
        theirs = rows[student][task]
        for subset, value in score.get("subsets", {}).items():
            gaps[f"{task}/{subset}"] = value - theirs["subsets"][subset]
        if "subsets" not in score:
            gaps[task] = score["score"] - theirs["score"]
    return gaps


def row_cosines(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """(N, d) x (N, d) -> (N,): cos(first_i, second_i)."""
    norms = np.linalg.norm(first, axis=1) * np.linalg.norm(second, axis=1)      # (N,)
    return (first * second).sum(axis=1) / np.maximum(norms, 1e-12)


def mean_cosine(student: np.ndarray, teacher: np.ndarray) -> float:
    """Mean over rows of cos(student_i, teacher_i): (N, d) x (N, d) -> scalar."""
    return float(row_cosines(student, teacher).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--print", type=Path, help="print the table of a result file written before, and stop")
    parser.add_argument("--model", action="append", help="general student folder with target PCA (repeatable)")
    parser.add_argument("--teacher", default="minilm")
    parser.add_argument("--corpus")
    parser.add_argument("--skip-sentences", type=int, help="the students' --max-sentences")
    parser.add_argument("--corpus-seed", type=int, default=42, help="the students' corpus seed")
    parser.add_argument("--transfer-dir")
    parser.add_argument("--per-domain", type=int, default=500)
    parser.add_argument("--max-length", type=int, default=128, help="the encoder benchmark's")
    parser.add_argument("--scores", action="append", default=[],
                        help="MODEL=evaluate-encoder JSON holding the teacher and that student (for the Spearman gap)")
    parser.add_argument("--json")
    args = parser.parse_args()
    if args.print:
        print(domain_markdown(json.loads(args.print.read_text())))
        return
    check_inputs(args, parser)
    datasets.disable_progress_bars()

    domains = {"wikipedia (unseen corpus rows)": unseen_corpus_sentences(
        args.corpus, args.skip_sentences, args.per_domain, args.corpus_seed)}
    tasks = {task: load_task(task, Path(args.transfer_dir)) for task in TASKS}
    domains.update(domain_sentences(tasks, args.per_domain, seed=0))
    teacher = SentenceEncoder(args.teacher, representation="mean", max_length=args.max_length)
    teacher_vectors = {name: teacher.encode(texts, normalize_embeddings=False) for name, texts in domains.items()}
    subsets = sts_subsets(tasks)
    teacher_pairs = {name: row_cosines(teacher.encode(subset.first), teacher.encode(subset.second))   # (N,) each
                     for name, subset in subsets.items()}
    result = {"command": "python " + " ".join(sys.argv), "per_domain": args.per_domain, "models": {}}
    for folder in args.model:
        pca = load_target_pca(folder)
        student = SentenceEncoder(folder, representation="mean", max_length=args.max_length)
        result["models"][folder] = {"domains": {
            name: {"sentences": len(texts), "median_words": float(np.median([len(text.split()) for text in texts])),
                   "cosine_to_teacher": mean_cosine(student.encode(texts, normalize_embeddings=False),
                                                    pca.transform(teacher_vectors[name]))}
            for name, texts in domains.items()}}
        for name, subset in subsets.items():   # does the student rank the pairs as the teacher does?
            agreement = cosine_spearman(student.encode(subset.first), student.encode(subset.second),
                                        teacher_pairs[name])
            result["models"][folder]["domains"][name]["pair_similarity_spearman"] = agreement
    for pair in args.scores:
        folder, path = pair.split("=", 1)
        model = json.loads(Path(path).read_text())["results"]
        name = next(row["model"] for row in model if row.get("path") == folder)
        gaps = subset_spearman_gaps(Path(path), "teacher (minilm)", name)
        for domain, row in result["models"][folder]["domains"].items():
            row["teacher_minus_student"] = gaps.get(domain)
    for model in result["models"].values():
        model["summary"] = summary(model["domains"])
    Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    print(domain_markdown(result))


def check_inputs(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Every flag and file checked before any model runs (a clear error, exit 2)."""
    missing = [flag for flag in ("model", "corpus", "skip_sentences", "transfer_dir", "json")
               if getattr(args, flag) is None]
    if missing:
        parser.error("required: " + ", ".join("--" + flag.replace("_", "-") for flag in missing))
    for folder in args.model:
        if not (Path(folder) / TARGET_PCA_FILE).is_file():
            parser.error(f"--model {folder}: no {TARGET_PCA_FILE} (a general student trained with --target-pca)")
    for pair in args.scores:
        folder, _, path = pair.partition("=")
        if folder not in args.model or not Path(path).is_file():
            parser.error(f"--scores {pair}: expected MODEL=FILE with MODEL one of the --model folders and FILE "
                         "an existing evaluate-encoder JSON")
        if not any(row.get("path") == folder for row in json.loads(Path(path).read_text())["results"]):
            parser.error(f"--scores {pair}: {path} has no row for {folder}")


def summary(rows: dict[str, dict]) -> dict:
    """Agreement on the unseen corpus rows against the mean over transfer domains, and how the transfer domains'
    agreement ranks against their score gaps (Spearman; negative: less agreement, larger gap)."""
    corpus, *transfer = rows.values()                     # the unseen corpus rows come first
    scored = [row for row in transfer if row.get("teacher_minus_student") is not None]
    correlation = (float(spearmanr([row["cosine_to_teacher"] for row in scored],
                                   [row["teacher_minus_student"] for row in scored]).statistic)
                   if len(scored) > 2 else None)
    paired = [row for row in scored if "pair_similarity_spearman" in row]
    pair_correlation = (float(spearmanr([row["pair_similarity_spearman"] for row in paired],
                                        [row["teacher_minus_student"] for row in paired]).statistic)
                        if len(paired) > 2 else None)
    return {"corpus_cosine": corpus["cosine_to_teacher"],
            "transfer_mean_cosine": float(np.mean([row["cosine_to_teacher"] for row in transfer])),
            "spearman_cosine_vs_gap": correlation,
            "mean_pair_similarity_spearman": float(np.mean([row["pair_similarity_spearman"] for row in paired]))
            if paired else None,
            "spearman_pair_similarity_vs_gap": pair_correlation}


def domain_markdown(result: dict) -> str:
    """The table of results/sra.md: one row per domain, each student's cosine to the teacher and its score gap."""
    folders = list(result["models"])
    lines = ["| domain | sentences | median words | " + " | ".join(
        f"{Path(folder).name}: cosine to teacher / pair-similarity Spearman to teacher (teacher - student score)"
        for folder in folders) + " |",
        "|" + "---|" * (3 + len(folders))]
    for domain, row in result["models"][folders[0]]["domains"].items():
        cells = []
        for folder in folders:
            cell = result["models"][folder]["domains"][domain]
            gap = cell.get("teacher_minus_student")
            pairs = cell.get("pair_similarity_spearman")
            cells.append(f"{cell['cosine_to_teacher']:.3f}" + ("" if pairs is None else f" / {pairs:.3f}")
                         + ("" if gap is None else f" ({gap:+.1f})"))
        lines.append(f"| {domain} | {row['sentences']} | {row['median_words']:g} | " + " | ".join(cells) + " |")
    for folder in folders:
        numbers = result["models"][folder]["summary"]
        lines.append(f"\n{Path(folder).name}: cosine to the teacher {numbers['corpus_cosine']:.3f} on unseen corpus "
                     f"sentences, {numbers['transfer_mean_cosine']:.3f} on average over the transfer domains; Spearman "
                     f"of the domains' cosine against their score gap: {numbers['spearman_cosine_vs_gap']:+.2f}; "
                     f"pair-similarity Spearman to the teacher {numbers['mean_pair_similarity_spearman']:.3f} on average "
                     f"over the STS subsets, against their score gap: {numbers['spearman_pair_similarity_vs_gap']:+.2f}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()

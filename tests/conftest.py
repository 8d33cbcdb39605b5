"""Shared fixtures: a tiny random-init BERT (vocab ~100, hidden 32) and generated task data."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import torch
from transformers import TrainerCallback

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
GLUE_DIR = SHARED_DATA / "glue"

POSITIVE = ["good", "great", "fine", "nice", "happy", "superb", "lovely", "bright"]
NEGATIVE = ["bad", "awful", "poor", "sad", "ugly", "dull", "boring", "grim"]
FILLER = ["the", "a", "movie", "film", "plot", "was", "is", "very", "quite", "and", "story", "cast",
          "really", "so", "this", "that", "acting", "music", "ending", "start"]
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def tiny_vocabulary() -> list[str]:
    letters = list("abcdefghijklmnopqrstuvwxyz.,!?'")
    words = POSITIVE + NEGATIVE + FILLER
    pieces = SPECIAL + words + letters + [f"##{letter}" for letter in "abcdefghijklmnopqrstuvwxyz"]
    return list(dict.fromkeys(pieces))  # "a" is a word and a letter: keep one


def make_tiny_bert(directory: Path, seed: int = 0, hidden_size: int = 32) -> Path:
    """A random-init BERT with 2 layers, hidden 32 (or `hidden_size`), 4 heads and a ~100-piece WordPiece
    vocabulary."""
    from transformers import BertConfig, BertModel, BertTokenizer

    directory.mkdir(parents=True, exist_ok=True)
    vocab = tiny_vocabulary()
    (directory / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizer(vocab=str(directory / "vocab.txt"), do_lower_case=True)
    assert "[UNK]" not in tokenizer.tokenize("the movie was great"), "tiny vocabulary not loaded"
    tokenizer.save_pretrained(directory)
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=len(vocab), hidden_size=hidden_size, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=37, max_position_embeddings=64)
    BertModel(config).save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> Path:
    return make_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


GENERAL_TEXTS = ["the movie was great", "a dull and boring film , really bad", "great",
                 "the cast is nice and the plot so dull"]


def save_general_bilstm(tokenizer, folder: Path) -> Path:
    """A general BiLSTM student as `distill sra` saves it (residual static path, 5-d projection, ST files)."""
    from bertdistill.students import BiLSTMConfig, BiLSTMModel
    from bertdistill.students.sentence_transformers_files import write_sentence_transformers_files

    torch.manual_seed(0)
    config = BiLSTMConfig(vocab_size=len(tokenizer), embedding_dim=8, hidden_size=6, num_layers=1, projection_dim=5,
                          residual_static=True, ignored_token_ids=tokenizer.all_special_ids, dropout=0.0)
    BiLSTMModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    write_sentence_transformers_files(folder, config.model_type)
    return folder


def save_general_static(tokenizer, folder: Path) -> Path:
    """A static student as `distill sra` saves it (folded to one 3-d table, normalising, model2vec + ST files)."""
    from bertdistill.students import StaticConfig, StaticModel
    from bertdistill.students.static import save_static

    torch.manual_seed(0)
    config = StaticConfig(vocab_size=len(tokenizer), hidden_dim=4, projection_dim=3, token_weights=True,
                          ignored_token_ids=tokenizer.all_special_ids, pad_token_id=tokenizer.pad_token_id)
    save_static(StaticModel(config), tokenizer, folder)
    return folder


@pytest.fixture(scope="session")
def general_students(tiny_bert, tmp_path_factory) -> dict[str, Path]:
    """Untrained general students (BiLSTM, static) over the tiny BERT's vocabulary."""
    from bertdistill.teachers.loading import load_tokenizer

    root = tmp_path_factory.mktemp("general")
    tokenizer = load_tokenizer(str(tiny_bert))
    return {"bilstm": save_general_bilstm(tokenizer, root / "bilstm"),
            "static": save_general_static(tokenizer, root / "static")}


def sentiment_sentence(rng: random.Random, positive: bool) -> str:
    words = rng.sample(FILLER, 4) + [rng.choice(POSITIVE if positive else NEGATIVE)]
    rng.shuffle(words)
    return " ".join(words)


def sentiment_rows(count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        positive = rng.random() < 0.5
        rows.append({"text": sentiment_sentence(rng, positive), "label": "pos" if positive else "neg"})
    return rows


def pair_rows(count: int, seed: int, regression: bool = False) -> list[dict]:
    """Pairs whose label says whether both sentences have the same sentiment (score: 0 or 5)."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        first, second = rng.random() < 0.5, rng.random() < 0.5
        same = first == second
        label = (5.0 if same else 0.0) if regression else ("same" if same else "different")
        rows.append({"text": sentiment_sentence(rng, first), "text_pair": sentiment_sentence(rng, second),
                     "label": label})
    return rows


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def write_csv(path: Path, rows: list[dict]) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_tsv(path: Path, header: list[str] | None, rows: list[list[str]], bom: bool = False) -> Path:
    lines = (["\t".join(header)] if header else []) + ["\t".join(row) for row in rows]
    text = ("\ufeff" if bom else "") + "\n".join(lines) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def sentiment_files(tmp_path) -> tuple[Path, Path]:
    return (write_csv(tmp_path / "train.csv", sentiment_rows(192, seed=1)),
            write_csv(tmp_path / "dev.csv", sentiment_rows(32, seed=2)))


def needs_shared_data():
    return pytest.mark.skipif(not GLUE_DIR.is_dir(), reason=f"{GLUE_DIR} not present")


# --- shared by several test modules: a corpus, an offline hub, transfer tasks, a simulated kill ---

@pytest.fixture
def corpus_file(tmp_path):
    rng = random.Random(0)
    words = POSITIVE + NEGATIVE + FILLER
    lines = [" ".join(rng.choices(words, k=rng.randint(4, 10))) + "." for _ in range(300)]
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def no_hub(monkeypatch, tmp_path):
    """Offline, no local GLUE: the zero-shot STS-B check is skipped, with the reason recorded."""
    import datasets

    def offline(*args, **kwargs):
        raise ConnectionError("offline")

    monkeypatch.setattr(datasets, "load_dataset", offline)
    monkeypatch.delenv("BERTDISTILL_DATA_DIR", raising=False)
    monkeypatch.delenv("BERTDISTILL_RETRIEVAL_DIR", raising=False)
    monkeypatch.setenv("BERTDISTILL_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def transfer_dir(tmp_path):
    """All eight tasks in SentEval layout, a few lines each."""
    rng = random.Random(3)
    root = tmp_path / "transfer"

    def pairs(count):
        rows = []
        for _ in range(count):
            first, second = rng.random() < 0.5, rng.random() < 0.5
            rows.append((sentiment_sentence(rng, first), sentiment_sentence(rng, second), 5.0 * (first == second)))
        return rows

    for year in (12, 13, 14, 15, 16):
        folder = root / "STS" / f"STS{year}-en-test"
        folder.mkdir(parents=True)
        rows = pairs(8)
        (folder / "STS.input.toy.txt").write_text("".join(f"{a}\t{b}\n" for a, b, _ in rows))
        (folder / "STS.gs.toy.txt").write_text("".join(f"{score + rng.random()}\n" for *_, score in rows))
    (root / "stsbenchmark").mkdir()
    (root / "stsbenchmark" / "sts-test.csv").write_text(
        "".join(f"g\tf\t2012\t{i}\t{score + rng.random()}\t{a}\t{b}\n" for i, (a, b, score) in enumerate(pairs(8))))
    for folder, names in (("MR", ("rt-polarity.neg", "rt-polarity.pos")), ("SUBJ", ("subj.objective", "subj.subjective"))):
        (root / folder).mkdir()
        for label, name in enumerate(names):
            lines = [sentiment_sentence(rng, bool(label)) for _ in range(10)]
            (root / folder / name).write_bytes(("\n".join(lines) + "\n").encode())
    return root


def write_beir_set(folder: Path, documents: dict[str, tuple[str, str]], queries: dict[str, str],
                   qrels: list[tuple[str, str, int]]) -> Path:
    """A BEIR-format folder: documents as id -> (title, text), queries as id -> text, qrels as rows."""
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text("".join(json.dumps({"_id": key, "title": title, "text": text}) + "\n"
                                                 for key, (title, text) in documents.items()))
    (folder / "queries.jsonl").write_text("".join(json.dumps({"_id": key, "text": text}) + "\n"
                                                  for key, text in queries.items()))
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n" +
                                               "".join(f"{query}\t{document}\t{grade}\n" for query, document, grade in qrels))
    return folder


@pytest.fixture
def retrieval_dir(tmp_path):
    """A folder holding one tiny BEIR set (`toy`): 3 judged queries over 6 documents, in the tiny vocabulary."""
    documents = {"d1": ("good film", "a good movie and a great cast"), "d2": ("", "the plot was boring and dull"),
                 "d3": ("music", "lovely music and a happy ending"), "d4": ("sad", "a sad story, very grim"),
                 "d5": ("acting", "the acting was awful and poor"), "d6": ("nice", "a nice start, quite bright")}
    queries = {"q1": "good movie cast", "q2": "awful acting", "q3": "happy music", "q4": "never judged"}
    qrels = [("q1", "d1", 2), ("q1", "d6", 1), ("q1", "d2", 0), ("q2", "d5", 3), ("q3", "d3", 2), ("q3", "d6", 1)]
    return write_beir_set(tmp_path / "retrieval" / "toy", documents, queries, qrels).parent


class Interrupt(Exception):
    pass


class KillAtStep(TrainerCallback):
    """Simulates a killed run: raises right after step `step` has finished."""

    def __init__(self, step: int):
        self.step = step

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == self.step:
            raise Interrupt(f"killed at step {state.global_step}")

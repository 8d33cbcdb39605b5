"""Batched inference: texts (or pairs) -> logits, with length-sorted batches and progress."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from datasets import Dataset
from tqdm.auto import tqdm
from transformers import DataCollatorWithPadding, PreTrainedModel, PreTrainedTokenizerBase

from bertdistill.data.examples import Record, build_dataset
from bertdistill.data.features import tokenize_dataset
from bertdistill.data.readers import read_delimited_lines, read_table
from bertdistill.data.tasks import TaskSpec
from bertdistill.errors import DataError
from bertdistill.io import atomic_write_text
from bertdistill.scoring.metrics import predictions_from_logits


@torch.no_grad()
def predict_logits(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    dataset: Dataset,
    max_length: int,
    batch_size: int = 128,
    progress: bool = True,
) -> np.ndarray:
    """Logits for every row of `dataset` (columns `text`, optional `text_pair`), in row order."""
    features = tokenize_dataset(dataset.remove_columns([c for c in ("label",) if c in dataset.column_names]),
                                tokenizer, max_length)
    lengths = np.array([len(ids) for ids in features["input_ids"]])
    order = np.argsort(-lengths, kind="stable")  # long first: padding waste stays small
    collator = DataCollatorWithPadding(tokenizer)
    model.eval()
    device = next(model.parameters()).device
    outputs = []
    starts = range(0, len(order), batch_size)
    # disable=None: tqdm shows the bar on a terminal only, so logs stay clean
    for start in tqdm(starts, desc="predicting", disable=True if not progress or len(starts) < 5 else None,
                      leave=False):
        batch = collator([features[int(index)] for index in order[start : start + batch_size]])
        batch = {key: value.to(device) for key, value in batch.items()}
        outputs.append(model(**batch).logits.float().cpu().numpy())  # (batch, num_labels)
    logits = np.concatenate(outputs)
    restored = np.empty_like(logits)
    restored[order] = logits
    return restored


def describe_predictions(logits: np.ndarray, spec: TaskSpec) -> list[tuple[str, float]]:
    """(label or score, confidence) per example; confidence is the softmax probability (1.0 for scores)."""
    predictions = predictions_from_logits(logits, spec)
    if spec.is_regression:
        return [(f"{score:.4f}", 1.0) for score in predictions]
    probabilities = torch.softmax(torch.from_numpy(logits), dim=-1).numpy()
    return [(spec.labels[index], float(probabilities[row, index])) for row, index in enumerate(predictions)]


def write_predictions(path: str | Path, dataset: Dataset, logits: np.ndarray, spec: TaskSpec) -> None:
    """A TSV with the inputs, the prediction, its confidence and (when known) the gold label."""
    header = ["index", "text"] + (["text_pair"] if spec.is_pair else []) + ["prediction", "confidence"]
    has_gold = "label" in dataset.column_names
    if has_gold:
        header.append("gold")
    lines = ["\t".join(header)]
    described = describe_predictions(logits, spec)
    for index, (row, (prediction, confidence)) in enumerate(zip(dataset, described)):
        fields = [str(index), row["text"]] + ([row["text_pair"]] if spec.is_pair else [])
        fields += [prediction, f"{confidence:.4f}"]
        if has_gold:
            fields.append(f"{row['label']:.4f}" if spec.is_regression else spec.labels[row["label"]])
        lines.append("\t".join(field.replace("\t", " ").replace("\n", " ") for field in fields))
    atomic_write_text(path, "\n".join(lines) + "\n")


def _input_spec(is_pair: bool) -> TaskSpec:
    """The shape of unlabelled inputs, so they pass the same checks as training data."""
    return TaskSpec("input", ("unused", "unused2"), is_pair, ("accuracy",), "accuracy",
                    pair_column="text_pair" if is_pair else None)


def prediction_inputs_from_texts(texts: list[str], is_pair: bool) -> Dataset:
    """Inputs given on the command line; for a pair model each is 'first<TAB>second'."""
    records = []
    for number, text in enumerate(texts, start=1):
        fields = text.split("\t")
        if is_pair and len(fields) != 2:
            raise DataError(f"text {number}: this is a pair model; give 'first text<TAB>second text', or use --input")
        records.append(Record(f"text {number}", fields[0] if is_pair else text, fields[1] if is_pair else None))
    return build_dataset(records, _input_spec(is_pair), "the command line", with_labels=False)


def read_prediction_inputs(path: str | Path, is_pair: bool) -> Dataset:
    """Inputs for `predict --input`: CSV/JSONL with columns `text` (and `text_pair`), or plain
    lines of text; for a pair model each line holds the two texts separated by a tab."""
    path = Path(path)
    spec = _input_spec(is_pair)
    if path.suffix.lower() in (".csv", ".jsonl", ".json", ".ndjson"):
        table = read_table(path)
        table.require_columns("text", "text_pair" if is_pair else None)
        records = [Record(f"{path}, line {row.line}", row.fields.get("text"), row.fields.get("text_pair"))
                   for row in table.rows]
        return build_dataset(records, spec, str(path), with_labels=False)
    records = []
    for line, fields in read_delimited_lines(path):
        if is_pair and len(fields) != 2:
            raise DataError(f"{path}, line {line}: a pair model needs two tab-separated texts, found {len(fields)} field(s)")
        text = fields[0] if is_pair else "\t".join(fields)
        records.append(Record(f"{path}, line {line}", text, fields[1] if is_pair else None))
    return build_dataset(records, spec, str(path), with_labels=False)

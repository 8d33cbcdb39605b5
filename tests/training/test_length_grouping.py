"""Length-grouped batching reads the `length` column once, as a list: transformers passes the column on as a
lazy `datasets` Column, which reads one Arrow row per lookup, for every row of every epoch."""

from __future__ import annotations

import torch
from datasets import Dataset
from transformers import Trainer as HuggingFaceTrainer
from transformers import TrainingArguments

from bertdistill.training.trainer import Trainer


def trainers(tmp_path, dataset: Dataset) -> tuple[Trainer, HuggingFaceTrainer]:
    arguments = TrainingArguments(output_dir=str(tmp_path), per_device_train_batch_size=4, use_cpu=True,
                                  train_sampling_strategy="group_by_length", report_to=[])
    model = torch.nn.Linear(1, 1)
    return (Trainer(model=model, args=arguments, train_dataset=dataset),
            HuggingFaceTrainer(model=model, args=arguments, train_dataset=dataset))


def test_lengths_are_a_list_and_the_order_is_transformers(tmp_path):
    lengths = [(7 * row) % 23 + 1 for row in range(200)]
    dataset = Dataset.from_dict({"input_ids": [[1] * length for length in lengths], "length": lengths})
    ours, theirs = trainers(tmp_path, dataset)
    sampler = ours._get_train_sampler()
    assert type(sampler.lengths) is list and sampler.lengths == lengths
    torch.manual_seed(3)
    order = list(sampler)
    torch.manual_seed(3)
    assert order == list(theirs._get_train_sampler())  # the same batches as before, only faster
    assert sorted(order) == list(range(200))


def test_a_dataset_after_select_keeps_its_own_lengths(tmp_path):
    lengths = list(range(1, 101))
    dataset = Dataset.from_dict({"input_ids": [[1] * length for length in lengths], "length": lengths})
    chosen = dataset.select([99, 0, 50, 7])  # an indices mapping over the Arrow table
    ours, _ = trainers(tmp_path, chosen)
    assert ours._get_train_sampler().lengths == [100, 1, 51, 8]


def test_without_a_length_column_transformers_decides(tmp_path):
    dataset = Dataset.from_dict({"input_ids": [[1] * length for length in (3, 1, 2, 5)]})
    ours, _ = trainers(tmp_path, dataset)
    assert sorted(ours._get_train_sampler().lengths) == [1, 2, 3, 5]

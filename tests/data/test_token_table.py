import numpy as np
import torch
from datasets import Dataset, concatenate_datasets

from bertdistill.data.token_table import TableRows, TokenTable
from bertdistill.methods.sra.training import SentenceVectorCollator


def reference_padding(sequences: list[list[int]], pad_token_id: int) -> tuple[list, list]:
    """Row by row, in plain Python: what a batch must look like."""
    width = max(len(sequence) for sequence in sequences)
    return ([sequence + [pad_token_id] * (width - len(sequence)) for sequence in sequences],
            [[1] * len(sequence) + [0] * (width - len(sequence)) for sequence in sequences])


def token_rows(count: int, seed: int) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    return [rng.integers(1, 30_000, size=rng.integers(1, 12)).tolist() for _ in range(count)]


def test_a_batch_is_the_rows_padded_right_with_their_mask():
    table = TokenTable.of(Dataset.from_dict({"input_ids": [[5, 6, 7], [8], [9, 10]]}))
    input_ids, attention_mask = table.padded(np.array([0, 1, 2]), pad_token_id=0)
    assert input_ids.tolist() == [[5, 6, 7], [8, 0, 0], [9, 10, 0]] and input_ids.dtype == torch.long
    assert attention_mask.tolist() == [[1, 1, 1], [1, 0, 0], [1, 1, 0]] and attention_mask.dtype == torch.long
    assert table.lengths.tolist() == [3, 1, 2]


def test_selected_and_concatenated_datasets_keep_their_row_order():
    rows = token_rows(3000, 0)   # several Arrow record batches
    crops = token_rows(500, 1)
    dataset = concatenate_datasets([Dataset.from_dict({"input_ids": rows}), Dataset.from_dict({"input_ids": crops})])
    everything = rows + crops
    table = TokenTable.of(dataset)
    assert len(table) == 3500 and table.lengths.tolist() == [len(row) for row in everything]
    batch = np.array([3499, 0, 2999, 3000, 17, 17])
    input_ids, attention_mask = table.padded(batch, pad_token_id=3)
    expected_ids, expected_mask = reference_padding([everything[row] for row in batch], 3)
    assert input_ids.tolist() == expected_ids and attention_mask.tolist() == expected_mask
    chosen = [9, 4, 2500, 1]
    selected = TokenTable.of(dataset.select(chosen))   # an indices mapping: its rows, in its order
    assert selected.padded(np.arange(4), 0)[0].tolist() == reference_padding([everything[row] for row in chosen], 0)[0]


def test_table_rows_hand_the_collator_one_array_per_batch():
    table = TokenTable.of(Dataset.from_dict({"input_ids": token_rows(20, 2)}))
    rows = TableRows(table, np.array([4, 7, 1, 19]))
    assert len(rows) == 4 and rows[1] == 7
    assert rows.__getitems__([3, 0]).tolist() == [19, 4]
    assert rows.lengths.tolist() == table.lengths[[4, 7, 1, 19]].tolist()
    assert rows.select([2, 3]).rows.tolist() == [1, 19]
    loader = torch.utils.data.DataLoader(rows, batch_size=3, collate_fn=lambda batch: batch)
    assert [batch.tolist() for batch in loader] == [[4, 7, 1], [19]]


def test_the_collator_pairs_each_row_with_its_own_teacher_vector():
    """The collator against the row-by-row construction: ids, mask and each row's vector, for a fixed batch."""
    sequences = token_rows(50, 3)
    table = TokenTable.of(Dataset.from_dict({"input_ids": sequences}))
    vectors = np.random.default_rng(4).standard_normal((50, 6)).astype(np.float16)
    batch = SentenceVectorCollator(table, vectors, pad_token_id=0)(np.array([12, 3, 49, 3]))
    expected_ids, expected_mask = reference_padding([sequences[row] for row in (12, 3, 49, 3)], 0)
    assert batch["input_ids"].tolist() == expected_ids and batch["attention_mask"].tolist() == expected_mask
    np.testing.assert_array_equal(batch["teacher_vector"].numpy(), vectors[[12, 3, 49, 3]].astype(np.float32))
    assert batch["teacher_vector"].dtype == torch.float32

"""Golden values for the teacher's sentence vectors and the corpus IDF."""

import math

import numpy as np
import pytest
import torch

from bertdistill.errors import ModelError
from bertdistill.teachers.sentence_vector import SentenceVectorTeacher, compute_idf, pool_sentence_vector

HIDDEN = torch.tensor([[[1.0, 0.0], [3.0, 2.0], [5.0, 4.0]],
                       [[2.0, 2.0], [4.0, 0.0], [9.0, 9.0]]])  # (B=2, T=3, d=2)
MASK = torch.tensor([[1, 1, 1], [1, 1, 0]])


def test_cls_is_the_first_state():
    torch.testing.assert_close(pool_sentence_vector(HIDDEN, MASK, "cls"), HIDDEN[:, 0])


def test_mean_excludes_padding():
    expected = torch.tensor([[3.0, 2.0], [3.0, 1.0]])
    torch.testing.assert_close(pool_sentence_vector(HIDDEN, MASK, "mean"), expected)


def test_idf_mean_weights_pieces():
    weights = torch.tensor([[1.0, 2.0, 1.0], [1.0, 3.0, 5.0]])
    expected = torch.tensor([[(1 + 6 + 5) / 4, (0 + 4 + 4) / 4], [(2 + 12) / 4, (2 + 0) / 4]])
    torch.testing.assert_close(pool_sentence_vector(HIDDEN, MASK, "idf_mean", token_weights=weights), expected)


def test_pooler_and_idf_need_their_inputs():
    with pytest.raises(ModelError, match="pooler"):
        pool_sentence_vector(HIDDEN, MASK, "pooler")
    with pytest.raises(ModelError, match="IDF"):
        pool_sentence_vector(HIDDEN, MASK, "idf_mean")


def test_compute_idf_is_smoothed_document_frequency():
    sentences = [[2, 7, 7, 3], [2, 8, 3], [2, 7, 3]]
    idf = compute_idf(sentences, vocab_size=10)
    n = 3
    assert idf[2] == pytest.approx(math.log((1 + n) / (1 + 3)) + 1)   # in every sentence: weight 1
    assert idf[7] == pytest.approx(math.log((1 + n) / (1 + 2)) + 1)   # repeated within a sentence counts once
    assert idf[8] == pytest.approx(math.log((1 + n) / (1 + 1)) + 1)
    assert idf[9] == pytest.approx(math.log(1 + n) + 1)               # unseen: the largest weight
    assert idf.dtype == np.float32


def test_teacher_vectors_match_a_manual_mean(tiny_bert):
    from transformers import AutoModel

    teacher = SentenceVectorTeacher(str(tiny_bert), "mean", device="cpu")
    ids = torch.tensor([[2, 5, 6, 3, 0], [2, 7, 3, 0, 0]])
    mask = ids.ne(0).long()
    reference = AutoModel.from_pretrained(tiny_bert).eval()
    hidden = reference(input_ids=ids, attention_mask=mask).last_hidden_state
    expected = (hidden * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True)
    torch.testing.assert_close(teacher.encode_batch(ids, mask), expected, atol=1e-5, rtol=1e-5)
    assert not any(parameter.requires_grad for parameter in teacher.model.parameters())
